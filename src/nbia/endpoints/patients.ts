// getPatient, getPatientByCollectionAndModality, NewPatientsInCollection, getPatientStudy and
// NewStudiesInPatientCollection (spec §5.5–5.9, §8).
//
// v4 columns: the original's v4 drops PatientBirthDate and appends `Authorized` (spec §8:
// "Most row endpoints add an Authorized column ... and drop PatientBirthDate"); §8 does not
// list these endpoints' columns one by one, so they are the v1/v2 columns with that rule
// applied and v4's MM-dd-yyyy dates.
import { listPatients, listStudies, type PatientRecord, type StudyRecord } from '../../archive/queries/patients.js';
import type { EndpointDef } from '../endpoint.js';
import type { Family } from '../families.js';
import { AUTHORIZED, dateField, tableOf, type Field } from './fields.js';
import { newSinceV1V2, newSinceV4 } from './release-dates.js';

const V1V2 = ['v1', 'v2'] as const;
const ALL = ['v1', 'v2', 'v4'] as const;

/** getPatient's defaults for values the index does not state (spec §5.5). */
const PHANTOM_DEFAULT = 'NO';
const SPECIES_CODE_DEFAULT = '337915000';
const SPECIES_DESCRIPTION_DEFAULT = 'Homo sapiens';

function patientFields(family: Family): Array<Field<PatientRecord>> {
  return [
    ['PatientId', 'string', (p) => p.patientId],
    ['PatientName', 'string', (p) => p.patientName],
    ...(family === 'v4' ? [] : [dateField<PatientRecord>(family, 'PatientBirthDate', (p) => p.patientBirthDate)]),
    ['PatientSex', 'string', (p) => p.patientSex],
    ['EthnicGroup', 'string', (p) => p.ethnicGroup],
    ['Collection', 'string', (p) => p.collection],
    ['Phantom', 'string', (p) => p.phantom ?? PHANTOM_DEFAULT],
    ['SpeciesCode', 'string', (p) => p.speciesCode ?? SPECIES_CODE_DEFAULT],
    ['SpeciesDescription', 'string', (p) => p.speciesDescription ?? SPECIES_DESCRIPTION_DEFAULT],
    ...(family === 'v4' ? [AUTHORIZED] : []),
  ];
}

function studyFields(family: Family): Array<Field<StudyRecord>> {
  return [
    ['StudyInstanceUID', 'string', (s) => s.studyInstanceUid],
    dateField<StudyRecord>(family, 'StudyDate', (s) => s.studyDate),
    ['StudyDescription', 'string', (s) => s.studyDescription],
    ['AdmittingDiagnosesDescription', 'string', (s) => s.admittingDiagnosesDescription],
    ['StudyID', 'string', (s) => s.studyId],
    ['PatientAge', 'string', (s) => s.patientAge],
    ['PatientID', 'string', (s) => s.patientId],
    ['PatientName', 'string', (s) => s.patientName],
    ...(family === 'v4' ? [] : [dateField<StudyRecord>(family, 'PatientBirthDate', (s) => s.patientBirthDate)]),
    ['PatientSex', 'string', (s) => s.patientSex],
    ['EthnicGroup', 'string', (s) => s.ethnicGroup],
    ['Collection', 'string', (s) => s.collection],
    ['SeriesCount', 'integer', (s) => s.seriesCount],
    ['LongitudinalTemporalEventType', 'string', (s) => s.longitudinalTemporalEventType],
    ['LongitudinalTemporalOffsetFromEvent', 'double', (s) => s.longitudinalTemporalOffsetFromEvent],
    ...(family === 'v4' ? [AUTHORIZED] : []),
  ];
}

const COLLECTION = { name: 'Collection', description: 'collection name (case-insensitive)' };
const PATIENT_ID = { name: 'PatientID', description: 'patient ID (case-insensitive)' };

