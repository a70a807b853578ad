// Series metadata for many series in one POST: v4 getSeriesMetadata (spec §8; the Data
// Retriever maps its CSV by header name, clients.md §2.5) and the unversioned
// getSeriesMetadata2 (§7.2, human-readable headers). Form field `list`: UIDs comma-joined
// in one field, or one per repeated field, or both. Only the series the caller may see
// are answered, in the order asked; no rows is a header-only CSV (or [] in JSON).
import { DEFAULT_SPECIES_CODE, DEFAULT_SPECIES_DESCRIPTION } from '../../archive/queries/advanced-counts.js';
import { seriesMetadataFor, type SeriesMetadataRecord } from '../../archive/queries/advanced-metadata.js';
import { CONTENT_TYPE, parseFormat, render } from '../../formats/index.js';
import type { Table } from '../../formats/table.js';
import { badRequest } from '../../errors.js';
import { javaTimestamp, mmddyyyy } from '../dates.js';
import type { EndpointDef, RawBody } from '../endpoint.js';
import { AUTHORIZED, flag, tableOf, type Field } from '../endpoints/fields.js';
import type { Params } from '../params.js';

type S = SeriesMetadataRecord;

/** A patient with no species stated is, as in NBIA, a human one. */
const speciesCode = (s: S) => s.speciesCode || DEFAULT_SPECIES_CODE;
const speciesDescription = (s: S) => (s.speciesCode ? s.speciesDescription : (s.speciesDescription ?? DEFAULT_SPECIES_DESCRIPTION));

/** v4 getSeriesMetadata: the 40 columns of spec §8 in order, dates MM-dd-yyyy, FileSize the series' byte total. */
export const V4_METADATA_FIELDS: ReadonlyArray<Field<S>> = [
  ['PatientID', 'string', (s) => s.patientId],
  ['PatientName', 'string', (s) => s.patientName],
  ['PatientSex', 'string', (s) => s.patientSex],
  ['EthnicGroup', 'string', (s) => s.ethnicGroup],
  ['Phantom', 'string', (s) => s.phantom ?? 'NO'],
  ['SpeciesCode', 'string', speciesCode],
  ['SpeciesDescription', 'string', speciesDescription],
  ['StudyInstanceUID', 'string', (s) => s.studyInstanceUid],
  ['StudyDate', 'string', (s) => mmddyyyy(s.studyDate)],
  ['StudyDesc', 'string', (s) => s.studyDescription],
  ['AdmittingDiagnosisDescription', 'string', (s) => s.admittingDiagnosesDescription],
  ['StudyID', 'string', (s) => s.studyId],
  ['PatientAge', 'string', (s) => s.patientAge],
  ['LongitudinalTemporalEventType', 'string', (s) => s.longitudinalTemporalEventType],
  ['LongitudinalTemporalOffsetFromEvent', 'double', (s) => s.longitudinalTemporalOffsetFromEvent],
  ['SeriesInstanceUID', 'string', (s) => s.seriesInstanceUid],
  ['Collection', 'string', (s) => s.collection],
  ['Site', 'string', (s) => s.site],
  ['Modality', 'string', (s) => s.modality],
  ['ProtocolName', 'string', (s) => s.protocolName],
  ['SeriesDate', 'string', (s) => mmddyyyy(s.seriesDate)],
  ['SeriesDescription', 'string', (s) => s.seriesDescription],
  ['BodyPartExamined', 'string', (s) => s.bodyPartExamined],
  ['SeriesNumber', 'integer', (s) => s.seriesNumber],
  ['AnnotationsFlag', 'boolean', (s) => flag(s.annotationsFlag)],
  ['Manufacturer', 'string', (s) => s.manufacturer],
  ['ManufacturerModelName', 'string', (s) => s.manufacturerModelName],
  ['PixelSpacing(mm)-Row', 'double', (s) => s.pixelSpacingRow],
  ['SliceThickness(mm)', 'double', (s) => s.sliceThickness],
  ['SoftwareVersions', 'string', (s) => s.softwareVersions],
  ['ImageCount', 'integer', (s) => s.imageCount],
  ['MaxSubmissionTimestamp', 'string', (s) => mmddyyyy(s.maxSubmissionTimestamp)],
  ['LicenseName', 'string', (s) => s.licenseName],
  ['LicenseURI', 'string', (s) => s.licenseUri],
  ['DataDescriptionURI', 'string', (s) => s.descriptionUri],
  ['FileSize', 'long', (s) => s.totalSize],
  ['ReleasedStatus', 'string', (s) => s.releasedStatus],
  ['DateReleased', 'string', (s) => mmddyyyy(s.dateReleased)],
  ['ThirdPartyAnalysis', 'string', (s) => s.thirdPartyAnalysis],
  AUTHORIZED,
];

const isoDate = (value: string | null) => (value === null ? null : value.slice(0, 10));

/** getSeriesMetadata2: spec §7.2's 24 headers; dates yyyy-MM-dd; TimeStamp is date_released as a Java Timestamp, as the original. */
export const METADATA2_FIELDS: ReadonlyArray<Field<S>> = [
  ['Subject ID', 'string', (s) => s.patientId],
  ['Study UID', 'string', (s) => s.studyInstanceUid],
  ['Study Description', 'string', (s) => s.studyDescription],
  ['Study Date', 'string', (s) => isoDate(s.studyDate)],
  ['Series ID', 'string', (s) => s.seriesInstanceUid],
  ['Series Description', 'string', (s) => s.seriesDescription],
  ['Number of images', 'integer', (s) => s.imageCount],
  ['File Size (Bytes)', 'long', (s) => s.totalSize],
  ['Collection Name', 'string', (s) => s.collection],
  ['Modality', 'string', (s) => s.modality],
  ['Manufacturer', 'string', (s) => s.manufacturer],
  ['3rd Party Analysis', 'string', (s) => s.thirdPartyAnalysis],
  ['Data Description URI', 'string', (s) => s.descriptionUri],
  ['Series Number', 'integer', (s) => s.seriesNumber],
  ['License Name', 'string', (s) => s.licenseName],
  ['License URL', 'string', (s) => s.licenseUri],
  ['Date Released', 'string', (s) => isoDate(s.dateReleased)],
  ['Series Date', 'string', (s) => isoDate(s.seriesDate)],
  ['Protocol Name', 'string', (s) => s.protocolName],
  ['Body Part Examined', 'string', (s) => s.bodyPartExamined],
  ['Annotations Flag', 'boolean', (s) => flag(s.annotationsFlag)],
  ['Manufacturer Model Name', 'string', (s) => s.manufacturerModelName],
  ['Software Versions', 'string', (s) => s.softwareVersions],
  ['TimeStamp', 'timestamp', (s) => javaTimestamp(s.dateReleased)],
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

export const metadataEndpoints: EndpointDef[] = [
  {
    name: 'getSeriesMetadata',
    families: ['v4'],
    method: 'POST',
    summary: 'Metadata of many series in one request (form field list); CSV by default, one row per series the caller may see',
    params: [LIST, FORMAT],
    format: false,
    handler: async ({ scope, params }) => download(tableOf(V4_METADATA_FIELDS, await seriesMetadataFor(scope, seriesList(params))), params),
  },
  {
    name: 'getSeriesMetadata2',
    families: ['advanced'],
    method: 'POST',
    summary: 'Metadata of many series (form field list) as CSV with human-readable headers',
    params: [LIST, FORMAT],
    format: false,
    handler: async ({ scope, params }) => download(tableOf(METADATA2_FIELDS, await seriesMetadataFor(scope, seriesList(params))), params),
  },
];
