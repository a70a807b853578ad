// The simple-search form (spec §7.4): criteriaType0/value0, criteriaType1/value1, ...,
// read from index 0 up to the first missing criteriaType<N>; a list criterion repeated
// adds alternatives. Ranges take from<N>/to<N> (DateRangeCriteria: fromDate<N>/toDate<N>,
// MM-DD-YYYY as v4 clients send, MM/DD/YYYY as the older portal did, or ISO). Anything
// this server does not understand is a 400 naming it — never silently ignored, since a
// dropped criterion would widen the result.
import { emptyCriteria, type NumberRange, type SearchCriteria, type SortField } from '../../archive/queries/advanced-search.js';
import { badRequest } from '../../errors.js';
import { parseDateParam } from '../dates.js';
import type { Params } from '../params.js';

type ListKey = 'collections' | 'species' | 'modalities' | 'bodyParts' | 'manufacturers' | 'models' | 'softwareVersions' | 'patients' | 'studies' | 'series' | 'patientSexes' | 'descriptions';

/** Criteria whose values are alternatives of one list. */
const LIST_CRITERIA: Record<string, ListKey> = {
  CollectionCriteria: 'collections',
  SpeciesCriteria: 'species',
  ImageModalityCriteria: 'modalities',
  AnatomicalSiteCriteria: 'bodyParts',
  BodyPartExaminedCriteria: 'bodyParts',
  ManufacturerCriteria: 'manufacturers',
  ModelCriteria: 'models',
  SoftwareVersionCriteria: 'softwareVersions',
  PatientCriteria: 'patients',
  StudyCriteria: 'studies',
  SeriesCriteria: 'series',
  PatientSexCriteria: 'patientSexes',
  DescriptionCriteria: 'descriptions',
};

const OTHER_CRITERIA = [
  'DateRangeCriteria',
  'PixelSpacingRangeCriteria',
  'SliceThicknessRangeCriteria',
  'PhantomCriteria',
  'ThirdPartyAnalysis',
  'ModalityAndedSearchCriteria',
  'MinNumberOfStudiesCriteria',
  'MinNumberOfStudyDatesCriteria',
  'PatientAgeRangeCriteria',
  'ExcludeCommercialCriteria',
  'TimePointCriteria',
];

export const SUPPORTED_CRITERIA: readonly string[] = [...Object.keys(LIST_CRITERIA), ...OTHER_CRITERIA];

/** Values per request: keeps every IN list far below both databases' parameter limits. */
const MAX_VALUES = 10_000;

export interface SearchForm {
  criteria: SearchCriteria;
  sortField: SortField;
  /** As sent (or the default), for the answer's `sort`. */
  sortFieldText: string;
  sortDirectionText: string;
  ascending: boolean;
  start: number;
  /** undefined: every patient from `start` on. */
  size: number | undefined;
}

/** Case-insensitive lookup of a criteria type name, as the original compares them. */
function canonicalType(raw: string): string | undefined {
  const lower = raw.trim().toLowerCase();
  return SUPPORTED_CRITERIA.find((c) => c.toLowerCase() === lower) ?? CLIENT_SPELLINGS[lower];
}

/**
 * Names real clients send for a criteria type. tcia_utils' getSimpleSearch posts its date
 * range as the Python enum member itself, which requests writes as `Criteria.DateRange`.
 */
const CLIENT_SPELLINGS: Record<string, string> = { 'criteria.daterange': 'DateRangeCriteria' };

function required(params: Params, name: string, type: string): string {
  const v = params.get(name);
  if (v === undefined || v.trim() === '') throw badRequest(`${name} is required for ${type}`);
  return v.trim();
}

function yesNo(value: string, name: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['yes', 'y', 'true', 'only'].includes(v)) return true;
  if (['no', 'n', 'false', 'exclude'].includes(v)) return false;
  if (['all', 'both', 'include', 'any'].includes(v)) return undefined;
  throw badRequest(`${name} "${value}" is not understood: use YES, NO or ALL`);
}

function wholeNumber(value: string, name: string, min: number): number {
  if (!/^\s*\d+\s*$/.test(value)) throw badRequest(`${name} "${value}" is not a whole number`);
  const n = Number(value);
  if (n < min || !Number.isSafeInteger(n)) throw badRequest(`${name} must be at least ${min}`);
  return n;
}

function decimal(params: Params, name: string): number | undefined {
  const v = params.get(name);
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw badRequest(`${name} "${v}" is not a number`);
  return n;
}

