// getSeries, getUpdatedSeries, getContentsByName, getSeriesMetaData, getSeriesSize and
// getSOPInstanceUIDs (spec §5.10–5.15, §8).
//
// A series that exists but is not the caller's is answered exactly like one that does not
// exist (policy "Who is asking"), and "no rows" is `200 []` (policy "Answers"). So every
// endpoint here, getSeriesSize, getSOPInstanceUIDs and getSeriesMetaData included, answers
// an unknown or invisible series with an empty table — never the original's `[{}]` or 204.
//
// v4 adds `Authorized` to its series rows (spec §8) but not to getSeriesSize's totals or the
// getSOPInstanceUIDs list, whose columns are the same in every family (as in the original's v4).
import { cartNameKey } from '../../archive/carts.js';
import {
  cartSeries,
  findOneSeries,
  findSeries,
  seriesSize,
  sopInstanceUids,
  type SeriesRecord,
} from '../../archive/queries/series.js';
import { columns } from '../../formats/table.js';
import { javaDateString, mmddyyyy } from '../dates.js';
import type { EndpointDef } from '../endpoint.js';
import type { Family } from '../families.js';
import { AUTHORIZED, dateField, flag, tableOf, type Field } from './fields.js';
import { updatedSeriesFrom } from './release-dates.js';

const ALL = ['v1', 'v2', 'v4'] as const;
const V1V2 = ['v1', 'v2'] as const;
type S = SeriesRecord;

/** The 15 leading columns every v1/v2 series listing shares (spec §5.10, §5.11, §5.15). */
function leadingV1V2Fields(family: Family): Array<Field<S>> {
  return [
    ['SeriesInstanceUID', 'string', (s) => s.seriesInstanceUid],
    ['StudyInstanceUID', 'string', (s) => s.studyInstanceUid],
    ['Modality', 'string', (s) => s.modality],
    ['ProtocolName', 'string', (s) => s.protocolName],
    dateField<S>(family, 'SeriesDate', (s) => s.seriesDate),
    ['SeriesDescription', 'string', (s) => s.seriesDescription],
    ['BodyPartExamined', 'string', (s) => s.bodyPartExamined],
    ['SeriesNumber', 'integer', (s) => s.seriesNumber],
    ['AnnotationsFlag', 'boolean', (s) => flag(s.annotationsFlag)],
    ['Collection', 'string', (s) => s.collection],
    ['PatientID', 'string', (s) => s.patientId],
    ['Manufacturer', 'string', (s) => s.manufacturer],
    ['ManufacturerModelName', 'string', (s) => s.manufacturerModelName],
    ['SoftwareVersions', 'string', (s) => s.softwareVersions],
    ['ImageCount', 'integer', (s) => s.imageCount],
  ];
}

/** v1/v2 getSeries: 24 columns (spec §5.10). */
function getSeriesV1V2Fields(family: Family): Array<Field<S>> {
  return [
    ...leadingV1V2Fields(family),
    dateField<S>(family, 'TimeStamp', (s) => s.maxSubmissionTimestamp),
    ['LicenseName', 'string', (s) => s.licenseName],
    ['LicenseURI', 'string', (s) => s.licenseUri],
    ['CollectionURI', 'string', (s) => s.descriptionUri],
    ['FileSize', 'long', (s) => s.totalSize],
    dateField<S>(family, 'DateReleased', (s) => s.dateReleased),
    ['StudyDesc', 'string', (s) => s.studyDescription],
    dateField<S>(family, 'StudyDate', (s) => s.studyDate),
    ['ThirdPartyAnalysis', 'string', (s) => s.thirdPartyAnalysis],
  ];
}

