// Series as getSeries, getUpdatedSeries, getContentsByName and getSeriesMetaData list them,
// plus getSeriesSize and getSOPInstanceUIDs (spec §5.10–5.15). Listings read the counts the
// series row carries (image_count, total_size) and never touch the image table.
import type { AccessScope } from '../access.js';
import { same, sameIgnoringCase, type FilterValue } from './filters.js';

export interface SeriesRecord {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string;
  protocolName: string | null;
  seriesDate: string | null;
  seriesDescription: string | null;
  bodyPartExamined: string | null;
  seriesNumber: number | null;
  annotationsFlag: number | null;
  collection: string;
  site: string | null;
  patientId: string;
  patientSex: string | null;
  patientAge: string | null;
  admittingDiagnosesDescription: string | null;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  softwareVersions: string | null;
  sopClassUid: string | null;
  imageCount: number;
  totalSize: number;
  maxSubmissionTimestamp: string | null;
  licenseName: string | null;
  licenseUri: string | null;
  descriptionUri: string | null;
  releasedStatus: string | null;
  dateReleased: string | null;
  studyDescription: string | null;
  studyDate: string | null;
  studyId: string | null;
  thirdPartyAnalysis: string | null;
}

/** Visible series with everything a series row shows, joined once (no per-row subqueries). */
function seriesDetail(scope: AccessScope) {
  return scope
    .series()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .innerJoin('patient', 'patient.id', 'series.patient_pk')
    .innerJoin('collection', 'collection.id', 'series.collection_id')
    .select([
      'series.series_instance_uid as seriesInstanceUid',
      'study.study_instance_uid as studyInstanceUid',
      'series.modality as modality',
      'series.protocol_name as protocolName',
      'series.series_date as seriesDate',
      'series.series_description as seriesDescription',
      'series.body_part_examined as bodyPartExamined',
      'series.series_number as seriesNumber',
      'series.annotations_flag as annotationsFlag',
      'collection.name as collection',
      'series.site as site',
      'patient.patient_id as patientId',
      'patient.patient_sex as patientSex',
      'study.patient_age as patientAge',
      'study.admitting_diagnoses_description as admittingDiagnosesDescription',
      'series.manufacturer as manufacturer',
      'series.manufacturer_model_name as manufacturerModelName',
      'series.software_versions as softwareVersions',
      'series.sop_class_uid as sopClassUid',
      'series.image_count as imageCount',
      'series.total_size as totalSize',
      'series.max_submission_timestamp as maxSubmissionTimestamp',
      'collection.license_name as licenseName',
      'collection.license_uri as licenseUri',
      'collection.description_uri as descriptionUri',
      'series.released_status as releasedStatus',
      'series.date_released as dateReleased',
      'study.study_description as studyDescription',
      'study.study_date as studyDate',
      'study.study_id as studyId',
      'series.third_party_analysis as thirdPartyAnalysis',
    ]);
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
  return findSeriesQuery(scope, f).execute();
}

/** findSeries' query, unexecuted: the bench asks the database for its plan. */
export function findSeriesQuery(scope: AccessScope, f: SeriesFilters) {
  let q = seriesDetail(scope);
  if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
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

export function sopInstanceUidsQuery(scope: AccessScope, seriesInstanceUid: string) {
  return scope.images().where('series.series_instance_uid', '=', seriesInstanceUid).select('image.sop_instance_uid').orderBy('image.id');
}

/** How many UIDs go into one `IN (...)` list: well under both dialects' parameter limits. */
const UID_CHUNK = 500;

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
  const uids = members.map((m) => m.series_instance_uid);
  const byUid = new Map<string, SeriesRecord>();
  for (let i = 0; i < uids.length; i += UID_CHUNK) {
    const rows = await seriesDetail(scope).where('series.series_instance_uid', 'in', uids.slice(i, i + UID_CHUNK)).execute();
    for (const r of rows) byUid.set(r.seriesInstanceUid, r);
  }
  return uids.flatMap((u) => byUid.get(u) ?? []);
}
