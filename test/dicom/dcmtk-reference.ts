// Reads the committed dcmtk output (test/fixtures/dicom/reference/, made by
// scripts/dicom-reference.sh) into one tree shape and derives, independently of the
// parser (only the attribute table comes from src/dicom), the value each indexed attribute
// should have and the reason a file dcmtk refuses must be refused with.
import fs from 'node:fs';
import path from 'node:path';
import type { Attribute } from '../../src/dicom/attributes.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/dicom');
export const FILES_DIR = path.join(FIXTURES, 'files');
export const REFERENCE_DIR = path.join(FIXTURES, 'reference');

/** One element as dcmtk saw it. `values` are as dcmtk printed them (strings or JSON numbers). */
export interface RefElement {
  vr: string;
  values: (string | number | null)[];
  items?: RefDataSet[];
}
export type RefDataSet = Map<string, RefElement>;

export type Reference =
  | { kind: 'dataset'; source: 'dcm2json' | 'dcmdump'; dataSet: RefDataSet }
  | { kind: 'error'; message: string };

// --- dcm2json ------------------------------------------------------------------------------

interface JsonElement {
  vr: string;
  Value?: unknown[];
}

/** A PN value object → the stored form: component groups joined by `=`. */
function personName(v: unknown): string | null {
  if (v === null || typeof v !== 'object') return null;
  const pn = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
  return [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=');
}

function fromJson(json: Record<string, JsonElement>): RefDataSet {
  const out: RefDataSet = new Map();
  for (const [tag, el] of Object.entries(json)) {
    const element: RefElement = { vr: el.vr, values: [] };
    if (el.vr === 'SQ') {
      element.items = (el.Value ?? []).map((item) => fromJson(item as Record<string, JsonElement>));
    } else if (el.vr === 'PN') {
      element.values = (el.Value ?? []).map(personName);
    } else {
      element.values = (el.Value ?? []).map((v) => (typeof v === 'number' || typeof v === 'string' ? v : null));
    }
    out.set(tag.toUpperCase(), element);
  }
  return out;
}

// --- dcmdump -------------------------------------------------------------------------------

/**
 * A dcmdump line: indentation, (gggg,eeee), VR, the printed value, then `# length, VM name`.
 * With +L the whole value is printed; string values are in brackets.
 */
const DUMP_LINE = /^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) (.*?) +# *(?:\d+|u\/l), *\d+ \S+$/;

/**
 * Parses dcmdump output read as latin1, so each character is one byte of the file. Values
 * come back decoded with `decode` (UTF-8 for +U8 dumps; a charset decoder for raw ones).
 */
function fromDump(text: string, decode: (bytes: Buffer, dataSet: RefDataSet, root: RefDataSet) => string): RefDataSet {
  const root: RefDataSet = new Map();
  const containers: RefDataSet[] = [root];
  const openSequences: RefElement[] = [];
  for (const line of text.split('\n')) {
    const m = DUMP_LINE.exec(line);
    if (!m) continue;
    const [, indent, group, elementNo, vr, printed] = m as unknown as [string, string, string, string, string, string];
    const tag = `${group}${elementNo}`.toUpperCase();
    if (tag === 'FFFEE000' && vr === 'pi') continue; // a pixel data fragment
    if (tag === 'FFFEE000') {
      // An item at indent 4d+2 opens data set d+1 of the sequence opened at depth d.
      const depth = (indent.length - 2) / 4;
      const item: RefDataSet = new Map();
      openSequences[depth]!.items!.push(item);
      containers[depth + 1] = item;
      continue;
    }
    if (tag === 'FFFEE00D' || tag === 'FFFEE0DD') continue;
    const depth = indent.length / 4;
    const element: RefElement = { vr, values: [] };
    if (vr === 'SQ') {
      element.items = [];
      openSequences[depth] = element;
    } else if (printed.startsWith('[') && printed.endsWith(']')) {
      const bytes = Buffer.from(printed.slice(1, -1), 'latin1');
      element.values = splitValues(decode(bytes, containers[depth]!, root), vr);
    } else if (!printed.startsWith('(')) {
      // Binary numbers (FD, US, ...) print bare, separated by `\`.
      element.values = printed.split('\\').map(Number);
    }
    containers[depth]!.set(tag, element);
  }
  return root;
}

function splitValues(text: string, vr: string): string[] {
  return ['LT', 'ST', 'UT', 'UR'].includes(vr) ? [text] : text.split('\\');
}

// --- the raw-byte dumps: ISO 2022 Japanese -----------------------------------------------------

const eucJp = new TextDecoder('euc-jp');