/** v4 getSeries and getUpdatedSeries: the 30 columns spec §8 lists, dates MM-dd-yyyy. */
const V4_SERIES_FIELDS: Array<Field<S>> = [
  ['SeriesInstanceUID', 'string', (s) => s.seriesInstanceUid],
  ['StudyInstanceUID', 'string', (s) => s.studyInstanceUid],
  ['Modality', 'string', (s) => s.modality],
  ['ProtocolName', 'string', (s) => s.protocolName],
  ['SeriesDate', 'string', (s) => mmddyyyy(s.seriesDate)],
  ['SeriesDescription', 'string', (s) => s.seriesDescription],
  ['BodyPartExamined', 'string', (s) => s.bodyPartExamined],
  ['SeriesNumber', 'integer', (s) => s.seriesNumber],
  ['AnnotationsFlag', 'boolean', (s) => flag(s.annotationsFlag)],
  ['Collection', 'string', (s) => s.collection],
  ['Site', 'string', (s) => s.site],
  ['PatientID', 'string', (s) => s.patientId],
  ['PatientSex', 'string', (s) => s.patientSex],
  ['PatientAge', 'string', (s) => s.patientAge],
  ['AdmittingDiagnosisDescription', 'string', (s) => s.admittingDiagnosesDescription],
  ['Manufacturer', 'string', (s) => s.manufacturer],
  ['ManufacturerModelName', 'string', (s) => s.manufacturerModelName],
  ['SoftwareVersions', 'string', (s) => s.softwareVersions],
  ['ImageCount', 'integer', (s) => s.imageCount],
  ['MaxSubmissionTimestamp', 'string', (s) => mmddyyyy(s.maxSubmissionTimestamp)],
  ['LicenseName', 'string', (s) => s.licenseName],
  ['LicenseURI', 'string', (s) => s.licenseUri],
  ['DataDescriptionURI', 'string', (s) => s.descriptionUri],
  ['FileSize', 'long', (s) => s.totalSize],
  ['ReleasedStatus', 'string', (s) => s.releasedStatus],
  ['DateReleased', 'string', (s) => mmddyyyy(s.dateReleased)],
  ['StudyDesc', 'string', (s) => s.studyDescription],
  ['StudyDate', 'string', (s) => mmddyyyy(s.studyDate)],
  ['ThirdPartyAnalysis', 'string', (s) => s.thirdPartyAnalysis],
  AUTHORIZED,
];

/** getSeriesMetaData's free-text sanitising (spec §5.12): keep letters, digits, space, `.` and `-`. */
function sanitised(text: string | null): string | null {
  return text === null ? null : text.replace(/[^\p{L}\p{N} .-]/gu, '');
}

/**
 * getSeriesMetaData (v1/v2): 27 human-readable keys, every value a string (spec §5.12).
 * Differences from the original, on purpose: "Annotations Flag" is "true" only when the flag
 * is set (the original says "true" for any non-null value, even 0); "Annotation Size" is "0"
 * (this archive keeps no non-DICOM annotation files); Java dates print in UTC.
 */
const METADATA_FIELDS: Array<Field<S>> = [
  ['Series UID', 'string', (s) => s.seriesInstanceUid],
  ['Collection', 'string', (s) => s.collection],
  ['3rd Party Analysis', 'string', (s) => s.thirdPartyAnalysis],
  ['Data Description URI', 'string', (s) => s.descriptionUri],
  ['Subject ID', 'string', (s) => s.patientId],
  ['Study UID', 'string', (s) => s.studyInstanceUid],
  ['Study Description', 'string', (s) => sanitised(s.studyDescription)],
  ['Study Date', 'string', (s) => mmddyyyy(s.studyDate) ?? ''],
  ['Series Description', 'string', (s) => sanitised(s.seriesDescription)],
  ['Manufacturer', 'string', (s) => (s.manufacturer === null ? null : s.manufacturer.replace(/,/g, ' '))],
  ['Modality', 'string', (s) => s.modality],
  ['SOP Class UID', 'string', (s) => s.sopClassUid],
  ['Number of Images', 'string', (s) => String(s.imageCount)],
  ['File Size', 'string', (s) => String(s.totalSize)],
  // The original's "File Location" carries the DICOM StudyID.
  ['File Location', 'string', (s) => s.studyId],
  ['Series Number', 'string', (s) => (s.seriesNumber === null ? null : s.seriesNumber.toFixed(6))],
  ['License Name', 'string', (s) => s.licenseName],
  ['License URL', 'string', (s) => s.licenseUri],
  ['Annotation Size', 'string', () => '0'],
  ['Date Released', 'string', (s) => javaDateString(s.dateReleased)],
  ['Series Date', 'string', (s) => javaDateString(s.seriesDate)],
  ['Protocol Name', 'string', (s) => s.protocolName],
  ['Body Part Examined', 'string', (s) => s.bodyPartExamined],
  ['Annotations Flag', 'string', (s) => (s.annotationsFlag === null || s.annotationsFlag === 0 ? 'false' : 'true')],
  ['Manufacturer Model Name', 'string', (s) => s.manufacturerModelName],
  ['Software Versions', 'string', (s) => s.softwareVersions],
  ['TimeStamp', 'string', (s) => javaDateString(s.maxSubmissionTimestamp)],
];

