// Series metadata for many series in one POST: v4 getSeriesMetadata (spec §8; the Data
// Retriever maps its CSV by header name, clients.md §2.5) and the unversioned
// getSeriesMetadata2 (§7.2, human-readable headers). Form field `list`: UIDs comma-joined
// in one field, or one per repeated field, or both. Only the series the caller may see
// are answered, in the order asked; no rows is a header-only CSV (or [] in JSON).
import { seriesMetadataFor, type SeriesRecord } from '../../archive/queries/series.js';
import { CONTENT_TYPE, parseFormat, render } from '../../formats/index.js';
import type { Table } from '../../formats/table.js';
import { badRequest } from '../../errors.js';
import { javaTimestamp } from '../dates.js';
import type { EndpointDef, RawBody } from '../endpoint.js';
import type { Family } from '../families.js';
import { fields, headed, tableOf, type Field } from '../endpoints/fields.js';
import type { Params } from '../params.js';

type S = SeriesRecord;

/** v4 getSeriesMetadata: the 40 columns of spec §8 in order, dates MM-dd-yyyy, FileSize the series' byte total. */
export const V4_METADATA_FIELDS: ReadonlyArray<Field<S>> = [
  ...fields('v4', [
    'PatientID', 'PatientName', 'PatientSex', 'EthnicGroup', 'Phantom', 'SpeciesCode', 'SpeciesDescription',
    'StudyInstanceUID', 'StudyDate', 'StudyDesc', 'AdmittingDiagnosisDescription', 'StudyID', 'PatientAge',
    'LongitudinalTemporalEventType', 'LongitudinalTemporalOffsetFromEvent',
    'SeriesInstanceUID', 'Collection', 'Site', 'Modality', 'ProtocolName', 'SeriesDate', 'SeriesDescription', 'BodyPartExamined',
    'SeriesNumber', 'AnnotationsFlag', 'Manufacturer', 'ManufacturerModelName', 'PixelSpacing(mm)-Row', 'SliceThickness(mm)',
    'SoftwareVersions', 'ImageCount', 'MaxSubmissionTimestamp', 'LicenseName', 'LicenseURI', 'DataDescriptionURI', 'FileSize',
    'ReleasedStatus', 'DateReleased', 'ThirdPartyAnalysis', 'Authorized',
  ]),
];

const isoDate = (value: string | null) => (value === null ? null : value.slice(0, 10));

/** getSeriesMetadata2: spec §7.2's 24 headers; dates yyyy-MM-dd; TimeStamp is date_released as a Java Timestamp, as the original. */
export const METADATA2_FIELDS: ReadonlyArray<Field<S>> = [
  headed('Subject ID', 'PatientID'),
  headed('Study UID', 'StudyInstanceUID'),
  headed('Study Description', 'StudyDesc'),
  ['Study Date', 'string', (s) => isoDate(s.studyDate)],
  headed('Series ID', 'SeriesInstanceUID'),
  headed('Series Description', 'SeriesDescription'),
  headed('Number of images', 'ImageCount'),
  headed('File Size (Bytes)', 'FileSize'),
  headed('Collection Name', 'Collection'),
  headed('Modality', 'Modality'),
  headed('Manufacturer', 'Manufacturer'),
  headed('3rd Party Analysis', 'ThirdPartyAnalysis'),
  headed('Data Description URI', 'DataDescriptionURI'),
  headed('Series Number', 'SeriesNumber'),
  headed('License Name', 'LicenseName'),
  headed('License URL', 'LicenseURI'),
  ['Date Released', 'string', (s) => isoDate(s.dateReleased)],
  ['Series Date', 'string', (s) => isoDate(s.seriesDate)],
  headed('Protocol Name', 'ProtocolName'),
  headed('Body Part Examined', 'BodyPartExamined'),
  headed('Annotations Flag', 'AnnotationsFlag'),
  headed('Manufacturer Model Name', 'ManufacturerModelName'),
  headed('Software Versions', 'SoftwareVersions'),
  ['TimeStamp', 'timestamp', (s) => javaTimestamp(s.dateReleased)],
];

/**
 * getSeriesMetadata3 (the original's GetSeriesMetadata3, which tcia_utils 2.x calls): the
 * patient, study and series columns under spaced headers. Dates as the original's query
 * hands them to its CSV writer: yyyy-MM-dd, Max Submission Timestamp a Java Timestamp.
 */
