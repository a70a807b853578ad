// Simple search (spec §7.4, §7.7): v4 getSimpleSearch and the unversioned
// getSimpleSearchWithModalityAndBodyPartPaged answer a JSON page of patients with facet
// counts; getManifestForSimpleSearch (v4 and unversioned) answers the same search as a
// `.tcia` manifest of the matching series. All are POST forms.
import type { FastifyRequest } from 'fastify';
import { simpleSearch, type PatientHit, type SearchResult } from '../../archive/queries/advanced-search.js';
import { jsonBody, type EndpointDef, type ParamDef, type RawBody } from '../endpoint.js';
import type { Params } from '../params.js';
import type { AccessScope } from '../../archive/access.js';
import { parseSearchForm, SUPPORTED_CRITERIA, type SearchForm } from './search-form.js';

export const SEARCH_PARAMS: ParamDef[] = [
  { name: 'criteriaType0', description: `criteria type N (N = 0, 1, 2, ...; read until the first gap): ${SUPPORTED_CRITERIA.join(', ')}` },
  { name: 'value0', description: 'value of criteria N (repeat a list criteria type to give alternatives)' },
  { name: 'fromDate0', description: 'DateRangeCriteria N: first study date, MM-DD-YYYY (MM/DD/YYYY and YYYY-MM-DD accepted)' },
  { name: 'toDate0', description: 'DateRangeCriteria N: last study date, MM-DD-YYYY' },
  { name: 'from0', description: 'PixelSpacingRangeCriteria / SliceThicknessRangeCriteria N: lower bound (mm)' },
  { name: 'to0', description: 'PixelSpacingRangeCriteria / SliceThicknessRangeCriteria N: upper bound (mm); PatientAgeRangeCriteria: years' },
  { name: 'eventType0', description: 'TimePointCriteria N: the LongitudinalTemporalEventType, e.g. BASELINE' },
  { name: 'fromDay0', description: 'TimePointCriteria N: first day after the event' },
  { name: 'toDay0', description: 'TimePointCriteria N: last day after the event' },
  { name: 'sortField', description: 'subject (default), collection, studies or series' },
  { name: 'sortDirection', description: 'ascending (default) or descending' },
  { name: 'start', description: 'first patient of the page, from 0 (default 0)' },
  { name: 'size', description: 'patients per page (default: all)' },
  { name: 'tool', description: 'name of the calling tool (accepted, not used)' },
];

function page(result: SearchResult, form: SearchForm): PatientHit[] {
  const end = form.size === undefined ? undefined : form.start + form.size;
  return result.patients.slice(form.start, end);
}

async function runSearch(scope: AccessScope, params: Params): Promise<{ form: SearchForm; result: SearchResult }> {
  const form = parseSearchForm(params);
  return { form, result: await simpleSearch(scope, form.criteria, form.sortField, form.ascending) };
}

/**
 * The original's PatientSearchSummary. studyIdentifier / seriesIdentifiers are this index's
 * own numeric ids, as the original's are its; studyInstanceUID and seriesInstanceUIDs are
 * added so a client need not look them up.
 */
function summary(result: SearchResult, form: SearchForm) {
  return {
    resultSet: page(result, form).map((p) => ({
      subjectId: p.subjectId,
      project: p.collection,
      id: p.patientPk,
      studyIdentifiers: p.studies.map((s) => ({
        studyIdentifier: s.studyPk,
        studyInstanceUID: s.studyInstanceUid,
        seriesIdentifiers: s.series.map((x) => x.seriesPk),
        seriesInstanceUIDs: s.series.map((x) => x.seriesInstanceUid),
      })),
      totalNumberOfStudies: p.studies.length,
      totalNumberOfSeries: p.seriesCount,
      modalities: p.modalities,
      bodyParts: p.bodyParts,
      species: p.species,
      timepoints: p.timepoints,
    })),
    totalPatients: result.patients.length,
    bodyParts: result.bodyParts,
    modalities: result.modalities,
    collections: result.collections,
    species: result.species,
    maxTimepoints: result.maxTimepoints,
    minTimepoints: result.minTimepoints,
    sort: `${form.sortFieldText}-${form.sortDirectionText}`,
  };
}

/**
 * This server as a download server, for the manifest's first line. The classic Java Data
 * Retriever replaces the `/nbia-download/servlet/DownloadServlet` path with
 * `/nbia-api/...`, so the line names that servlet path on this host, as the original's does.
 */
export function downloadServerUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/nbia-download/servlet/DownloadServlet`;
}

export const MANIFEST_TYPE = 'application/x-nbia-manifest-file';

/** A `.tcia` manifest: exactly six header lines (clients drop six), then one SeriesInstanceUID per line. */
export function manifestText(serverUrl: string, seriesUids: readonly string[], now = Date.now(), basketId = `manifest-${now}.tcia`): string {
  const header = [
    `downloadServerUrl=${serverUrl}`,
    'includeAnnotation=false',
    'noOfrRetry=4',
    `databasketId=${basketId}`,
    'manifestVersion=3.0',
    'ListOfSeriesToDownload=',
  ];
  return [...header, ...seriesUids].join('\n') + '\n';
}

function manifestBody(request: FastifyRequest, result: SearchResult, form: SearchForm): RawBody {
  const uids = page(result, form).flatMap((p) => p.studies.flatMap((s) => s.series.map((x) => x.seriesInstanceUid)));
  return { raw: manifestText(downloadServerUrl(request), uids), contentType: MANIFEST_TYPE };
}

export const searchEndpoints: EndpointDef[] = [
  ...[
    { name: 'getSimpleSearch', family: 'v4' as const },
    { name: 'getSimpleSearchWithModalityAndBodyPartPaged', family: 'advanced' as const },
  ].map(
    ({ name, family }): EndpointDef => ({
      name,
      families: [family],
      method: 'POST',
      summary: 'Simple search: a page of patients with the studies and series that matched, and facet counts (JSON)',
      params: SEARCH_PARAMS,
      format: false,
      handler: async ({ scope, params }) => {
        const { form, result } = await runSearch(scope, params);
        return jsonBody(summary(result, form));
      },
    }),
  ),
  {
    name: 'getManifestForSimpleSearch',
    families: ['advanced', 'v4'],
    method: 'POST',
    summary: 'Simple search as a .tcia manifest: six header lines, then one SeriesInstanceUID per line',
    params: SEARCH_PARAMS,
    format: false,
    handler: async ({ scope, params, request }) => {
      const { form, result } = await runSearch(scope, params);
      return manifestBody(request, result, form);
    },
  },
];
