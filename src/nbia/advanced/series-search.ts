// The series search, this server's extension beside the simple search (spec §7.4): the
// same criteria form, answered as series rather than patients, sorted and paged by the
// server, with facet counts that follow the other choices. The portal searches with it,
// so a page of 20 out of 200,000 series never brings 200,000 rows to the browser.
//
// getSimpleSearchSeriesPaged: one page (v4 getSeriesMetadata rows), totals and facets.
// getSimpleSearchSeriesUIDs: every matching SeriesInstanceUID in the same order ("add all
// results to the cart"), up to MAX_UIDS.
import { searchSeries, searchSeriesUids, SERIES_SORT_KEYS, type SeriesSortKey } from '../../archive/queries/series-search.js';
import type { SearchCriteria } from '../../archive/queries/advanced-search.js';
import { badRequest } from '../../errors.js';
import { CONTENT_TYPE, render } from '../../formats/index.js';
import { jsonBody, type EndpointDef, type ParamDef } from '../endpoint.js';
import { tableOf } from '../endpoints/fields.js';
import type { Params } from '../params.js';
import { V4_METADATA_FIELDS } from './metadata.js';
import { SEARCH_PARAMS } from './search.js';
import { parseCriteria, parsePage, parseSortDirection } from './search-form.js';

/** Rows of one page, at most. */
export const MAX_PAGE = 500;
/** UIDs of one getSimpleSearchSeriesUIDs answer, at most: a cart larger than that is a manifest's job. */
export const MAX_UIDS = 50_000;

const SERIES_SEARCH_PARAMS: ParamDef[] = [
  ...SEARCH_PARAMS.filter((p) => !['sortField', 'start', 'size'].includes(p.name)),
  { name: 'text', description: 'free text: part of a PatientID, StudyDescription or SeriesDescription (case-insensitive)' },
  { name: 'sortField', description: `${SERIES_SORT_KEYS.join(', ')} (default collection); ties in index order` },
];

/** The criteria that count per patient (several series together) have no meaning for a list of series. */
function seriesCriteria(params: Params): SearchCriteria {
  const c = parseCriteria(params);
  const perPatient = [
    c.modalityAnded && 'ModalityAndedSearchCriteria',
    c.minStudies !== undefined && 'MinNumberOfStudiesCriteria',
    c.minStudyDates !== undefined && 'MinNumberOfStudyDatesCriteria',
    c.patientAge !== undefined && 'PatientAgeRangeCriteria',
  ].filter((x): x is string => typeof x === 'string');
  if (perPatient.length) {
    throw badRequest(`${perPatient.join(', ')} select patients, not series: use getSimpleSearchWithModalityAndBodyPartPaged for them`);
  }
  return c;
}

function parseSeriesSearch(params: Params) {
  const sortText = params.get('sortField')?.trim() || 'collection';
  const sort = SERIES_SORT_KEYS.find((k) => k === sortText.toLowerCase());
  if (sort === undefined) throw badRequest(`sortField "${sortText}" is not one of ${SERIES_SORT_KEYS.join(', ')}`);
  const direction = parseSortDirection(params);
  const text = params.get('text')?.trim();
  return {
    criteria: seriesCriteria(params),
    ...(text ? { text } : {}),
    sort: sort as SeriesSortKey,
    ascending: direction.ascending,
    sortText: `${sort}-${direction.text}`,
  };
}

export const seriesSearchEndpoints: EndpointDef[] = [
  {
    name: 'getSimpleSearchSeriesPaged',
    families: ['advanced'],
    method: 'POST',
    summary: 'Series search (an extension): a sorted page of series (v4 getSeriesMetadata rows) with totals and facet counts that follow the other choices (JSON)',
    params: [
      ...SERIES_SEARCH_PARAMS,
      { name: 'start', description: 'first series of the page, from 0 (default 0)' },
      { name: 'size', description: `series per page (default 20, at most ${MAX_PAGE})` },
      { name: 'totals', description: 'all: also totalStudies and totalImages (slower on large results)' },
    ],
    format: false,
    handler: async ({ scope, params }) => {
      const search = parseSeriesSearch(params);
      const { start, size = 20 } = parsePage(params);
      if (size > MAX_PAGE) throw badRequest(`size ${size} is more than ${MAX_PAGE} series a page`);
      const totals = params.get('totals')?.trim().toLowerCase();
      if (totals !== undefined && totals !== '' && totals !== 'all') throw badRequest(`totals "${totals}" is not understood: use all, or leave it out`);
      const page = await searchSeries(scope, { ...search, start, size, studyAndImageTotals: totals === 'all' });
      // The rows go through the same writer as getSeriesMetadata's JSON, so a row here and there is the same.
      const rows = render(tableOf(V4_METADATA_FIELDS, page.series), 'json');
      const head = { totalSeries: page.totalSeries, totalPatients: page.totalPatients, totalStudies: page.totalStudies, totalImages: page.totalImages, start, size, sort: search.sortText };
      return { raw: `${JSON.stringify(head).slice(0, -1)},"series":${rows},"facets":${JSON.stringify(page.facets)}}`, contentType: CONTENT_TYPE.json };
    },
  },
  {
    name: 'getSimpleSearchSeriesUIDs',
    families: ['advanced'],
    method: 'POST',
    summary: `Series search (an extension): every matching SeriesInstanceUID in the search's order, at most ${MAX_UIDS} (JSON)`,
    params: SERIES_SEARCH_PARAMS,
    format: false,
    handler: async ({ scope, params }) => {
      const search = parseSeriesSearch(params);
      const uids = await searchSeriesUids(scope, search, MAX_UIDS + 1);
      if (uids.length > MAX_UIDS) throw badRequest(`more than ${MAX_UIDS} series match: narrow the search, or take a collection's manifest (getManifestForCollection)`);
      return jsonBody({ totalSeries: uids.length, seriesInstanceUIDs: uids });
    },
  },
];