const SERIES_UID = { name: 'SeriesInstanceUID', description: 'exact', required: true };

export const seriesEndpoints: EndpointDef[] = [
  {
    name: 'getSeries',
    families: ALL,
    method: 'GET',
    summary: 'Series the caller may see, filtered by any of the parameters (combined with AND)',
    params: [
      { name: 'Collection', description: 'case-insensitive' },
      { name: 'PatientID', description: 'case-insensitive' },
      { name: 'StudyInstanceUID', description: 'exact' },
      { name: 'SeriesInstanceUID', description: 'exact' },
      { name: 'Modality', description: 'case-insensitive' },
      { name: 'BodyPartExamined', description: 'exact' },
      { name: 'Manufacturer', description: 'exact' },
      { name: 'ManufacturerModelName', description: 'exact' },
    ],
    handler: async ({ scope, params, family }) => {
      const rows = await findSeries(scope, {
        collection: params.get('Collection'),
        patientId: params.get('PatientID'),
        studyInstanceUid: params.get('StudyInstanceUID'),
        seriesInstanceUid: params.get('SeriesInstanceUID'),
        modality: params.get('Modality'),
        bodyPartExamined: params.get('BodyPartExamined'),
        manufacturer: params.get('Manufacturer'),
        manufacturerModelName: params.get('ManufacturerModelName'),
      });
      return tableOf(family === 'v4' ? V4_SERIES_FIELDS : getSeriesV1V2Fields(family), rows);
    },
  },
  {
    name: 'getUpdatedSeries',
    families: ALL,
    method: 'GET',
    summary: 'Series released after the given day',
    params: [
      {
        name: 'fromDate',
        description: 'v1 MM/DD/YYYY, v2 DD/MM/YYYY, v4 MM-DD-YYYY (ISO YYYY-MM-DD everywhere); default 1900-01-01',
      },
    ],
    handler: async ({ scope, params, family }) => {
      const rows = await findSeries(scope, { releasedFrom: updatedSeriesFrom(family, params) });
      const fields: Array<Field<S>> =
        family === 'v4' ? V4_SERIES_FIELDS : [...leadingV1V2Fields(family), dateField<S>(family, 'DateReleased', (s) => s.dateReleased)];
      return tableOf(fields, rows);
    },
  },
  {
    name: 'getContentsByName',
    families: V1V2,
    method: 'GET',
    summary: "Series of a shared cart (matched case-insensitively) that the caller may see, in the cart's order; always JSON",
    params: [{ name: 'name', description: 'shared cart name', required: true }],
    format: false,
    handler: async ({ scope, params, family }) => {
      const fields: Array<Field<S>> = [...leadingV1V2Fields(family), dateField<S>(family, 'Date Released', (s) => s.dateReleased)];
      return tableOf(fields, await cartSeries(scope, cartNameKey(params.require('name'))));
    },
  },
  {
    name: 'getSeriesMetaData',
    families: V1V2,
    method: 'GET',
    summary: 'One series with human-readable keys, every value a string; [] when the caller may not see it',
    params: [SERIES_UID],
    handler: async ({ scope, params }) => {
      const row = await findOneSeries(scope, params.require('SeriesInstanceUID'));
      return tableOf(METADATA_FIELDS, row ? [row] : []);
    },
  },
  {
    name: 'getSeriesSize',
    families: ALL,
    method: 'GET',
    summary: 'Total bytes and number of images of one series; [] when the caller may not see it',
    params: [SERIES_UID],
    handler: async ({ scope, params }) => {
      const size = await seriesSize(scope, params.require('SeriesInstanceUID'));
      return {
        columns: columns(['TotalSizeInBytes', 'long'], ['ObjectCount', 'integer']),
        rows: size ? [{ TotalSizeInBytes: size.totalSizeInBytes, ObjectCount: size.objectCount }] : [],
      };
    },
  },
  {
    name: 'getSOPInstanceUIDs',
    families: ALL,
    method: 'GET',
    summary: 'SOP Instance UIDs of one series; [] when the caller may not see it',
    params: [SERIES_UID],
    handler: async ({ scope, params }) => ({
      columns: columns(['SOPInstanceUID', 'string']),
      rows: (await sopInstanceUids(scope, params.require('SeriesInstanceUID'))).map((SOPInstanceUID) => ({ SOPInstanceUID })),
    }),
  },
];
