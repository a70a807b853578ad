// Patients and studies as getPatient, getPatientByCollectionAndModality,
// NewPatientsInCollection, getPatientStudy and NewStudiesInPatientCollection list them
// (spec §5.5–5.9). Rows keep the index's raw values (ISO dates); each family formats them.
import type { AccessScope } from '../access.js';
import { COLLECTION_COLUMNS, PATIENT_COLUMNS, STUDY_COLUMNS, seriesWithParents } from './columns.js';
import type { CollectionColumns, PatientColumns, StudyColumns } from './columns.js';
import { same, sameIgnoringCase, type FilterValue } from './filters.js';
import { keysetPages, PAGE_SIZE, Pages } from './paging.js';
import { collectionIdsOf, collectionListingPages } from './collection-ids.js';

export type PatientRecord = PatientColumns & CollectionColumns;

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
  const ids = await collectionIdsOf(scope, f.collection);
  return ids?.length === 0 ? [] : listPatientsQuery(scope, f, ids).execute();
}

/** listPatients a page at a time (see paging.ts). */
export function listPatientPages(scope: AccessScope, f: PatientFilters, pageSize = PAGE_SIZE): Pages<PatientRecord & { pageKey: number }> {
  return collectionListingPages(scope, f.collection, (ids) => {
    const q = listPatientsQuery(scope, f, ids).select('patient.id as pageKey');
    return keysetPages((after, limit) => (after === null ? q : q.where('patient.id', '>', after)).limit(limit).execute(), (r) => r.pageKey, pageSize);
  });
}

/**
 * listPatients' query, unexecuted. `collectionIds` is the Collection filter resolved
 * beforehand (collection-ids.ts), which lets the planner read the collection's patients
 * from patient_collection_keyset (migration 0006) in page order.
 */
export function listPatientsQuery(scope: AccessScope, f: PatientFilters, collectionIds?: readonly number[]) {
  let q = scope
    .collections()
    .innerJoin('patient', 'patient.collection_id', 'collection.id')
    .where((eb) => {
      let s = eb.selectFrom('series').select('series.id').whereRef('series.patient_pk', '=', 'patient.id');
      if (f.modality !== undefined) s = s.where(sameIgnoringCase('series.modality', f.modality));
      if (f.releasedFrom !== undefined) s = s.where('series.date_released', '>=', f.releasedFrom);
      return eb.exists(s);
    });
  if (collectionIds !== undefined) q = q.where('patient.collection_id', 'in', collectionIds);
  else if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.patientId !== undefined) q = q.where(sameIgnoringCase('patient.patient_id', f.patientId));
  return q.select([...PATIENT_COLUMNS, ...COLLECTION_COLUMNS]).orderBy('patient.id');
}

export type StudyRecord = StudyColumns &
  PatientColumns &
  CollectionColumns & {
    /** Visible series of the study that passed the filters. */
    seriesCount: number;
  };

export interface StudyFilters {
  collection?: FilterValue;
  patientId?: FilterValue;
  studyInstanceUid?: FilterValue;
  /** Only series with date_released text >= this count, and only studies having one are listed. */
  releasedFrom?: string;
}

/** Studies with at least one matching visible series, one row each, in primary-key order. */
export async function listStudies(scope: AccessScope, f: StudyFilters): Promise<StudyRecord[]> {
  return (await listStudiesQuery(scope, f).execute()).map(studyRecord);
}

/** listStudies a page at a time (see paging.ts). */
export function listStudyPages(scope: AccessScope, f: StudyFilters, pageSize = PAGE_SIZE): Pages<StudyRecord> {
  const q = listStudiesQuery(scope, f).select('study.id as pageKey');
  return keysetPages((after, limit) => (after === null ? q : q.where('study.id', '>', after)).limit(limit).execute(), (r) => r.pageKey, pageSize).map(studyRecord);
}

const studyRecord = <R extends { seriesCount: number | string | bigint }>(r: R) => ({ ...r, seriesCount: Number(r.seriesCount) });

function listStudiesQuery(scope: AccessScope, f: StudyFilters) {
  let q = seriesWithParents(scope);
  if (f.collection !== undefined) q = q.where(sameIgnoringCase('collection.name', f.collection));
  if (f.patientId !== undefined) q = q.where(sameIgnoringCase('patient.patient_id', f.patientId));
  if (f.studyInstanceUid !== undefined) q = q.where(same('study.study_instance_uid', f.studyInstanceUid));
  if (f.releasedFrom !== undefined) q = q.where('series.date_released', '>=', f.releasedFrom);
  return (
    q
      // Grouping by the three primary keys lets PostgreSQL read the other columns of those rows.
      .groupBy(['study.id', 'patient.id', 'collection.id'])
      .select((eb) => [...STUDY_COLUMNS, ...PATIENT_COLUMNS, ...COLLECTION_COLUMNS, eb.fn.countAll<number>().as('seriesCount')])
      .orderBy('study.id')
  );
}
