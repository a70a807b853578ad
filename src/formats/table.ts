// A result table: the columns of an NBIA answer, in the spec's order, and its rows. Every
// writer (JSON, CSV, XML, HTML) renders the same table, so an endpoint never formats.

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

/** Columns from a compact list: `['Collection', 'string'], ...`. */
export function columns(...defs: ReadonlyArray<readonly [string, ValueType]>): Column[] {
  return defs.map(([name, type]) => ({ name, type }));
}
