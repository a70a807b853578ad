// What each level of the index contributes to a listing, selected under one record name
// everywhere (patientId, studyDate, licenseName, ...). Every query that shows a patient, a
// study, a series or its collection selects these lists, so one record field always means
// one column and the NBIA layer maps each wire name to one record field. The record types
// are read off the lists themselves, so a list and its type cannot drift apart.
import type { Selection, SelectQueryBuilder } from 'kysely';
import type { AccessScope } from '../access.js';
import type { Database } from '../../store/schema.js';

/**
 * The viewer's series joined once to their study, patient and collection (each a primary-key
 * lookup, never a per-row subquery): the one starting point of every series-level listing.
 */
export function seriesWithParents(scope: AccessScope) {
  return withParents(scope.series());
}

/** Series joined to their study, patient and collection (see seriesWithParents). */
export function withParents(series: SelectQueryBuilder<Database, 'series', object>) {
  return series
    .innerJoin('study', 'study.id', 'series.study_pk')
    .innerJoin('patient', 'patient.id', 'series.patient_pk')
    .innerJoin('collection', 'collection.id', 'series.collection_id');
}

export const COLLECTION_COLUMNS = [
  'collection.name as collection',
  'collection.license_name as licenseName',
  'collection.license_uri as licenseUri',
  'collection.description_uri as descriptionUri',
] as const;

export const PATIENT_COLUMNS = [
  'patient.patient_id as patientId',
  'patient.patient_name as patientName',
  'patient.patient_birth_date as patientBirthDate',
  'patient.patient_sex as patientSex',
  'patient.ethnic_group as ethnicGroup',
  'patient.phantom as phantom',
  'patient.species_code as speciesCode',
  'patient.species_description as speciesDescription',
] as const;

export const STUDY_COLUMNS = [
  'study.study_instance_uid as studyInstanceUid',
  'study.study_date as studyDate',
  'study.study_description as studyDescription',
  'study.admitting_diagnoses_description as admittingDiagnosesDescription',
  'study.study_id as studyId',
  'study.patient_age as patientAge',
  'study.longitudinal_temporal_event_type as longitudinalTemporalEventType',
  'study.longitudinal_temporal_offset_from_event as longitudinalTemporalOffsetFromEvent',
] as const;

/** The series row's own values, its image_count and total_size included (listings never count images). */
export const SERIES_COLUMNS = [
  'series.series_instance_uid as seriesInstanceUid',
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
  'series.software_versions as softwareVersions',
  'series.pixel_spacing_row as pixelSpacingRow',
  'series.slice_thickness as sliceThickness',
  'series.sop_class_uid as sopClassUid',
  'series.image_count as imageCount',
  'series.total_size as totalSize',
  'series.max_submission_timestamp as maxSubmissionTimestamp',
  'series.released_status as releasedStatus',
  'series.date_released as dateReleased',
  'series.third_party_analysis as thirdPartyAnalysis',
] as const;

type Picked<T extends keyof Database, L extends readonly unknown[]> = Selection<Database, T, L[number]>;

export type CollectionColumns = Picked<'collection', typeof COLLECTION_COLUMNS>;
export type PatientColumns = Picked<'patient', typeof PATIENT_COLUMNS>;
export type StudyColumns = Picked<'study', typeof STUDY_COLUMNS>;
export type SeriesColumns = Picked<'series', typeof SERIES_COLUMNS>;
