// The columns of an answer declared once per endpoint and family: wire name, value type
// (for the XML writer) and how to read the value from an archive record. Families differ
// in data, not code (DESIGN.md): v1/v2 write dates as Java Timestamps, v4 as MM-dd-yyyy
// and adds `Authorized` to its row endpoints (spec §4.9, §8).
import type { Table, Value, ValueType } from '../../formats/table.js';
import type { Family } from '../families.js';
import { javaTimestamp, mmddyyyy } from '../dates.js';

export type Field<R> = readonly [name: string, type: ValueType, value: (row: R) => Value];

export function tableOf<R>(fields: ReadonlyArray<Field<R>>, rows: readonly R[]): Table {
  return {
    columns: fields.map(([name, type]) => ({ name, type })),
    rows: rows.map((r) => Object.fromEntries(fields.map(([name, , value]) => [name, value(r)]))),
  };
}

/** A date or timestamp column in the family's form. */
export function dateField<R>(family: Family, name: string, get: (row: R) => string | null): Field<R> {
  return family === 'v4' ? [name, 'string', (r) => mmddyyyy(get(r))] : [name, 'timestamp', (r) => javaTimestamp(get(r))];
}

/** v4's `Authorized`: every row that survives the access filter is one the caller may see. */
export const AUTHORIZED: Field<unknown> = ['Authorized', 'integer', () => 1];

/** An INTEGER 0/1 flag as the boolean the original writes; null stays null (omitted). */
export function flag(value: number | null): boolean | null {
  return value === null ? null : value !== 0;
}

/** A filter parameter: undefined when absent, the exact string (even empty) when given. */
export type FilterParam = string | undefined;
