// getPatient, getPatientByCollectionAndModality, NewPatientsInCollection, getPatientStudy and
// NewStudiesInPatientCollection (spec §5.5–5.9, §8).
//
// v4 columns: the original's v4 drops PatientBirthDate and appends `Authorized` (spec §8:
// "Most row endpoints add an Authorized column ... and drop PatientBirthDate"); §8 does not
// list these endpoints' columns one by one, so they are the v1/v2 columns with that rule
// applied (rowFields) and v4's MM-dd-yyyy dates.
import { listPatientPages, listStudyPages, type PatientRecord, type StudyRecord } from '../../archive/queries/patients.js';
import type { PagedTable } from '../../formats/table.js';
import type { EndpointCall, EndpointDef, ParamDef } from '../endpoint.js';
import type { Family } from '../families.js';
import { pagedTableOf, rowFields, type Field } from './fields.js';
import { newSinceV1V2, newSinceV4 } from './release-dates.js';
import { ALL, COLLECTION, MODALITY, PATIENT_ID, V1V2 } from './shared.js';

/** getPatient's columns (spec §5.5). */
const patientFields = (family: Family): ReadonlyArray<Field<PatientRecord>> =>
  rowFields(family, ['PatientId', 'PatientName', 'PatientBirthDate', 'PatientSex', 'EthnicGroup', 'Collection', 'Phantom', 'SpeciesCode', 'SpeciesDescription']);

/** getPatientStudy's columns (spec §5.8). */
const studyFields = (family: Family): ReadonlyArray<Field<StudyRecord>> =>
  rowFields(family, [
    'StudyInstanceUID', 'StudyDate', 'StudyDescription', 'AdmittingDiagnosesDescription', 'StudyID', 'PatientAge',
    'PatientID', 'PatientName', 'PatientBirthDate', 'PatientSex', 'EthnicGroup', 'Collection',
    'SeriesCount', 'LongitudinalTemporalEventType', 'LongitudinalTemporalOffsetFromEvent',
  ]);

/**
 * One "new in a collection since a day" endpoint in both readings (spec §5.7, §5.9, §8):
 * v1/v2 `Date`, series released after that day; v4 `fromDate`, released on or after it.
 */
function newSince(
  name: string,
  summary: (when: string) => string,
  extra: ParamDef[],
  list: (call: EndpointCall, collection: string, releasedFrom: string) => Promise<PagedTable>,
): EndpointDef[] {
  return [
    {
      name,
      families: V1V2,
      method: 'GET',
      summary: summary('after'),
      params: [
        { ...COLLECTION, required: true },
        { name: 'Date', description: 'YYYY/MM/DD (or YYYY-MM-DD); series released after that day', required: true },
        ...extra,
      ],
      handler: (call) => list(call, call.params.require('Collection'), newSinceV1V2(call.params)),
    },
    {
      name,
      families: ['v4'],
      method: 'GET',
      summary: summary('on or after'),
      params: [
        // Both required; checked together by newSinceV4 so one 400 names every missing one.
        { name: 'Collection', description: 'collection name (case-insensitive), required' },
        { name: 'fromDate', description: 'MM-DD-YYYY (or YYYY-MM-DD), required (`Date` is accepted too); series released on or after that day' },
        ...extra,
      ],
      handler: (call) => {
        const releasedFrom = newSinceV4(call.params);
        return list(call, call.params.require('Collection'), releasedFrom);
      },
    },
  ];
}

export const patientEndpoints: EndpointDef[] = [
  {
    name: 'getPatient',
    families: ALL,
    method: 'GET',
    summary: 'Patients with at least one series the caller may see',
    params: [COLLECTION, { name: 'PatientId', description: 'patient ID (note the spelling; case-insensitive)' }],
    handler: async ({ scope, params, family }) =>
      pagedTableOf(patientFields(family), listPatientPages(scope, { collection: params.get('Collection'), patientId: params.get('PatientId') })),
  },
  {
    name: 'getPatientByCollectionAndModality',
    families: ALL,
    method: 'GET',
    summary: 'IDs of the patients of a collection with a series of the given modality',
    params: [
      { ...COLLECTION, required: true },
      { ...MODALITY, required: true },
    ],
    handler: async ({ scope, params, family }) =>
      pagedTableOf(rowFields(family, ['PatientId']), listPatientPages(scope, { collection: params.require('Collection'), modality: params.require('Modality') })),
  },
  ...newSince(
    'NewPatientsInCollection',
    (when) => `Patients of a collection with a series released ${when} the given day`,
    [],
    async ({ scope, family }, collection, releasedFrom) => pagedTableOf(patientFields(family), listPatientPages(scope, { collection, releasedFrom })),
  ),
  {
    name: 'getPatientStudy',
    families: ALL,
    method: 'GET',
    summary: 'Studies with at least one series the caller may see, with their patient',
    params: [COLLECTION, PATIENT_ID, { name: 'StudyInstanceUID', description: 'exact' }],
    handler: async ({ scope, params, family }) =>
      pagedTableOf(
        studyFields(family),
        listStudyPages(scope, {
          collection: params.get('Collection'),
          patientId: params.get('PatientID'),
          studyInstanceUid: params.get('StudyInstanceUID'),
        }),
      ),
  },
  ...newSince(
    'NewStudiesInPatientCollection',
    (when) => `Studies of a collection with a series released ${when} the given day; SeriesCount counts those series`,
    [PATIENT_ID],
    async ({ scope, params, family }, collection, releasedFrom) =>
      pagedTableOf(studyFields(family), listStudyPages(scope, { collection, patientId: params.get('PatientID'), releasedFrom })),
  ),
];
