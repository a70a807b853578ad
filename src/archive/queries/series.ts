// Series as getSeries, getUpdatedSeries, getContentsByName, getSeriesMetaData, v4
// getSeriesMetadata and getSeriesMetadata2 list them, plus getSeriesSize and
// getSOPInstanceUIDs (spec §5.10–5.15, §7.2, §8). Every listing is one query builder over
// one record; it reads the counts the series row carries (image_count, total_size) and
// never touches the image table.
import type { AccessScope } from '../access.js';
import { COLLECTION_COLUMNS, PATIENT_COLUMNS, SERIES_COLUMNS, STUDY_COLUMNS, withParents } from './columns.js';
import type { CollectionColumns, PatientColumns, SeriesColumns, StudyColumns } from './columns.js';
import { same, sameIgnoringCase, type FilterValue } from './filters.js';
import { keysetPages, PAGE_SIZE, Pages } from './paging.js';
import { collectionIdsOf, collectionListingPages } from './collection-ids.js';

/** A series with its study, patient and collection: everything any series row of any family shows. */
export type SeriesRecord = SeriesColumns & StudyColumns & PatientColumns & CollectionColumns;

/** Visible series with everything a series row shows (its unrestricted part built once, see AccessScope.seriesWith). */
function seriesDetail(scope: AccessScope) {
  return scope.seriesWith('seriesDetail', (series) => withParents(series).select([...SERIES_COLUMNS, ...STUDY_COLUMNS, ...PATIENT_COLUMNS, ...COLLECTION_COLUMNS]));
}

export interface SeriesFilters {
  /** Case-insensitive. */
  collection?: FilterValue;
  /** Case-insensitive; served by the patient_upper_patient_id index. */
  patientId?: FilterValue;
  studyInstanceUid?: FilterValue;
  seriesInstanceUid?: FilterValue;
  /** Case-insensitive. */
  modality?: FilterValue;
  /** Exact, as §4.10 recommends for getSeries. */
  bodyPartExamined?: FilterValue;
  manufacturer?: FilterValue;
  manufacturerModelName?: FilterValue;
  /** Only series whose date_released text is >= this (see filters.startOfDay); unreleased ones never match. */
  releasedFrom?: string;
}

/** Visible series matching every given filter, in primary-key (insertion) order (spec §4.11: no order). */
export async function findSeries(scope: AccessScope, f: SeriesFilters): Promise<SeriesRecord[]> {
  const ids = await collectionIdsOf(scope, f.collection);
  return ids?.length === 0 ? [] : findSeriesQuery(scope, f, ids).execute();
}

/** findSeries a page at a time (see paging.ts): for listings that can be long. */
export function findSeriesPages(scope: AccessScope, f: SeriesFilters, pageSize = PAGE_SIZE): Pages<SeriesRecord & { pageKey: number }> {
  return collectionListingPages(scope, f.collection, (ids) => {
    const q = findSeriesQuery(scope, f, ids).select('series.id as pageKey');
    return keysetPages((after, limit) => (after === null ? q : q.where('series.id', '>', after)).limit(limit).execute(), (r) => r.pageKey, pageSize);
  });
}

/**
 * findSeries' query, unexecuted: the bench asks the database for its plan. `collectionIds`
 * is the Collection filter already resolved (collectionIdsOf); without it the filter is
 * matched by name in the query itself, which the planners cannot narrow to one collection.
 */
export function findSeriesQuery(scope: AccessScope, f: SeriesFilters, collectionIds?: readonly number[]) {
  let q = seriesDetail(scope);
  if (collectionIds !== undefined) q = q.where('series.collection_id', 'in', collectionIds);
  else if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.patientId !== undefined) q = q.where(sameIgnoringCase('patient.patient_id', f.patientId));
  if (f.studyInstanceUid !== undefined) q = q.where(same('study.study_instance_uid', f.studyInstanceUid));
  if (f.seriesInstanceUid !== undefined) q = q.where(same('series.series_instance_uid', f.seriesInstanceUid));
  if (f.modality !== undefined) q = q.where(sameIgnoringCase('series.modality', f.modality));
  if (f.bodyPartExamined !== undefined) q = q.where(same('series.body_part_examined', f.bodyPartExamined));
  if (f.manufacturer !== undefined) q = q.where(same('series.manufacturer', f.manufacturer));
  if (f.manufacturerModelName !== undefined) q = q.where(same('series.manufacturer_model_name', f.manufacturerModelName));
  if (f.releasedFrom !== undefined) q = q.where('series.date_released', '>=', f.releasedFrom);
  return q.orderBy('series.id');
}