/**
 * Decodes text in the ISO 2022 Japanese character sets dcmtk (with glibc iconv) cannot
 * convert: ISO 2022 IR 6 / IR 13 (JIS X 0201) / IR 87 (JIS X 0208), per PS3.5 §6.1.2.5 and
 * Annex H. JIS X 0208 bytes are 7-bit row/cell pairs; EUC-JP is the same pairs with the high
 * bit set, so TextDecoder('euc-jp') turns them into Unicode. The code sets return to their
 * initial state at each PN component delimiter and value separator.
 */
export function decodeIso2022Japanese(bytes: Uint8Array, terms: string[]): string {
  const initialG1Katakana = terms[0] === 'ISO 2022 IR 13';
  let g0: 'ascii' | 'roman' | 'kanji' = 'ascii';
  let g1Katakana = initialG1Katakana;
  let out = '';
  let kanji: number[] = [];
  const flushKanji = (): void => {
    if (kanji.length > 0) out += eucJp.decode(Uint8Array.from(kanji.map((b) => b | 0x80)));
    kanji = [];
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x1b) {
      flushKanji();
      const seq = String.fromCharCode(...bytes.subarray(i + 1, i + 3));
      if (seq === '$B' || seq === '$@') g0 = 'kanji';
      else if (seq === '(B') g0 = 'ascii';
      else if (seq === '(J') g0 = 'roman';
      else if (seq === ')I') g1Katakana = true;
      else throw new Error(`unexpected escape sequence ESC ${seq}`);
      i += 2;
      continue;
    }
    if (g0 === 'kanji' && b >= 0x21 && b <= 0x7e) {
      kanji.push(b);
      continue;
    }
    flushKanji();
    if (b >= 0xa1 && b <= 0xdf && g1Katakana) {
      out += String.fromCharCode(0xff61 + (b - 0xa1));
    } else if (g0 === 'roman' && b === 0x5c) {
      out += '\u00a5';
    } else if (g0 === 'roman' && b === 0x7e) {
      out += '\u203e';
    } else {
      out += String.fromCharCode(b);
    }
    if (b === 0x5e || b === 0x3d || b === 0x5c || b === 0x0d || b === 0x0a) {
      g0 = 'ascii';
      g1Katakana = initialG1Katakana;
    }
  }
  flushKanji();
  return out;
}

function specificCharacterSet(dataSet: RefDataSet): string[] {
  const value = dataSet.get('00080005')?.values ?? [];
  return value.map((v) => String(v ?? '').trim());
}

// --- loading ---------------------------------------------------------------------------------

export function loadReference(name: string): Reference {
  const base = path.join(REFERENCE_DIR, name);
  if (fs.existsSync(`${base}.json`)) {
    const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as Record<string, JsonElement>;
    return { kind: 'dataset', source: 'dcm2json', dataSet: fromJson(json) };
  }
  if (fs.existsSync(`${base}.dump`)) {
    const text = fs.readFileSync(`${base}.dump`).toString('latin1');
    const firstLine = text.slice(0, text.indexOf('\n'));
    if (firstLine.includes('+U8')) {
      return { kind: 'dataset', source: 'dcmdump', dataSet: fromDump(text, (bytes) => bytes.toString('utf8')) };
    }
    if (!firstLine.includes('raw bytes')) throw new Error(`${name}.dump: unknown header line ${firstLine}`);
    // (0008,0005) precedes the text it applies to; an item's own value overrides the data set's.
    const decodeRaw = (bytes: Buffer, dataSet: RefDataSet, root: RefDataSet): string => {
      const own = specificCharacterSet(dataSet);
      const terms = own.length > 0 ? own : specificCharacterSet(root);
      if (!terms.some((t) => t === 'ISO 2022 IR 87' || t === 'ISO 2022 IR 13')) {
        if (bytes.some((b) => b >= 0x80 || b === 0x1b)) throw new Error(`${name}: no decoder for ${terms.join('\\')}`);
        return bytes.toString('latin1');
      }
      return decodeIso2022Japanese(bytes, terms);
    };
    return { kind: 'dataset', source: 'dcmdump', dataSet: fromDump(text, decodeRaw) };
  }
  if (fs.existsSync(`${base}.error`)) return { kind: 'error', message: fs.readFileSync(`${base}.error`, 'utf8').trim() };
  throw new Error(`no dcmtk reference for ${name}: run scripts/dicom-reference.sh`);
}

/** The element at a tag path (sequences entered at their first item), as dcmtk read it. */
export function referenceElement(dataSet: RefDataSet, tagPath: readonly string[]): RefElement | undefined {
  let current: RefDataSet | undefined = dataSet;
  for (let i = 0; i < tagPath.length - 1; i++) current = current?.get(tagPath[i]!)?.items?.[0];
  return current?.get(tagPath[tagPath.length - 1]!);
}