function range(params: Params, i: number, type: string): NumberRange {
  const from = decimal(params, `from${i}`);
  const to = decimal(params, `to${i}`);
  if (from === undefined && to === undefined) throw badRequest(`${type} (criteriaType${i}) needs from${i}, to${i} or both`);
  if (from !== undefined && to !== undefined && from > to) throw badRequest(`from${i} (${from}) is after to${i} (${to})`);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** A search date: MM-DD-YYYY (v4), MM/DD/YYYY (the older portal) or ISO; impossible dates are a 400. */
function searchDate(params: Params, name: string): string | undefined {
  const v = params.get(name);
  if (v === undefined || v.trim() === '') return undefined;
  return parseDateParam(name, v, v.includes('/') ? 'MM/DD/YYYY' : 'MM-DD-YYYY');
}

const SORT_FIELDS: Record<string, SortField> = { collection: 'collection', subject: 'subject', study: 'studies', studies: 'studies', series: 'series' };

/** The criteria of a simple-search form (criteriaType<N> and their values). */
export function parseCriteria(params: Params): SearchCriteria {
  const criteria = emptyCriteria();
  let values = 0;
  for (let i = 0; params.has(`criteriaType${i}`); i++) {
    const raw = params.get(`criteriaType${i}`) as string;
    const type = canonicalType(raw);
    if (type === undefined) {
      throw badRequest(`criteriaType${i} "${raw}" is not a criteria type this server supports; use one of ${SUPPORTED_CRITERIA.join(', ')}`);
    }
    const listKey = LIST_CRITERIA[type];
    if (listKey !== undefined) {
      criteria[listKey].push(required(params, `value${i}`, type));
      if (++values > MAX_VALUES) throw badRequest(`a search may hold at most ${MAX_VALUES} criteria values`);
      continue;
    }
    switch (type) {
      case 'DateRangeCriteria': {
        const from = searchDate(params, `fromDate${i}`);
        const to = searchDate(params, `toDate${i}`);
        if (from === undefined && to === undefined) throw badRequest(`DateRangeCriteria (criteriaType${i}) needs fromDate${i}, toDate${i} or both (MM-DD-YYYY)`);
        if (from !== undefined && to !== undefined && from > to) throw badRequest(`fromDate${i} (${from}) is after toDate${i} (${to})`);
        criteria.studyDates.push({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
        break;
      }
      case 'PixelSpacingRangeCriteria':
        criteria.pixelSpacing = range(params, i, type);
        break;
      case 'SliceThicknessRangeCriteria':
        criteria.sliceThickness = range(params, i, type);
        break;
      case 'PhantomCriteria': {
        const v = yesNo(required(params, `value${i}`, type), `value${i}`);
        if (v === undefined) delete criteria.phantom;
        else criteria.phantom = v;
        break;
      }
      case 'ThirdPartyAnalysis': {
        const v = yesNo(required(params, `value${i}`, type), `value${i}`);
        if (v === undefined) delete criteria.thirdPartyAnalysis;
        else criteria.thirdPartyAnalysis = v;
        break;
      }
      case 'ModalityAndedSearchCriteria': {
        // tcia_utils sends "all"; "any" (or NO) keeps the usual OR of modalities.
        const v = required(params, `value${i}`, type).toLowerCase();
        criteria.modalityAnded = !['any', 'no', 'false'].includes(v);
        break;
      }
      case 'MinNumberOfStudiesCriteria':
        criteria.minStudies = wholeNumber(required(params, `value${i}`, type), `value${i}`, 0);
        break;
      case 'PatientAgeRangeCriteria':
        // from<N>/to<N> in years; the original needs both, one open end is accepted here.
        criteria.patientAge = range(params, i, type);
        break;
      case 'ExcludeCommercialCriteria': {
        // value YES leaves out non-commercial licences; NO (or ALL) leaves every series in.
        criteria.excludeCommercial = yesNo(required(params, `value${i}`, type), `value${i}`) === true;
        break;
      }
      case 'TimePointCriteria': {
        const eventType = params.get(`eventType${i}`)?.trim();
        if (eventType === undefined || eventType === '') throw badRequest(`TimePointCriteria (criteriaType${i}) needs eventType${i}, the LongitudinalTemporalEventType (e.g. BASELINE)`);
        const day = (name: string) => {
          const v = params.get(name);
          if (v === undefined || v.trim() === '') return undefined;
          if (!/^\s*-?\d+\s*$/.test(v)) throw badRequest(`${name} "${v}" is not a whole number of days`);
          return Number(v);
        };
        const fromDay = day(`fromDay${i}`);
        const toDay = day(`toDay${i}`);
        if (fromDay === undefined && toDay === undefined) throw badRequest(`TimePointCriteria (criteriaType${i}) needs fromDay${i}, toDay${i} or both`);
        if (fromDay !== undefined && toDay !== undefined && fromDay > toDay) throw badRequest(`fromDay${i} (${fromDay}) is after toDay${i} (${toDay})`);
        criteria.timePoints.push({ eventType, ...(fromDay !== undefined ? { fromDay } : {}), ...(toDay !== undefined ? { toDay } : {}) });
        break;
      }
      case 'MinNumberOfStudyDatesCriteria':
        criteria.minStudyDates = wholeNumber(required(params, `value${i}`, type), `value${i}`, 0);
        break;
    }
  }
  return criteria;
}

/** `start` (from 0) and `size` (undefined: no limit) of a paged search. */
export function parsePage(params: Params): { start: number; size: number | undefined } {
  const startText = params.get('start');
  const sizeText = params.get('size');
  return {
    start: startText === undefined || startText.trim() === '' ? 0 : wholeNumber(startText, 'start', 0),
    size: sizeText === undefined || sizeText.trim() === '' ? undefined : wholeNumber(sizeText, 'size', 0),
  };
}

/** `sortDirection`: ascending (the default) or descending, as sent and as a flag. */
export function parseSortDirection(params: Params): { text: string; ascending: boolean } {
  const text = params.get('sortDirection')?.trim() || 'ascending';
  const direction = text.toLowerCase();
  if (!['ascending', 'descending', 'asc', 'desc'].includes(direction)) throw badRequest(`sortDirection "${text}" is not ascending or descending`);
  return { text, ascending: direction.startsWith('asc') };
}

export function parseSearchForm(params: Params): SearchForm {
  const criteria = parseCriteria(params);
  const sortFieldText = params.get('sortField')?.trim() || 'subject';
  const sortField = SORT_FIELDS[sortFieldText.toLowerCase()];
  if (sortField === undefined) throw badRequest(`sortField "${sortFieldText}" is not one of subject, collection, studies, series`);
  const direction = parseSortDirection(params);
  return { criteria, sortField, sortFieldText, sortDirectionText: direction.text, ascending: direction.ascending, ...parsePage(params) };
}