export const patientEndpoints: EndpointDef[] = [
  {
    name: 'getPatient',
    families: ALL,
    method: 'GET',
    summary: 'Patients with at least one series the caller may see',
    params: [COLLECTION, { name: 'PatientId', description: 'patient ID (note the spelling; case-insensitive)' }],
    handler: async ({ scope, params, family }) =>
      tableOf(patientFields(family), await listPatients(scope, { collection: params.get('Collection'), patientId: params.get('PatientId') })),
  },
  {
    name: 'getPatientByCollectionAndModality',
    families: ALL,
    method: 'GET',
    summary: 'IDs of the patients of a collection with a series of the given modality',
    params: [
      { ...COLLECTION, required: true },
      { name: 'Modality', description: 'modality, e.g. CT (case-insensitive)', required: true },
    ],
    handler: async ({ scope, params, family }) => {
      const fields: Array<Field<PatientRecord>> = [['PatientId', 'string', (p) => p.patientId], ...(family === 'v4' ? [AUTHORIZED] : [])];
      return tableOf(fields, await listPatients(scope, { collection: params.require('Collection'), modality: params.require('Modality') }));
    },
  },
  {
    name: 'NewPatientsInCollection',
    families: V1V2,
    method: 'GET',
    summary: 'Patients of a collection with a series released after the given day',
    params: [
      { ...COLLECTION, required: true },
      { name: 'Date', description: 'YYYY/MM/DD (or YYYY-MM-DD); series released after that day', required: true },
    ],
    handler: async ({ scope, params, family }) =>
      tableOf(patientFields(family), await listPatients(scope, { collection: params.require('Collection'), releasedFrom: newSinceV1V2(params) })),
  },
  {
    name: 'NewPatientsInCollection',
    families: ['v4'],
    method: 'GET',
    summary: 'Patients of a collection with a series released on or after the given day',
    params: [
      // Both required; checked together by newSinceV4 so one 400 names every missing one.
      { name: 'Collection', description: 'collection name (case-insensitive), required' },
      { name: 'fromDate', description: 'MM-DD-YYYY (or YYYY-MM-DD), required (`Date` is accepted too); series released on or after that day' },
    ],
    handler: async ({ scope, params, family }) => {
      const releasedFrom = newSinceV4(params);
      return tableOf(patientFields(family), await listPatients(scope, { collection: params.require('Collection'), releasedFrom }));
    },
  },
  {
    name: 'getPatientStudy',
    families: ALL,
    method: 'GET',
    summary: 'Studies with at least one series the caller may see, with their patient',
    params: [COLLECTION, PATIENT_ID, { name: 'StudyInstanceUID', description: 'exact' }],
    handler: async ({ scope, params, family }) =>
      tableOf(
        studyFields(family),
        await listStudies(scope, {
          collection: params.get('Collection'),
          patientId: params.get('PatientID'),
          studyInstanceUid: params.get('StudyInstanceUID'),
        }),
      ),
  },
  {
    name: 'NewStudiesInPatientCollection',
    families: V1V2,
    method: 'GET',
    summary: 'Studies of a collection with a series released after the given day; SeriesCount counts those series',
    params: [
      { ...COLLECTION, required: true },
      { name: 'Date', description: 'YYYY/MM/DD (or YYYY-MM-DD); series released after that day', required: true },
      PATIENT_ID,
    ],
    handler: async ({ scope, params, family }) =>
      tableOf(
        studyFields(family),
        await listStudies(scope, { collection: params.require('Collection'), patientId: params.get('PatientID'), releasedFrom: newSinceV1V2(params) }),
      ),
  },
  {
    name: 'NewStudiesInPatientCollection',
    families: ['v4'],
    method: 'GET',
    summary: 'Studies of a collection with a series released on or after the given day; SeriesCount counts those series',
    params: [
      // Both required; checked together by newSinceV4 so one 400 names every missing one.
      { name: 'Collection', description: 'collection name (case-insensitive), required' },
      { name: 'fromDate', description: 'MM-DD-YYYY (or YYYY-MM-DD), required (`Date` is accepted too); series released on or after that day' },
      PATIENT_ID,
    ],
    handler: async ({ scope, params, family }) => {
      const releasedFrom = newSinceV4(params);
      return tableOf(
        studyFields(family),
        await listStudies(scope, { collection: params.require('Collection'), patientId: params.get('PatientID'), releasedFrom }),
      );
    },
  },
];
