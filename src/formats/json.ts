// JSON as NBIA clients read it: an array of objects, keys in column order, nulls omitted
// (a row of nothing but nulls is `{}`), compact.
import type { Row, TableWriter } from './table.js';

export const JSON_WRITER: TableWriter = {
  head: () => '[',
  rows(columns, rows, first) {
    const out: string[] = [];
    for (const row of rows) out.push(jsonObject(columns, row));
    return out.length === 0 ? '' : (first ? '' : ',') + out.join(',');
  },
  tail: () => ']',
};

function jsonObject(columns: readonly { name: string }[], row: Row): string {
  const fields: string[] = [];
  for (const { name } of columns) {
    const value = row[name];
    if (value === null || value === undefined) continue;
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  }
  return `{${fields.join(',')}}`;
}
