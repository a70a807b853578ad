// How NBIA filters compare (spec §4.10, policy "Answers"): Collection, PatientID and
// Modality case-insensitively, UIDs and every other value exactly. An empty value is a
// value (it matches nothing), not "no filter"; only an absent parameter means no filter.
import { sql, type RawBuilder } from 'kysely';

/**
 * `upper(column) = upper(value)`. Both sides go through the database's own upper(), so a
 * value compares the same way the expression indexes (`patient_upper_patient_id`) were built.
 */
export function sameIgnoringCase(column: string, value: string): RawBuilder<boolean> {
  return sql<boolean>`upper(${sql.ref(column)}) = upper(${value})`;
}

/** `column = value`, exact. */
export function same(column: string, value: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} = ${value}`;
}

/** A filter value as the endpoint read it: absent (undefined) or the exact string sent. */
export type FilterValue = string | undefined;

/** ASCII-insensitive order with byte order as the tie-break: deterministic on both dialects. */
export function compareIgnoringCase(a: string, b: string): number {
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  if (ua !== ub) return ua < ub ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Byte (UTF-16 code unit) order, whatever the database collation. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The first instant a "released after <day>" filter admits, as text that compares right
 * against both stored forms of date_released (`YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS.mmm`):
 * the bare next day sorts before every timestamp of that day and after every earlier one.
 */
export function startOfDay(isoDate: string): string {
  return isoDate.slice(0, 10);
}
