// get<Field>ValuesAndCounts (spec §7.1): each value of a field with the number of distinct
// patients having at least one visible series with that value. Counted in SQL over the
// viewer's series; the value expression is grouped as written, with its literals inlined,
// so PostgreSQL sees the same expression in SELECT and GROUP BY.
import { sql, type RawBuilder } from 'kysely';
import type { AccessScope } from '../access.js';
import { compareBytes, sameIgnoringCase, type FilterValue } from './filters.js';

export type CountedField = 'collection' | 'modality' | 'bodyPart' | 'manufacturer' | 'species';

/** NBIA's default species (SNOMED "Homo sapiens"), used where a patient states none. */
export const DEFAULT_SPECIES_CODE = '337915000';
export const DEFAULT_SPECIES_DESCRIPTION = 'Homo sapiens';
/** The body part NBIA shows for series that have none. */
export const NOT_SPECIFIED = 'NOT SPECIFIED';

/** The value each field is counted by, as NBIA shows it: body parts upper-cased, null ones "NOT SPECIFIED"; a null manufacturer "". */
export const COUNTED_VALUE: Record<CountedField, RawBuilder<string>> = {
  collection: sql<string>`${sql.ref('collection.name')}`,
  modality: sql<string>`${sql.ref('series.modality')}`,
  bodyPart: sql<string>`coalesce(upper(${sql.ref('series.body_part_examined')}), ${sql.lit(NOT_SPECIFIED)})`,
  manufacturer: sql<string>`coalesce(${sql.ref('series.manufacturer')}, ${sql.lit('')})`,
  species: sql<string>`coalesce(nullif(${sql.ref('patient.species_code')}, ${sql.lit('')}), ${sql.lit(DEFAULT_SPECIES_CODE)})`,
};

/**
 * COUNTED_VALUE's body part, for rows grouped by the raw column: grouping by the column
 * itself lets a database stream the groups out of an index instead of sorting them.
 */
export function shownBodyPart(raw: string | null): string {
  return raw === null ? NOT_SPECIFIED : raw.toUpperCase();
}

export interface CountFilters {
  /** Case-insensitive. */
  collection?: FilterValue;
  /** Case-insensitive. */
  modality?: FilterValue;
  /**
   * Case-insensitive, since the answers show body parts upper-cased and clients send those
   * values back; "NOT SPECIFIED" selects the series without a body part, as it is shown.
   */
  bodyPartExamined?: FilterValue;
}

export interface ValueAndCount {
  value: string;
  patients: number;
}

/** The fields whose counts are kept per collection (migration 0008), which names them as CountedField does. */
const KEPT = new Set<CountedField>(['collection', 'modality', 'bodyPart', 'manufacturer']);

/** Every value of `field` among the viewer's series, with its distinct-patient count, in byte order of the value. */
export async function valuesAndCounts(scope: AccessScope, field: CountedField, f: CountFilters = {}): Promise<ValueAndCount[]> {
  // A Modality or BodyPartExamined filter asks about combinations of values, which the
  // per-value counts cannot answer (a patient counted under CT and under CHEST may have no
  // CT series of the chest); those, and species (a patient-level value), are counted here.
  if (KEPT.has(field) && f.modality === undefined && f.bodyPartExamined === undefined) return keptValuesAndCounts(scope, field, f.collection);
  return countedValuesAndCounts(scope, field, f);
}

/**
 * The counts kept per collection: a patient belongs to one collection, so its distinct
 * patients over the visible collections are the sum of theirs. Reads a few rows per
 * visible collection, whatever the number of series.
 */
async function keptValuesAndCounts(scope: AccessScope, field: CountedField, collection: FilterValue): Promise<ValueAndCount[]> {
  let q = scope.collectionValueCounts().innerJoin('collection', 'collection.id', 'collection_value_count.collection_id').where('collection_value_count.field', '=', field);
  if (collection !== undefined) q = q.where(sameIgnoringCase('collection.name', collection));
  const rows =
    field === 'collection'
      ? await q.select(['collection.name as value', 'collection_value_count.patients as patients']).execute()
      : await q
          .select(['collection_value_count.value as value', sql<number | string>`sum(${sql.ref('collection_value_count.patients')})`.as('patients')])
          .groupBy('collection_value_count.value')
          .execute();
  return rows.map((r) => ({ value: r.value, patients: Number(r.patients) })).sort((a, b) => compareBytes(a.value, b.value));
}

/** valuesAndCounts counted from the series themselves: for filters the kept counts cannot answer, and the tests' reference. */
export async function countedValuesAndCounts(scope: AccessScope, field: CountedField, f: CountFilters = {}): Promise<ValueAndCount[]> {
  const value = COUNTED_VALUE[field];
  // Patients are counted by series.patient_pk, and patient and collection rows are joined
  // only when the value or a filter needs them: the other counts then read nothing but the
  // series_value_counts index (migration 0004), never the series rows or the image table.
  let q = scope
    .series()
    .$if(field === 'species', (qb) => qb.innerJoin('patient', 'patient.id', 'series.patient_pk'))
    .$if(field === 'collection' || f.collection !== undefined, (qb) => qb.innerJoin('collection', 'collection.id', 'series.collection_id'));
  if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.modality !== undefined) q = q.where(sameIgnoringCase('series.modality', f.modality));
  if (f.bodyPartExamined !== undefined) {
    const part = f.bodyPartExamined;
    q = part.toUpperCase() === NOT_SPECIFIED ? q.where('series.body_part_examined', 'is', null) : q.where(sameIgnoringCase('series.body_part_examined', part));
  }
  const rows = await q
    .select([value.as('value'), sql<number | string>`count(distinct ${sql.ref('series.patient_pk')})`.as('patients')])
    .groupBy(value)
    .execute();
  return rows.map((r) => ({ value: r.value, patients: Number(r.patients) })).sort((a, b) => compareBytes(a.value, b.value));
}
