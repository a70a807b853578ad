// CSV: a header line of column names, then one line per row, `\n` line ends. Multi-column
// tables quote every field (as the original's quoted CSV); single-column lists quote only
// where a value needs it. Nulls are empty fields (the original's `","` quirk is not kept).
import { stringify } from 'csv-stringify/sync';
import type { Column, TableWriter } from './table.js';

const options = (columns: readonly Column[]) => {
  const multi = columns.length > 1;
  return { record_delimiter: '\n', quoted: multi, quoted_empty: multi } as const;
};

export const CSV_WRITER: TableWriter = {
  head: (columns) => stringify([columns.map((c) => c.name)], options(columns)),
  rows(columns, rows) {
    if (rows.length === 0) return '';
    const records = rows.map((row) =>
      columns.map(({ name }) => {
        const v = row[name];
        return v === null || v === undefined ? '' : String(v);
      }),
    );
    return stringify(records, options(columns));
  },
  tail: () => '',
};
