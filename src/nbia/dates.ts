// Dates in and out of the NBIA API. The index keeps dates as `YYYY-MM-DD` and timestamps as
// `YYYY-MM-DD HH:MM:SS.mmm` (UTC). Each family reads and writes its own forms (spec §4.9,
// §8; policy "Answers"); an impossible date is a 400, never rolled over into another day.
import { badRequest } from '../errors.js';

/** The input forms a date parameter may take. ISO `YYYY-MM-DD` is accepted everywhere. */
export type DateInput = 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'YYYY/MM/DD' | 'MM-DD-YYYY';

const PATTERNS: Record<DateInput, { re: RegExp; order: ['y' | 'm' | 'd', 'y' | 'm' | 'd', 'y' | 'm' | 'd'] }> = {
  'MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: ['m', 'd', 'y'] },
  'DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: ['d', 'm', 'y'] },
  'YYYY/MM/DD': { re: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, order: ['y', 'm', 'd'] },
  'MM-DD-YYYY': { re: /^(\d{1,2})-(\d{1,2})-(\d{4})$/, order: ['m', 'd', 'y'] },
};
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

function isoIfValid(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || y < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Parses a date parameter given in `form` (or ISO) to `YYYY-MM-DD`. A value that fits no
 * form, or names a day that does not exist (02/30/2024), is a 400 naming the parameter.
 */
export function parseDateParam(name: string, raw: string, form: DateInput): string {
  const value = raw.trim();
  const iso = ISO.exec(value);
  if (iso) {
    const r = isoIfValid(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    if (r) return r;
    throw badRequest(`${name} "${raw}" is not a real date`);
  }
  const { re, order } = PATTERNS[form];
  const m = re.exec(value);
  if (!m) throw badRequest(`${name} "${raw}" is not a date in the form ${form} (or YYYY-MM-DD)`);
  const parts = { y: 0, m: 0, d: 0 };
  order.forEach((k, i) => (parts[k] = Number(m[i + 1])));
  const r = isoIfValid(parts.y, parts.m, parts.d);
  if (!r) throw badRequest(`${name} "${raw}" is not a real date (read as ${form})`);
  return r;
}

/** The start of the day after `isoDate`, as an index timestamp: for "released after <date>". */
export function dayAfter(isoDate: string): string {
  const t = Date.parse(`${isoDate}T00:00:00Z`) + 86_400_000;
  return new Date(t).toISOString().slice(0, 10) + ' 00:00:00.000';
}

/** v1/v2: Java Timestamp.toString(), `yyyy-MM-dd HH:mm:ss.f` (fraction without trailing zeros, at least one digit). */
export function javaTimestamp(value: string | null): string | null {
  if (!value) return null;
  const [date, time = '00:00:00.000'] = value.split(' ');
  const [hms = '00:00:00', frac = '0'] = time.split('.');
  const f = frac.replace(/0+$/, '') || '0';
  return `${date} ${hms}.${f}`;
}

/** v4 and getSeriesMetaData's Study Date: `MM-dd-yyyy`. */
export function mmddyyyy(value: string | null): string | null {
  if (!value) return null;
  const [y, m, d] = value.slice(0, 10).split('-');
  return `${m}-${d}-${y}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** getSeriesMetaData's Java Date.toString(): `EEE MMM dd HH:mm:ss zzz yyyy`, in UTC. */
export function javaDateString(value: string | null): string | null {
  if (!value) return null;
  const t = toEpochMillis(value);
  if (t === null) return null;
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** Jackson-style dates of the advanced endpoints: epoch milliseconds. */
export function toEpochMillis(value: string | null): number | null {
  if (!value) return null;
  const iso = value.length <= 10 ? `${value}T00:00:00Z` : `${value.replace(' ', 'T')}Z`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}