export const METADATA3_FIELDS: ReadonlyArray<Field<S>> = [
  headed('Patient ID', 'PatientID'),
  headed('Patient Name', 'PatientName'),
  ['Patient Birth Date', 'string', (s) => isoDate(s.patientBirthDate)],
  headed('Patient Sex', 'PatientSex'),
  headed('Ethnic Group', 'EthnicGroup'),
  headed('Phantom', 'Phantom'),
  headed('Species Code', 'SpeciesCode'),
  headed('Species Description', 'SpeciesDescription'),
  headed('Study Instance UID', 'StudyInstanceUID'),
  ['Study Date', 'string', (s) => isoDate(s.studyDate)],
  headed('Study Description', 'StudyDesc'),
  headed('Admitting Diagnosis Description', 'AdmittingDiagnosisDescription'),
  headed('Study ID', 'StudyID'),
  headed('Patient Age', 'PatientAge'),
  headed('Longitudinal Temporal Event Type', 'LongitudinalTemporalEventType'),
  headed('Longitudinal Temporal Offset From Event', 'LongitudinalTemporalOffsetFromEvent'),
  headed('Series Instance UID', 'SeriesInstanceUID'),
  headed('Project', 'Collection'),
  headed('Modality', 'Modality'),
  headed('Protocol Name', 'ProtocolName'),
  ['Series Date', 'string', (s) => isoDate(s.seriesDate)],
  headed('Series Description', 'SeriesDescription'),
  headed('Body Part Examined', 'BodyPartExamined'),
  headed('Series Number', 'SeriesNumber'),
  headed('Annotations Flag', 'AnnotationsFlag'),
  headed('Manufacturer', 'Manufacturer'),
  headed('Manufacturer Model Name', 'ManufacturerModelName'),
  headed('Pixel Spacing(mm)- Row', 'PixelSpacing(mm)-Row'),
  headed('Slice Thickness(mm)', 'SliceThickness(mm)'),
  headed('Software Versions', 'SoftwareVersions'),
  headed('Image Count', 'ImageCount'),
  ['Max Submission Timestamp', 'timestamp', (s) => javaTimestamp(s.maxSubmissionTimestamp)],
  headed('License Name', 'LicenseName'),
  headed('License URI', 'LicenseURI'),
  headed('Collection URI', 'DataDescriptionURI'),
  headed('File Size', 'FileSize'),
  ['Date Released', 'timestamp', (s) => javaTimestamp(s.dateReleased)],
  headed('Third Party Analysis', 'ThirdPartyAnalysis'),
];

/** The UIDs of `list`, however the client split them; a 400 when there are none. */
export function seriesList(params: Params): string[] {
  const uids = params.list('list');
  if (uids.length === 0) {
    throw badRequest(params.has('list') ? 'list must name at least one SeriesInstanceUID' : 'list is required (SeriesInstanceUIDs, comma-separated or one per field)');
  }
  return uids;
}

/** The table in the requested format; CSV (the default) goes out as a download, as the original's. */
function download(table: Table, params: Params): RawBody {
  const format = parseFormat(params.get('format'), 'csv');
  return {
    raw: render(table, format),
    contentType: CONTENT_TYPE[format],
    headers: format === 'csv' ? { 'Content-Disposition': 'attachment; filename="SeriesMetaData.csv"' } : {},
  };
}

const LIST = { name: 'list', description: 'SeriesInstanceUIDs: comma-separated in one field, or one per repeated field', required: true };
const FORMAT = { name: 'format', description: 'csv (default), json, xml or html' };

/** The two endpoints differ only in their headers; both answer the same series the same way. */
const METADATA_ENDPOINTS: Array<{ name: string; family: Family; summary: string; columns: ReadonlyArray<Field<S>> }> = [
  {
    name: 'getSeriesMetadata',
    family: 'v4',
    summary: 'Metadata of many series in one request (form field list); CSV by default, one row per series the caller may see',
    columns: V4_METADATA_FIELDS,
  },
  { name: 'getSeriesMetadata2', family: 'advanced', summary: 'Metadata of many series (form field list) as CSV with human-readable headers', columns: METADATA2_FIELDS },
  {
    name: 'getSeriesMetadata3',
    family: 'advanced',
    summary: 'Patient, study and series metadata of many series (form field list) as CSV with spaced headers',
    columns: METADATA3_FIELDS,
  },
];

export const metadataEndpoints: EndpointDef[] = METADATA_ENDPOINTS.map(
  ({ name, family, summary, columns }): EndpointDef => ({
    name,
    families: [family],
    method: 'POST',
    summary,
    params: [LIST, FORMAT],
    format: false,
    handler: async ({ scope, params }) => download(tableOf(columns, await seriesMetadataFor(scope, seriesList(params))), params),
  }),
);