/** One visible series by UID, or undefined when it does not exist or is not the viewer's. */
export async function findOneSeries(scope: AccessScope, seriesInstanceUid: string): Promise<SeriesRecord | undefined> {
  return seriesDetail(scope).where('series.series_instance_uid', '=', seriesInstanceUid).executeTakeFirst();
}

/** getSeriesSize: the series row's own totals; undefined for an unknown or invisible series. */
export async function seriesSize(
  scope: AccessScope,
  seriesInstanceUid: string,
): Promise<{ totalSizeInBytes: number; objectCount: number } | undefined> {
  const row = await scope
    .series()
    .where('series.series_instance_uid', '=', seriesInstanceUid)
    .select(['series.total_size as totalSizeInBytes', 'series.image_count as objectCount'])
    .executeTakeFirst();
  return row && { totalSizeInBytes: Number(row.totalSizeInBytes), objectCount: Number(row.objectCount) };
}

/** getSOPInstanceUIDs: the images of one visible series, in primary-key (insertion) order. */
export async function sopInstanceUids(scope: AccessScope, seriesInstanceUid: string): Promise<string[]> {
  const rows = await sopInstanceUidsQuery(scope, seriesInstanceUid).execute();
  return rows.map((r) => r.sop_instance_uid);
}

/** getSOPInstanceUIDs a page at a time: a series can hold tens of thousands of images. */
export function sopInstanceUidPages(scope: AccessScope, seriesInstanceUid: string, pageSize = PAGE_SIZE): Pages<string> {
  const q = sopInstanceUidsQuery(scope, seriesInstanceUid).select('image.id as pageKey');
  return keysetPages((after, limit) => (after === null ? q : q.where('image.id', '>', after)).limit(limit).execute(), (r) => r.pageKey, pageSize).map(
    (r) => r.sop_instance_uid,
  );
}

export function sopInstanceUidsQuery(scope: AccessScope, seriesInstanceUid: string) {
  return scope.images().where('series.series_instance_uid', '=', seriesInstanceUid).select('image.sop_instance_uid').orderBy('image.id');
}

/**
 * How many UIDs go into one `IN (...)` list: clients send thousands of UIDs in one request,
 * and each list must stay far below both dialects' bound-parameter limits (SQLite 32766,
 * PostgreSQL 65535).
 */
export const UID_CHUNK = 1000;

/** Runs `query` on each slice of `uids` that fits one IN list, and concatenates the rows. */
export async function inUidChunks<R>(uids: readonly string[], query: (chunk: string[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < uids.length; i += UID_CHUNK) rows.push(...(await query(uids.slice(i, i + UID_CHUNK))));
  return rows;
}

/**
 * The visible series among `uids`, in the order of `uids` (a UID given twice is answered
 * twice). UIDs that are unknown or not the viewer's are simply absent: list endpoints
 * answer what the caller may see.
 */
export async function seriesInOrder(scope: AccessScope, uids: readonly string[]): Promise<SeriesRecord[]> {
  const rows = await inUidChunks(uids, (chunk) => seriesDetail(scope).where('series.series_instance_uid', 'in', chunk).execute());
  const byUid = new Map(rows.map((r) => [r.seriesInstanceUid, r]));
  return uids.flatMap((u) => byUid.get(u) ?? []);
}

/**
 * v4 getSeriesMetadata and getSeriesMetadata2 (spec §7.2, §8; the Data Retriever's manifest
 * path): the visible series among `uids`, each once, in the order first asked for.
 */
export async function seriesMetadataFor(scope: AccessScope, uids: readonly string[]): Promise<SeriesRecord[]> {
  return seriesInOrder(scope, [...new Set(uids)]);
}

/**
 * getContentsByName: the series of the shared cart named `nameKey` (already folded with
 * cartNameKey) that the viewer may see, in the cart's order. The cart itself is public;
 * its members pass through scope.series(), so a restricted member is simply not there.
 * An unknown cart gives [].
 */
export async function cartSeries(scope: AccessScope, nameKey: string): Promise<SeriesRecord[]> {
  const members = await scope
    .carts()
    .innerJoin('cart_series', 'cart_series.cart_id', 'cart.id')
    .where('cart.name_key', '=', nameKey)
    .select('cart_series.series_instance_uid')
    .orderBy('cart_series.position')
    .execute();
  return seriesInOrder(scope, members.map((m) => m.series_instance_uid));
}
