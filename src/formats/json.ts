// JSON as NBIA clients read it: an array of objects, keys in column order, nulls omitted
// (a row of nothing but nulls is `{}`), compact.
import type { Table } from './table.js';

export function renderJson(table: Table): string {
  const out: string[] = [];
  for (const row of table.rows) {
    const fields: string[] = [];
    for (const { name } of table.columns) {
      const value = row[name];
      if (value === null || value === undefined) continue;
      fields.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
    }
    out.push(`{${fields.join(',')}}`);
  }
  return `[${out.join(',')}]`;
}
