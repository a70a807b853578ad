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
  findSeriesPages,
  seriesSize,
  sopInstanceUidPages,
  type SeriesFilters,
  type SeriesRecord,
} from '../../archive/queries/series.js';
import { columns } from '../../formats/table.js';
import { javaDateString, mmddyyyy } from '../dates.js';
import type { EndpointDef } from '../endpoint.js';
import type { Family } from '../families.js';
import { field, fields, headed, pagedTableOf, tableOf, type Field } from './fields.js';
import { updatedSeriesFrom } from './release-dates.js';
import { ALL, V1V2 } from './shared.js';

type S = SeriesRecord;

/** The 15 leading columns every v1/v2 series listing shares (spec §5.10, §5.11, §5.15). */
const LEADING_V1V2 = [
  'SeriesInstanceUID', 'StudyInstanceUID', 'Modality', 'ProtocolName', 'SeriesDate', 'SeriesDescription', 'BodyPartExamined',
  'SeriesNumber', 'AnnotationsFlag', 'Collection', 'PatientID', 'Manufacturer', 'ManufacturerModelName', 'SoftwareVersions', 'ImageCount',
] as const;

/** v1/v2 getUpdatedSeries and getContentsByName: the leading columns, then the release date under `dateReleased`. */
const leadingV1V2Fields = (family: Family, dateReleased: string): ReadonlyArray<Field<S>> => [
  ...fields(family, LEADING_V1V2),
  field(family, 'DateReleased', dateReleased),
];

/** v1/v2 getSeries: 24 columns (spec §5.10). */
const getSeriesV1V2Fields = (family: Family): ReadonlyArray<Field<S>> =>
  fields(family, [
    ...LEADING_V1V2,
    'TimeStamp', 'LicenseName', 'LicenseURI', 'CollectionURI', 'FileSize', 'DateReleased', 'StudyDesc', 'StudyDate', 'ThirdPartyAnalysis',
  ]);

/** v4 getSeries and getUpdatedSeries: the 30 columns spec §8 lists, dates MM-dd-yyyy. */
const V4_SERIES_FIELDS: ReadonlyArray<Field<S>> = fields('v4', [
  'SeriesInstanceUID', 'StudyInstanceUID', 'Modality', 'ProtocolName', 'SeriesDate', 'SeriesDescription', 'BodyPartExamined',
  'SeriesNumber', 'AnnotationsFlag', 'Collection', 'Site', 'PatientID', 'PatientSex', 'PatientAge', 'AdmittingDiagnosisDescription',
  'Manufacturer', 'ManufacturerModelName', 'SoftwareVersions', 'ImageCount', 'MaxSubmissionTimestamp', 'LicenseName', 'LicenseURI',
  'DataDescriptionURI', 'FileSize', 'ReleasedStatus', 'DateReleased', 'StudyDesc', 'StudyDate', 'ThirdPartyAnalysis', 'Authorized',
]);

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
const METADATA_FIELDS: ReadonlyArray<Field<S>> = [
  headed('Series UID', 'SeriesInstanceUID'),
  headed('Collection', 'Collection'),
  headed('3rd Party Analysis', 'ThirdPartyAnalysis'),
  headed('Data Description URI', 'DataDescriptionURI'),
  headed('Subject ID', 'PatientID'),
  headed('Study UID', 'StudyInstanceUID'),
  ['Study Description', 'string', (s) => sanitised(s.studyDescription)],
  ['Study Date', 'string', (s) => mmddyyyy(s.studyDate) ?? ''],
  ['Series Description', 'string', (s) => sanitised(s.seriesDescription)],
  ['Manufacturer', 'string', (s) => (s.manufacturer === null ? null : s.manufacturer.replace(/,/g, ' '))],
  headed('Modality', 'Modality'),
  ['SOP Class UID', 'string', (s) => s.sopClassUid],
  ['Number of Images', 'string', (s) => String(s.imageCount)],
  ['File Size', 'string', (s) => String(s.totalSize)],
  // The original's "File Location" carries the DICOM StudyID.
  headed('File Location', 'StudyID'),
  ['Series Number', 'string', (s) => (s.seriesNumber === null ? null : s.seriesNumber.toFixed(6))],
  headed('License Name', 'LicenseName'),
  headed('License URL', 'LicenseURI'),
  ['Annotation Size', 'string', () => '0'],
  ['Date Released', 'string', (s) => javaDateString(s.dateReleased)],
  ['Series Date', 'string', (s) => javaDateString(s.seriesDate)],
  headed('Protocol Name', 'ProtocolName'),
  headed('Body Part Examined', 'BodyPartExamined'),
  ['Annotations Flag', 'string', (s) => (s.annotationsFlag === null || s.annotationsFlag === 0 ? 'false' : 'true')],
  headed('Manufacturer Model Name', 'ManufacturerModelName'),
  headed('Software Versions', 'SoftwareVersions'),
  ['TimeStamp', 'string', (s) => javaDateString(s.maxSubmissionTimestamp)],
];

/** getSeries' filters: parameter, SeriesFilters field, and how it compares (spec §4.10). */
const GET_SERIES_FILTERS: ReadonlyArray<readonly [param: string, filter: keyof SeriesFilters, compares: string]> = [
  ['Collection', 'collection', 'case-insensitive'],
  ['PatientID', 'patientId', 'case-insensitive'],
  ['StudyInstanceUID', 'studyInstanceUid', 'exact'],
  ['SeriesInstanceUID', 'seriesInstanceUid', 'exact'],
  ['Modality', 'modality', 'case-insensitive'],
  ['BodyPartExamined', 'bodyPartExamined', 'exact'],
  ['Manufacturer', 'manufacturer', 'exact'],
  ['ManufacturerModelName', 'manufacturerModelName', 'exact'],
];

const SERIES_UID = { name: 'SeriesInstanceUID', description: 'exact', required: true };

export const seriesEndpoints: EndpointDef[] = [
  {
    name: 'getSeries',
    families: ALL,
    method: 'GET',
    summary: 'Series the caller may see, filtered by any of the parameters (combined with AND)',
    params: GET_SERIES_FILTERS.map(([name, , description]) => ({ name, description })),
    handler: async ({ scope, params, family }) => {
      const filters: SeriesFilters = Object.fromEntries(GET_SERIES_FILTERS.map(([name, filter]) => [filter, params.get(name)]));
      return pagedTableOf(family === 'v4' ? V4_SERIES_FIELDS : getSeriesV1V2Fields(family), findSeriesPages(scope, filters));
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
      const pages = findSeriesPages(scope, { releasedFrom: updatedSeriesFrom(family, params) });
      return pagedTableOf(family === 'v4' ? V4_SERIES_FIELDS : leadingV1V2Fields(family, 'DateReleased'), pages);
    },
  },
  {
    name: 'getContentsByName',
    families: V1V2,
    method: 'GET',
    summary: "Series of a shared cart (matched case-insensitively) that the caller may see, in the cart's order; always JSON",
    params: [{ name: 'name', description: 'shared cart name', required: true }],
    format: false,
    handler: async ({ scope, params, family }) =>
      tableOf(leadingV1V2Fields(family, 'Date Released'), await cartSeries(scope, cartNameKey(params.require('name')))),
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
    handler: async ({ scope, params }) =>
      pagedTableOf([['SOPInstanceUID', 'string', (uid: string) => uid]], sopInstanceUidPages(scope, params.require('SeriesInstanceUID'))),
  },
];
