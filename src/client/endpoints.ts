// Every NBIA endpoint this client calls, declared once: family, name, HTTP method and what
// it answers. The typed functions of NbiaClient are built from this table, and a test checks
// it against the endpoints the server registers, so that no endpoint is missed.
import type { Family } from './base-url.js';

/**
 * What an endpoint answers:
 * - `rows`: an array of rows, in any of the four formats (`format=json|csv|xml|html`);
 * - `csv-rows`: the same, but CSV unless asked otherwise (getSeriesMetadata, getSeriesMetadata2);
 * - `json-rows`: always a JSON array;
 * - `json`: one JSON object;
 * - `text`: a text body (a `.tcia` manifest, "List created");
 * - `download`: a binary body, streamed (a series ZIP, a DICOM file).
 */
export type Answer = 'rows' | 'csv-rows' | 'json-rows' | 'json' | 'text' | 'download';

export interface EndpointInfo {
  family: Family;
  name: string;
  method: 'GET' | 'POST';
  answer: Answer;
}

const V124: readonly Family[] = ['v1', 'v2', 'v4'];
const V12: readonly Family[] = ['v1', 'v2'];

function each(families: readonly Family[], name: string, answer: Answer, method: 'GET' | 'POST' = 'GET'): EndpointInfo[] {
  return families.map((family) => ({ family, name, method, answer }));
}

export const ENDPOINTS: readonly EndpointInfo[] = [
  // Values and patients (spec §5.1–5.9).
  ...each(V124, 'getCollectionValues', 'rows'),
  ...each(V124, 'getModalityValues', 'rows'),
  ...each(V124, 'getBodyPartValues', 'rows'),
  ...each(V124, 'getManufacturerValues', 'rows'),
  ...each(V124, 'getPatient', 'rows'),
  ...each(V124, 'getPatientByCollectionAndModality', 'rows'),
  ...each(V124, 'NewPatientsInCollection', 'rows'),
  ...each(V124, 'getPatientStudy', 'rows'),
  ...each(V124, 'NewStudiesInPatientCollection', 'rows'),
  // Series (spec §5.10–5.15).
  ...each(V124, 'getSeries', 'rows'),
  ...each(V124, 'getUpdatedSeries', 'rows'),
  ...each(V12, 'getContentsByName', 'json-rows'),
  ...each(V12, 'getSeriesMetaData', 'rows'),
  ...each(V124, 'getSeriesSize', 'rows'),
  ...each(V124, 'getSOPInstanceUIDs', 'rows'),
  // Downloads (spec §5.16–5.18).
  ...each(V124, 'getImage', 'download'),
  ...each(V124, 'getImageWithMD5Hash', 'download'),
  ...each(V124, 'getSingleImage', 'download'),
  // Counts (spec §7.1, §8): JSON {criteria,count} unversioned, rows in any format at v4.
  ...['getCollectionValuesAndCounts', 'getModalityValuesAndCounts', 'getBodyPartValuesAndCounts', 'getManufacturerValuesAndCounts', 'getSpeciesValuesAndCounts'].flatMap(
    (name) => [...each(['advanced'], name, 'json-rows'), ...each(['v4'], name, 'rows')],
  ),
  // The unversioned ("advanced") endpoints and their v4 twins (spec §7).
  ...each(['advanced', 'v4'], 'getCollectionDescriptions', 'json-rows'),
  ...each(['advanced', 'v4'], 'getDicomTags', 'json-rows'),
  ...each(['v4'], 'getSeriesMetadata', 'csv-rows', 'POST'),
  ...each(['advanced'], 'getSeriesMetadata2', 'csv-rows', 'POST'),
  ...each(['v4'], 'getSimpleSearch', 'json', 'POST'),
  ...each(['advanced'], 'getSimpleSearchWithModalityAndBodyPartPaged', 'json', 'POST'),
  ...each(['advanced', 'v4'], 'getManifestForSimpleSearch', 'text', 'POST'),
  ...each(['advanced'], 'createSharedList', 'text', 'POST'),
];
