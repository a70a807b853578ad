// A result table: the columns of an NBIA answer, in the spec's order, and its rows. Every
// writer (JSON, CSV, XML, HTML) renders the same table, so an endpoint never formats.
// A listing that can be long (a whole collection's series, a series' images) comes as a
// PagedTable instead: its rows arrive a page at a time, and the writers stream them, so
// no answer is ever held whole in memory.

/** The value types NBIA answers carry; XML names them after the original's Java classes. */
export type ValueType = 'string' | 'integer' | 'long' | 'double' | 'boolean' | 'timestamp';

export interface Column {
  /** The field name on the wire, exact NBIA spelling (`PatientId`, `Series UID`, ...). */
  name: string;
  type: ValueType;
}

export type Value = string | number | boolean | null | undefined;
export type Row = Readonly<Record<string, Value>>;

export interface Table {
  columns: readonly Column[];
  rows: readonly Row[];
}

/** A table whose rows come in pages, in order (see archive/queries/paging.ts). */
export interface PagedTable {
  columns: readonly Column[];
  pages: AsyncIterable<readonly Row[]>;
}

/** Columns from a compact list: `['Collection', 'string'], ...`. */
export function columns(...defs: ReadonlyArray<readonly [string, ValueType]>): Column[] {
  return defs.map(([name, type]) => ({ name, type }));
}

/**
 * One output format, in three parts so that a table can be written whole or page by page
 * with the same code: what comes before the rows, a run of rows (`first` says whether any
 * row came before it), and what comes after.
 */
export interface TableWriter {
  head(columns: readonly Column[]): string;
  rows(columns: readonly Column[], rows: readonly Row[], first: boolean): string;
  tail(columns: readonly Column[]): string;
}
