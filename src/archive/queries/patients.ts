// Patients and studies as getPatient, getPatientByCollectionAndModality,
// NewPatientsInCollection, getPatientStudy and NewStudiesInPatientCollection list them
// (spec §5.5–5.9). Rows keep the index's raw values (ISO dates); each family formats them.
import type { AccessScope } from '../access.js';
import { same, sameIgnoringCase, type FilterValue } from './filters.js';

export interface PatientRecord {
  patientId: string;
  patientName: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  ethnicGroup: string | null;
  collection: string;
  phantom: string | null;
  speciesCode: string | null;
  speciesDescription: string | null;
}

export interface PatientFilters {
  collection?: FilterValue;
  /** Case-insensitive (getPatient's `PatientId`; the original's upper-casing quirk is not kept). */
  patientId?: FilterValue;
  /** Only patients with a visible series of this modality (case-insensitive). */
  modality?: FilterValue;
  /** Only patients with a visible series whose date_released text is >= this (see filters.startOfDay). */
  releasedFrom?: string;
}

/**
 * Patients of visible collections that have at least one series matching the filters, in
 * primary-key (insertion) order — the spec gives no order (§4.11). The series test is a
 * semi-join on series_patient_pk, not a per-row count.
 */
export async function listPatients(scope: AccessScope, f: PatientFilters): Promise<PatientRecord[]> {
  let q = scope
    .collections()
    .innerJoin('patient', 'patient.collection_id', 'collection.id')
    .where((eb) => {
      let s = eb.selectFrom('series').select('series.id').whereRef('series.patient_pk', '=', 'patient.id');
      if (f.modality !== undefined) s = s.where(sameIgnoringCase('series.modality', f.modality));
      if (f.releasedFrom !== undefined) s = s.where('series.date_released', '>=', f.releasedFrom);
      return eb.exists(s);
    });
  if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.patientId !== undefined) q = q.where(sameIgnoringCase('patient.patient_id', f.patientId));
  return q
    .select([
      'patient.patient_id as patientId',
      'patient.patient_name as patientName',
      'patient.patient_birth_date as patientBirthDate',
      'patient.patient_sex as patientSex',
      'patient.ethnic_group as ethnicGroup',
      'collection.name as collection',
      'patient.phantom as phantom',
      'patient.species_code as speciesCode',
      'patient.species_description as speciesDescription',
    ])
    .orderBy('patient.id')
    .execute();
}

export interface StudyRecord {
  studyInstanceUid: string;
  studyDate: string | null;
  studyDescription: string | null;
  admittingDiagnosesDescription: string | null;
  studyId: string | null;
  patientAge: string | null;
  patientId: string;
  patientName: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  ethnicGroup: string | null;
  collection: string;
  /** Visible series of the study that passed the filters. */
  seriesCount: number;
  longitudinalTemporalEventType: string | null;
  longitudinalTemporalOffsetFromEvent: number | null;
}

export interface StudyFilters {
  collection?: FilterValue;
  patientId?: FilterValue;
  studyInstanceUid?: FilterValue;
  /** Only series with date_released text >= this count, and only studies having one are listed. */
  releasedFrom?: string;
}

/** Studies with at least one matching visible series, one row each, in primary-key order. */
export async function listStudies(scope: AccessScope, f: StudyFilters): Promise<StudyRecord[]> {
  let q = scope
    .series()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .innerJoin('patient', 'patient.id', 'study.patient_pk')
    .innerJoin('collection', 'collection.id', 'series.collection_id');
  if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.patientId !== undefined) q = q.where(sameIgnoringCase('patient.patient_id', f.patientId));
  if (f.studyInstanceUid !== undefined) q = q.where(same('study.study_instance_uid', f.studyInstanceUid));
  if (f.releasedFrom !== undefined) q = q.where('series.date_released', '>=', f.releasedFrom);
  const rows = await q
    // Grouping by the three primary keys lets PostgreSQL read the other columns of those rows.
    .groupBy(['study.id', 'patient.id', 'collection.id'])
    .select((eb) => [
      'study.study_instance_uid as studyInstanceUid',
      'study.study_date as studyDate',
      'study.study_description as studyDescription',
      'study.admitting_diagnoses_description as admittingDiagnosesDescription',
      'study.study_id as studyId',
      'study.patient_age as patientAge',
      'patient.patient_id as patientId',
      'patient.patient_name as patientName',
      'patient.patient_birth_date as patientBirthDate',
      'patient.patient_sex as patientSex',
      'patient.ethnic_group as ethnicGroup',
      'collection.name as collection',
      eb.fn.countAll<number>().as('seriesCount'),
      'study.longitudinal_temporal_event_type as longitudinalTemporalEventType',
      'study.longitudinal_temporal_offset_from_event as longitudinalTemporalOffsetFromEvent',
    ])
    .orderBy('study.id')
    .execute();
  return rows.map((r) => ({ ...r, seriesCount: Number(r.seriesCount) }));
}
