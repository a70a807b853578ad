// CSV: a header line of column names, then one line per row, `\n` line ends. Multi-column
// tables quote every field (as the original's quoted CSV); single-column lists quote only
// where a value needs it. Nulls are empty fields (the original's `","` quirk is not kept).
import { stringify } from 'csv-stringify/sync';
import type { Table } from './table.js';

export function renderCsv(table: Table): string {
  const multi = table.columns.length > 1;
  const records: string[][] = [table.columns.map((c) => c.name)];
  for (const row of table.rows) {
    records.push(table.columns.map(({ name }) => {
      const v = row[name];
      return v === null || v === undefined ? '' : String(v);
    }));
  }
  return stringify(records, { record_delimiter: '\n', quoted: multi, quoted_empty: multi });
}
