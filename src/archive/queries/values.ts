// Distinct-value lists (getCollectionValues, getModalityValues, getBodyPartValues,
// getManufacturerValues), each seen through the viewer's scope. The lists are small
// (one entry per distinct value), so they are ordered here, not in SQL: both dialects
// then give the same order whatever their collation.
import type { AccessScope } from '../access.js';
import { compareBytes, compareIgnoringCase, sameIgnoringCase, type FilterValue } from './filters.js';

/** Collections holding at least one series the viewer may see, in byte order of the name (spec §4.11). */
export async function collectionValues(scope: AccessScope): Promise<string[]> {
  const rows = await scope.runCompiled('collectionValues', (s) =>
    s
      .collections()
      .where((eb) => eb.exists(eb.selectFrom('series').select('series.id').whereRef('series.collection_id', '=', 'collection.id')))
      .select('collection.name'),
  );
  return rows.map((r) => r.name).sort(compareBytes);
}

export interface ValueFilters {
  collection?: FilterValue;
  modality?: FilterValue;
  bodyPartExamined?: FilterValue;
}

/**
 * Visible series narrowed by the value endpoints' filters: Collection and Modality
 * case-insensitive, BodyPartExamined exact (policy "Answers": only Collection, PatientID and
 * Modality ignore case — the original also folds BodyPartExamined here, spec §4.10).
 */
function filteredSeries(scope: AccessScope, f: ValueFilters) {
  let q = scope.series();
  if (f.collection !== undefined) {
    const name = f.collection;
    q = q.where((eb) => eb('series.collection_id', 'in', eb.selectFrom('collection as fc').select('fc.id').where(sameIgnoringCase('fc.name', name))));
  }
  if (f.modality !== undefined) q = q.where(sameIgnoringCase('series.modality', f.modality));
  // Case-insensitive here (spec §4.10 for the value lists): getBodyPartValues answers upper-cased
  // values, and a client passes them straight back as the filter.
  if (f.bodyPartExamined !== undefined) q = q.where(sameIgnoringCase('series.body_part_examined', f.bodyPartExamined));
  return q;
}

/**
 * getModalityValues: distinct raw modalities, ordered by upper(modality) (spec §4.11). Read
 * from the per-collection counts (migration 0008), which hold a row for each raw modality a
 * collection's series have, a few rows per collection instead of every series; a
 * BodyPartExamined filter asks about combinations those rows do not hold, and is answered
 * from the series.
 */
export async function modalityValues(scope: AccessScope, f: Pick<ValueFilters, 'collection' | 'bodyPartExamined'>): Promise<string[]> {
  if (f.bodyPartExamined !== undefined) return modalityValuesFromSeries(scope, f);
  let q = scope.collectionValueCounts().where('collection_value_count.field', '=', 'modality');
  if (f.collection !== undefined) {
    const name = f.collection;
    q = q.where((eb) => eb('collection_value_count.collection_id', 'in', eb.selectFrom('collection as fc').select('fc.id').where(sameIgnoringCase('fc.name', name))));
  }
  const rows = await q.select('collection_value_count.value').distinct().execute();
  return rows.map((r) => r.value).sort(compareIgnoringCase);
}

/** getModalityValues counted from the series themselves: for a BodyPartExamined filter, and the tests' reference. */
export async function modalityValuesFromSeries(scope: AccessScope, f: Pick<ValueFilters, 'collection' | 'bodyPartExamined'>): Promise<string[]> {
  const rows = await filteredSeries(scope, f).select('series.modality').distinct().execute();
  return rows.map((r) => r.modality).sort(compareIgnoringCase);
}

/** Nulls first, then case-insensitive order (spec §4.11: "null first (`{}`)"). */
function nullsFirst(values: Array<string | null>): Array<string | null> {
  return values.sort((a, b) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : compareIgnoringCase(a, b)));
}

/**
 * getBodyPartValues: distinct body parts, upper-cased (spec §5.3) — upper-cased here rather
 * than in SQL because SQLite's upper() only folds ASCII. Trailing spaces are kept.
 */
export async function bodyPartValues(scope: AccessScope, f: Pick<ValueFilters, 'collection' | 'modality'>): Promise<Array<string | null>> {
  const rows = await filteredSeries(scope, f).select('series.body_part_examined').distinct().execute();
  const upper = new Set(rows.map((r) => (r.body_part_examined === null ? null : r.body_part_examined.toUpperCase())));
  return nullsFirst([...upper]);
}

/** getManufacturerValues: distinct raw manufacturers (case variants stay apart), null first. */
export async function manufacturerValues(scope: AccessScope, f: ValueFilters): Promise<Array<string | null>> {
  const rows = await filteredSeries(scope, f).select('series.manufacturer').distinct().execute();
  return nullsFirst(rows.map((r) => r.manufacturer));
}
