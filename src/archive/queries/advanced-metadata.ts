// Series metadata for a list of SeriesInstanceUIDs: v4 getSeriesMetadata (spec §8, the
// Data Retriever's manifest path) and the unversioned getSeriesMetadata2 (§7.2). Clients
// send thousands of UIDs in one request, so the UIDs go to the database in chunks that
// stay far below both dialects' bound-parameter limits (SQLite 32766, PostgreSQL 65535),
// and each row comes from the series row's own totals (never from the image table).
import type { AccessScope } from '../access.js';

/** UIDs per `IN (...)` list. */
export const UID_CHUNK = 1000;

export interface SeriesMetadataRecord {
  patientId: string;
  patientName: string | null;
  patientSex: string | null;
  ethnicGroup: string | null;
  phantom: string | null;
  speciesCode: string | null;
  speciesDescription: string | null;
  studyInstanceUid: string;
  studyDate: string | null;
  studyDescription: string | null;
  admittingDiagnosesDescription: string | null;
  studyId: string | null;
  patientAge: string | null;
  longitudinalTemporalEventType: string | null;
  longitudinalTemporalOffsetFromEvent: number | null;
  seriesInstanceUid: string;
  collection: string;
  site: string | null;
  modality: string;
  protocolName: string | null;
  seriesDate: string | null;
  seriesDescription: string | null;
  bodyPartExamined: string | null;
  seriesNumber: number | null;
  annotationsFlag: number | null;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  pixelSpacingRow: number | null;
  sliceThickness: number | null;
  softwareVersions: string | null;
  imageCount: number;
  totalSize: number;
  maxSubmissionTimestamp: string | null;
  licenseName: string | null;
  licenseUri: string | null;
  descriptionUri: string | null;
  releasedStatus: string | null;
  dateReleased: string | null;
  thirdPartyAnalysis: string | null;
}

function metadataQuery(scope: AccessScope) {
  return scope
    .series()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .innerJoin('patient', 'patient.id', 'series.patient_pk')
    .innerJoin('collection', 'collection.id', 'series.collection_id')
    .select([
      'patient.patient_id as patientId',
      'patient.patient_name as patientName',
      'patient.patient_sex as patientSex',
      'patient.ethnic_group as ethnicGroup',
      'patient.phantom as phantom',
      'patient.species_code as speciesCode',
      'patient.species_description as speciesDescription',
      'study.study_instance_uid as studyInstanceUid',
      'study.study_date as studyDate',
      'study.study_description as studyDescription',
      'study.admitting_diagnoses_description as admittingDiagnosesDescription',
      'study.study_id as studyId',
      'study.patient_age as patientAge',
      'study.longitudinal_temporal_event_type as longitudinalTemporalEventType',
      'study.longitudinal_temporal_offset_from_event as longitudinalTemporalOffsetFromEvent',
      'series.series_instance_uid as seriesInstanceUid',
      'collection.name as collection',
      'series.site as site',
      'series.modality as modality',
      'series.protocol_name as protocolName',
      'series.series_date as seriesDate',
      'series.series_description as seriesDescription',
      'series.body_part_examined as bodyPartExamined',
      'series.series_number as seriesNumber',
      'series.annotations_flag as annotationsFlag',
      'series.manufacturer as manufacturer',
      'series.manufacturer_model_name as manufacturerModelName',
      'series.pixel_spacing_row as pixelSpacingRow',
      'series.slice_thickness as sliceThickness',
      'series.software_versions as softwareVersions',
      'series.image_count as imageCount',
      'series.total_size as totalSize',
      'series.max_submission_timestamp as maxSubmissionTimestamp',
      'collection.license_name as licenseName',
      'collection.license_uri as licenseUri',
      'collection.description_uri as descriptionUri',
      'series.released_status as releasedStatus',
      'series.date_released as dateReleased',
      'series.third_party_analysis as thirdPartyAnalysis',
    ]);
}

/**
 * The visible series among `uids`, in the order the UIDs were asked for, each once. UIDs
 * that are unknown or not the viewer's are simply absent (list endpoints answer what the
 * caller may see).
 */
export async function seriesMetadataFor(scope: AccessScope, uids: readonly string[]): Promise<SeriesMetadataRecord[]> {
  const wanted = [...new Set(uids)];
  const byUid = new Map<string, SeriesMetadataRecord>();
  for (let i = 0; i < wanted.length; i += UID_CHUNK) {
    const rows = await metadataQuery(scope).where('series.series_instance_uid', 'in', wanted.slice(i, i + UID_CHUNK)).execute();
    for (const r of rows) {
      byUid.set(r.seriesInstanceUid, {
        ...r,
        imageCount: Number(r.imageCount),
        totalSize: Number(r.totalSize),
        seriesNumber: r.seriesNumber === null ? null : Number(r.seriesNumber),
        annotationsFlag: r.annotationsFlag === null ? null : Number(r.annotationsFlag),
      });
    }
  }
  return wanted.flatMap((u) => byUid.get(u) ?? []);
}
