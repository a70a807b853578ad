// QIDO-RS (PS3.18 10.6): the query parameters of a search read into an index search, and
// its rows written as DICOM JSON. Matching (PS3.4 C.2.2.2): single value (exact; person
// names ignoring case), UID lists, `*`/`?` wildcards (ignoring case), date and time ranges,
// and universal matching (an empty value: no condition, but the attribute is returned).
// Parameters that are neither a DICOM attribute nor a QIDO-RS parameter are a 400; a DICOM
// attribute the index does not hold is not matched and the answer says so in a Warning header.
import type { AccessScope } from '../archive/access.js';
import { qidoSearch, type ColumnMatch, type Match, type QidoRow } from '../archive/queries/qido.js';
import { badRequest } from '../errors.js';
import { allAttributes, attributeNamed, belongsTo, defaultAttributes, type QidoAttribute, type QueryLevel } from './attributes.js';
import { fromIndex, sortedByTag, type DicomJson } from './json.js';
import { isUid } from './uids.js';

/** Where a search happens: its level and the UIDs its path fixes. */
export interface SearchPath {
  level: QueryLevel;
  study?: string;
  series?: string;
}

export interface SearchAnswer {
  body: DicomJson[];
  /** PS3.18 8.3.5.1 warnings, one `299` header value each. */
  warnings: string[];
}

/** Most rows one search returns; a client pages past it with offset. */
export const MAX_LIMIT = 10000;

const CONTROL_PARAMETERS = new Set(['includefield', 'limit', 'offset', 'fuzzymatching']);

interface ParsedSearch {
  returned: QidoAttribute[];
  matches: ColumnMatch[];
  modalitiesInStudy?: Match;
  limit?: number;
  offset: number;
  warnings: string[];
}

function single(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw badRequest(`${name} is given ${value.length} times; give it once`);
    return String(value[0]);
  }
  return String(value);
}

function count(name: string, value: unknown): number {
  const text = single(name, value);
  if (!/^\d{1,9}$/.test(text)) throw badRequest(`${name} must be a whole number of 0 or more, not "${text}"`);
  return Number(text);
}

function dateValue(name: string, text: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw badRequest(`${name}: "${text}" is not a date as DICOM writes it (YYYYMMDD, or a range YYYYMMDD-YYYYMMDD)`);
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) {
    throw badRequest(`${name}: ${text} is not a date that exists`);
  }
  return `${y}-${mo}-${d}`;
}

/** `HH[MM[SS[.F{1,6}]]]` → the index's `HH:MM:SS.F` form; `upper` fills what is left out with its largest value. */
function timeValue(name: string, text: string, upper: boolean): string {
  const m = /^([01]\d|2[0-3])(?:([0-5]\d)(?:([0-5]\d)(?:\.(\d{1,6}))?)?)?$/.exec(text);
  if (!m) throw badRequest(`${name}: "${text}" is not a time as DICOM writes it (HHMMSS.FFFFFF, or a range)`);
  const [, h, mi, s, f] = m;
  const fill = (v: string | undefined, max: string) => v ?? (upper ? max : '00');
  let out = `${h}:${fill(mi, '59')}:${fill(s, '59')}`;
  if (f !== undefined) out += `.${f}`;
  else if (upper) out += '.999999';
  return out;
}

function rangeOf(name: string, text: string, read: (t: string, upper: boolean) => string): Match {
  if (!text.includes('-')) {
    const from = read(text, false);
    return { kind: 'range', from, to: read(text, true) };
  }
  const [from, to, ...rest] = text.split('-');
  if (rest.length > 0 || (from === '' && to === '')) throw badRequest(`${name}: "${text}" is not a range (FROM-TO, FROM- or -TO)`);
  return { kind: 'range', ...(from ? { from: read(from, false) } : {}), ...(to ? { to: read(to, true) } : {}) };
}

const hasWildcard = (text: string) => /[*?]/.test(text);

/** The match a parameter value asks for on one index attribute. */
export function matchFor(attribute: QidoAttribute, text: string): Match {
  const name = attribute.keyword;
  if (attribute.source.kind !== 'column') throw new Error(`${name} is not an index column`);
  const kind = attribute.source.value;
  if (attribute.vr === 'UI') {
    const uids = text.split(/[,\\]/);
    const bad = uids.find((u) => !isUid(u));
    if (bad !== undefined) throw badRequest(`${name}: "${bad}" is not a UID (digits and dots, at most 64 characters)`);
    return uids.length === 1 ? { kind: 'exact', value: uids[0]! } : { kind: 'any', values: uids };
  }
  switch (kind) {
    case 'date':
      // A date range that is one day is a day; dates are stored as whole days.
      return rangeOf(name, text, (t) => dateValue(name, t));
    case 'time':
      return rangeOf(name, text, (t, upper) => timeValue(name, t, upper));
    case 'int':
      if (!/^[+-]?\d{1,10}$/.test(text)) throw badRequest(`${name} must be a whole number, not "${text}"`);
      return { kind: 'exact', value: Number(text) };
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw badRequest(`${name} must be a number, not "${text}"`);
      return { kind: 'exact', value: n };
    }
    case 'person':
      return hasWildcard(text) ? { kind: 'wildcard', pattern: text } : { kind: 'exact', value: text, ignoreCase: true };
    case 'text':
      return hasWildcard(text) ? { kind: 'wildcard', pattern: text } : { kind: 'exact', value: text };
  }
}

function modalitiesMatch(text: string): Match {
  if (hasWildcard(text)) return { kind: 'wildcard', pattern: text };
  const values = text.split(/[,\\]/).filter((v) => v !== '');
  return values.length === 1 ? { kind: 'exact', value: values[0]! } : { kind: 'any', values };
}

