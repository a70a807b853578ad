// The "released since" parameters of getUpdatedSeries, NewPatientsInCollection and
// NewStudiesInPatientCollection, read in each family's documented form (policy "Answers";
// clients.md E3) and turned into the lower bound of date_released.
import { startOfDay } from '../../archive/queries/filters.js';
import { badRequest } from '../../errors.js';
import { dayAfter, parseDateParam, type DateInput } from '../dates.js';
import type { Family } from '../families.js';
import type { Params } from '../params.js';

/** getUpdatedSeries' `fromDate`: v1 MM/DD/YYYY (tcia_utils 1.x), v2 DD/MM/YYYY (tcia_utils 2.x, nbiatoolkit), v4 MM-DD-YYYY. */
const UPDATED_FORM: Record<Exclude<Family, 'advanced'>, DateInput> = { v1: 'MM/DD/YYYY', v2: 'DD/MM/YYYY', v4: 'MM-DD-YYYY' };

/**
 * getUpdatedSeries: series released strictly after the given day (spec §5.11, §8), i.e. from
 * the start of the next day. Absent or empty → the original's default, 1900-01-01; series
 * never released (date_released null) are never listed.
 */
export function updatedSeriesFrom(family: Family, params: Params): string {
  const raw = params.get('fromDate');
  const form = family === 'advanced' ? 'MM-DD-YYYY' : UPDATED_FORM[family];
  const day = raw === undefined || raw.trim() === '' ? '1900-01-01' : parseDateParam('fromDate', raw, form);
  return startOfDay(dayAfter(day));
}

/**
 * v1/v2 NewPatientsInCollection / NewStudiesInPatientCollection: `Date=YYYY/MM/DD` (required by
 * the endpoint definition); series released strictly after that day (spec §5.7: `date_released > Date`).
 * We count "after the day" from the next midnight, so a series released during the given day
 * is not new — the reading the brief and the function name give "strictly after the given day".
 */
export function newSinceV1V2(params: Params): string {
  return startOfDay(dayAfter(parseDateParam('Date', params.require('Date'), 'YYYY/MM/DD')));
}

/**
 * v4 New*: `fromDate=MM-DD-YYYY` (what tcia_utils 3.x sends); `Date` is accepted as an alias
 * (some builds of the original v4 read `Date`), in MM-DD-YYYY or YYYY/MM/DD. Spec §8 gives
 * these `>=`: series released on the given day or later.
 */
export function newSinceV4(params: Params): string {
  const name = params.has('fromDate') ? 'fromDate' : params.has('Date') ? 'Date' : undefined;
  const collectionMissing = !params.has('Collection');
  if (name === undefined) throw badRequest(collectionMissing ? 'Collection and fromDate are required' : 'fromDate is required');
  if (collectionMissing) throw badRequest('Collection is required');
  const raw = params.get(name) as string;
  const form: DateInput = /^\s*\d{4}\//.test(raw) ? 'YYYY/MM/DD' : 'MM-DD-YYYY';
  return startOfDay(parseDateParam(name, raw, form));
}
