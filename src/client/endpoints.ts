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
 * - `text`: a text body (a `.tcia` manifest, "List created", an MD5, the status HTML);
 * - `download`: a binary body, streamed (a series ZIP, a DICOM file, a rendered image).
 */
export type Answer = 'rows' | 'csv-rows' | 'json-rows' | 'json' | 'text' | 'download';

export interface EndpointInfo {
  family: Family;
  /** The name in the URL (`status/version` holds a slash). */
  name: string;
  method: 'GET' | 'POST';
  answer: Answer;
  /** Fields sent on every call, so that callers need not (WADO-URI's requestType=WADO). */
  fixed?: Readonly<Record<string, string>>;
}

/** The name of an endpoint's function on its family: the URL name, `a/b` as `aB` (`status/version` → `statusVersion`). */
export function functionName(endpoint: Pick<EndpointInfo, 'name'>): string {
  return endpoint.name.replace(/\/(.)/g, (_, c: string) => c.toUpperCase());
}

const V124: readonly Family[] = ['v1', 'v2', 'v4'];
const V12: readonly Family[] = ['v1', 'v2'];

function each(families: readonly Family[], name: string, answer: Answer, method: 'GET' | 'POST' = 'GET', fixed?: Record<string, string>): EndpointInfo[] {
  return families.map((family) => ({ family, name, method, answer, ...(fixed ? { fixed } : {}) }));
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
  ...each(V124, 'getDCMImage', 'download'),
  // One image's MD5 (spec §5.19), spelt getM5HashForImage (sic) at v1/v2.
  ...each(V12, 'getM5HashForImage', 'text'),
  ...each(['v4'], 'getMD5HashForImage', 'text'),
  // WADO-URI (spec §5.21, PS3.18 §9): one instance, stored or rendered.
  ...each(['v1'], 'wado', 'download', 'GET', { requestType: 'WADO' }),
  ...each(['v1', 'advanced'], 'getWado', 'download', 'POST', { requestType: 'WADO' }),
  // v1 only, for the Data Retriever and monitoring (spec §1.1, §5.21).
  ...each(['v1'], 'getDeniedSeries', 'rows'),
  ...each(['v1'], 'status', 'text'),
  ...each(['v1'], 'status/version', 'text'),
  ...each(['v1'], 'status/database', 'text'),
  ...each(['v1'], 'getUserAgreementTxt', 'text'),
  ...each(['v1'], 'getAllSOPClassDefinition', 'text'),
  // Counts (spec §7.1, §8): JSON {criteria,count} unversioned, rows in any format at v4.
  ...['getCollectionValuesAndCounts', 'getModalityValuesAndCounts', 'getBodyPartValuesAndCounts', 'getManufacturerValuesAndCounts', 'getSpeciesValuesAndCounts'].flatMap(
    (name) => [...each(['advanced'], name, 'json-rows'), ...each(['v4'], name, 'rows')],
  ),
  // The unversioned ("advanced") endpoints and their v4 twins (spec §7).
  ...each(['advanced', 'v4'], 'getCollectionDescriptions', 'json-rows'),
  ...each(['advanced', 'v4'], 'getDicomTags', 'json-rows'),
  ...each(['v4'], 'getSeriesMetadata', 'csv-rows', 'POST'),
  ...each(['advanced'], 'getSeriesMetadata2', 'csv-rows', 'POST'),
  ...each(['advanced'], 'getSeriesMetadata3', 'csv-rows', 'POST'),
  ...each(['v4'], 'getSimpleSearch', 'json', 'POST'),
  ...each(['advanced'], 'getSimpleSearchWithModalityAndBodyPartPaged', 'json', 'POST'),
  // This server's series search (an extension; the portal's search).
  ...each(['advanced'], 'getSimpleSearchSeriesPaged', 'json', 'POST'),
  ...each(['advanced'], 'getSimpleSearchSeriesUIDs', 'json', 'POST'),
  ...each(['advanced', 'v4'], 'getManifestForSimpleSearch', 'text', 'POST'),
  ...each(['advanced'], 'createSharedList', 'text', 'POST'),
  // Licences, DOIs and whole-collection manifests (spec §7.5, §7.7).
  ...each(['advanced'], 'getLicenses', 'json-rows'),
  ...each(['advanced', 'v4'], 'getCollectionOrSeriesForDOI', 'json-rows', 'POST'),
  ...each(['advanced', 'v4'], 'getManifestForCollection', 'text', 'POST'),
  ...each(['advanced'], 'getManifestTextV2', 'text', 'POST'),
];