function parseSearch(where: SearchPath, query: Record<string, unknown>): ParsedSearch {
  const returned = defaultAttributes(where.level, where.study !== undefined, where.series !== undefined);
  const parsed: ParsedSearch = { returned, matches: [], offset: 0, warnings: [] };
  const addReturned = (a: QidoAttribute) => {
    if (!returned.includes(a)) returned.push(a);
  };
  if (where.study !== undefined) parsed.matches.push({ ref: 'study.study_instance_uid', match: { kind: 'exact', value: where.study } });
  if (where.series !== undefined) parsed.matches.push({ ref: 'series.series_instance_uid', match: { kind: 'exact', value: where.series } });

  for (const [rawName, rawValue] of Object.entries(query)) {
    const lower = rawName.toLowerCase();
    if (lower === 'limit') {
      parsed.limit = Math.min(count('limit', rawValue), MAX_LIMIT);
      continue;
    }
    if (lower === 'offset') {
      parsed.offset = count('offset', rawValue);
      continue;
    }
    if (lower === 'fuzzymatching') {
      const v = single(rawName, rawValue).toLowerCase();
      if (v !== 'true' && v !== 'false') throw badRequest(`fuzzymatching must be true or false, not "${v}"`);
      if (v === 'true') parsed.warnings.push('fuzzymatching is not supported; names were matched as given');
      continue;
    }
    if (lower === 'includefield') {
      const names = (Array.isArray(rawValue) ? rawValue : [rawValue]).flatMap((v) => String(v).split(','));
      for (const name of names.map((n) => n.trim()).filter((n) => n !== '')) {
        if (name.toLowerCase() === 'all') {
          allAttributes(where.level).forEach(addReturned);
          continue;
        }
        const named = attributeNamed(name);
        if (!named) throw badRequest(`includefield: "${name}" is neither a DICOM keyword nor a tag (ggggeeee)`);
        if (!named.known) parsed.warnings.push(`${named.keyword} (${named.tag}) is not held in the index and is not returned`);
        else if (belongsTo(named.attribute, where.level)) addReturned(named.attribute);
      }
      continue;
    }
    if (CONTROL_PARAMETERS.has(lower)) continue;
    if (rawName.includes('.')) throw badRequest(`${rawName}: matching inside sequences is not supported`);
    const named = attributeNamed(rawName);
    if (!named) throw badRequest(`"${rawName}" is neither a QIDO-RS parameter, a DICOM keyword nor a tag (ggggeeee)`);
    const text = single(rawName, rawValue);
    if (!named.known) {
      if (text !== '' && text !== '*') parsed.warnings.push(`${named.keyword} (${named.tag}) is not held in the index; it was not matched`);
      continue;
    }
    const attribute = named.attribute;
    if (!belongsTo(attribute, where.level)) throw badRequest(`${attribute.keyword} cannot be matched in a ${where.level}-level search`);
    addReturned(attribute);
    if (text === '' || text === '*') continue; // universal matching
    if (attribute.source.kind === 'modalitiesInStudy') parsed.modalitiesInStudy = modalitiesMatch(text);
    else if (attribute.source.kind === 'column') parsed.matches.push({ ref: attribute.source.ref, match: matchFor(attribute, text) });
    else parsed.warnings.push(`${attribute.keyword} cannot be matched; it was ignored`);
  }
  return parsed;
}

/** The URL a row's RetrieveURL names: the WADO-RS resource of the row's level. */
function retrieveUrl(base: string, level: QueryLevel, row: QidoRow): string {
  let url = `${base}/studies/${row.studyInstanceUid}`;
  if (level === 'study') return url;
  url += `/series/${row.seriesInstanceUid}`;
  return level === 'series' ? url : `${url}/instances/${row.sopInstanceUid}`;
}

function rowJson(base: string, level: QueryLevel, returned: readonly QidoAttribute[], row: QidoRow): DicomJson {
  const out: DicomJson = {};
  for (const a of returned) {
    const s = a.source;
    switch (s.kind) {
      case 'column':
        out[a.tag] = fromIndex(a.vr, s.value, row.values[s.ref]);
        break;
      case 'modalitiesInStudy':
        out[a.tag] = row.modalities && row.modalities.length > 0 ? { vr: a.vr, Value: row.modalities } : { vr: a.vr };
        break;
      case 'studySeriesCount':
        out[a.tag] = { vr: a.vr, Value: [row.seriesCount ?? 0] };
        break;
      case 'studyInstanceCount':
      case 'seriesInstanceCount':
        out[a.tag] = { vr: a.vr, Value: [row.instanceCount ?? 0] };
        break;
      case 'retrieveUrl':
        out[a.tag] = { vr: a.vr, Value: [retrieveUrl(base, level, row)] };
        break;
    }
  }
  return sortedByTag(out);
}

/**
 * One QIDO-RS search: `query` is the request's query string as Fastify parsed it, `base`
 * the absolute URL of /dicomweb (RetrieveURLs are built on it).
 */
export async function search(scope: AccessScope, where: SearchPath, query: Record<string, unknown>, base: string): Promise<SearchAnswer> {
  const parsed = parseSearch(where, query);
  const columns = [...new Set(parsed.returned.flatMap((a) => (a.source.kind === 'column' ? [a.source.ref] : [])))];
  const rows = await qidoSearch(scope, {
    level: where.level,
    matches: parsed.matches,
    ...(parsed.modalitiesInStudy ? { modalitiesInStudy: parsed.modalitiesInStudy } : {}),
    columns,
    ...(parsed.limit !== undefined ? { limit: parsed.limit } : {}),
    offset: parsed.offset,
  });
  return { body: rows.map((r) => rowJson(base, where.level, parsed.returned, r)), warnings: parsed.warnings };
}