/** An indexed value: text, a number, or absent. */
export type Value = string | number | null;

// --- normalising dcmtk's values (independently of src/dicom) -----------------------------------

/** dcmtk drops insignificant spaces; trimming again is harmless for JSON and needed for dumps. */
export function textOf(v: string | number | null, vr: string): string {
  const s = v === null ? '' : String(v);
  return ['LT', 'ST', 'UT'].includes(vr) ? s.replace(/[ \0]+$/, '') : s.replace(/^ +/, '').replace(/[ \0]+$/, '');
}

/** Empty trailing component groups (`Wang^XiaoDong=王^小東=`) are insignificant; dcm2json drops them. */
export function personOf(v: string): string {
  return v.replace(/[ \0]+$/, '').replace(/=+$/, '');
}

/** A real calendar date in `YYYYMMDD` (or ACR-NEMA `YYYY.MM.DD`) → `YYYY-MM-DD`. */
function isoDate(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(text);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}

/** `HH[MM[SS[.F]]]` → `HH[:MM[:SS[.F]]]`, with the ranges of PS3.5 (SS up to 60: leap second). */
function isoTime(text: string): string | null {
  if (/^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/.test(text)) return text;
  if (!/^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(text)) return null;
  const parts = [text.slice(0, 2), text.slice(2, 4), text.slice(4)].filter((p) => p !== '');
  const [h, m, s] = parts.map((p) => Number.parseFloat(p));
  if (h! > 23 || (m !== undefined && m > 59) || (s !== undefined && s >= 61)) return null;
  return parts.join(':');
}

function firstText(el: RefElement): string {
  return textOf(el.values[0] ?? null, el.vr);
}

function numberOf(v: string | number | null | undefined, integer: boolean): number | null {
  if (typeof v === 'number') return v;
  const s = (v ?? '').trim();
  if (!(integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).test(s)) return null;
  return Number(s);
}

/** What the index should hold for `attribute`, derived from dcmtk's reading. */
export function expectedValue(attribute: Attribute, el: RefElement | undefined): Value {
  if (el === undefined || el.values.length === 0) return null;
  switch (attribute.kind) {
    case 'text': {
      const values = el.values.map((v) => textOf(v, el.vr));
      return values.some((v) => v !== '') ? values.join('\\') : null;
    }
    case 'person': {
      const values = el.values.map((v) => personOf(v === null ? '' : String(v)));
      return values.some((v) => v.replace(/[\^=]/g, '') !== '') ? values.join('\\') : null;
    }
    case 'date':
      return isoDate(firstText(el));
    case 'time':
      return isoTime(firstText(el));
    case 'int':
      return numberOf(el.values[0], true);
    case 'float':
      return numberOf(el.values[0], false);
  }
}

export function tagPath(attribute: Attribute): string[] {
  return typeof attribute.tag === 'string' ? [attribute.tag] : [...attribute.tag];
}

// --- files dcmtk cannot read ---------------------------------------------------------------------

/** dcmtk's wording for a stream that ends before an element does. */
const DCMTK_TRUNCATED = /premature end of stream|Invalid stream/;

/** Where our reason deliberately differs from what dcmtk's message suggests. */
const REASON_OVERRIDES: Record<string, { reason: RejectionReason; why: string }> = {
  'no_meta.dcm': {
    reason: 'not_dicom',
    why:
      'one stray byte precedes the data set, so the first "element" is (0820,0500) with a 173 MB length; dcmtk ' +
      'calls that a premature end of stream, but the bytes never were a readable DICOM stream',
  },
};


export type RejectionReason = 'not_dicom' | 'truncated' | 'unsupported';

/** The reason our parser (and so ingest) must give for a file dcmtk refused with `message`. */
export function expectedRejection(file: string, message: string): RejectionReason | undefined {
  return REASON_OVERRIDES[file]?.reason ?? (DCMTK_TRUNCATED.test(message) ? 'truncated' : undefined);
}

/** Numbers agree to 1e-9 relative (dcmtk prints FD with 17 digits, DS is decimal text); the rest exactly. */
export function sameValue(actual: Value, expected: Value): boolean {
  return typeof expected === 'number' && typeof actual === 'number'
    ? Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
    : actual === expected;
}

/** What the index should hold for `attribute` in a file dcmtk read as `dataSet`. */
export function referenceValue(attribute: Attribute, dataSet: RefDataSet): Value {
  return expectedValue(attribute, referenceElement(dataSet, tagPath(attribute)));
}
