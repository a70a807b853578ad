// Turning the bytes of one element into the value the index stores, per attribute kind.
// Rules (PS3.5 §6.2): string values are padded to even length with a space (UI: NUL);
// leading spaces are insignificant except in ST/LT/UT; a backslash separates values except
// in ST/LT/UT/UR. Text in SH/LO/ST/LT/UT/UC/PN is encoded per Specific Character Set.
import { convertBytes } from 'dicom-character-set';
import type { AttributeKind } from './attributes.js';
import { BINARY_NUMBER_VRS, CHARSET_VRS, UNSPLIT_TEXT_VRS } from './vr.js';

/** Reads numbers in the data set's byte order (dicom-parser's ByteArrayParser). */
export interface NumberReader {
  readUint16(bytes: Uint8Array, position: number): number;
  readInt16(bytes: Uint8Array, position: number): number;
  readUint32(bytes: Uint8Array, position: number): number;
  readInt32(bytes: Uint8Array, position: number): number;
  readFloat(bytes: Uint8Array, position: number): number;
  readDouble(bytes: Uint8Array, position: number): number;
}

/** One element's value bytes and what is needed to read them. */
export interface RawValue {
  bytes: Buffer;
  start: number;
  length: number;
  vr: string;
  charset: CharacterSet;
  reader: NumberReader;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

/** Specific Character Set (0008,0005) as dicom-character-set understands it. */
export interface CharacterSet {
  /** The normalised (0008,0005) value, or undefined for the default repertoire. */
  term: string | undefined;
  /** False when dicom-character-set does not know a term: decode leniently instead. */
  known: boolean;
  /** ISO_IR 13 (JIS X 0201) maps even ASCII bytes differently, so no ASCII shortcut. */
  asciiIsAscii: boolean;
}

export const DEFAULT_CHARACTER_SET: CharacterSet = { term: undefined, known: true, asciiIsAscii: true };

const charsetCache = new Map<string, CharacterSet>();

/** Common misspellings seen in the wild, mapped to the defined term. */
function normaliseTerm(term: string): string {
  const t = term.trim().toUpperCase();
  if (t === 'UTF-8' || t === 'UTF8' || t === 'ISO-IR 192' || t === 'ISO_IR_192') return 'ISO_IR 192';
  if (t === 'GB18030' || t === 'GBK' || t === '') return t;
  // ISO_IR_100, ISO-IR 100, ISO IR 100 → ISO_IR 100; ISO 2022 IR 87 stays as it is.
  const single = /^ISO[ _-]?IR[ _-]?(\d+)$/.exec(t);
  if (single) return `ISO_IR ${single[1]}`;
  const extended = /^ISO[ _-]?2022[ _-]?IR[ _-]?(\d+)$/.exec(t);
  if (extended) return `ISO 2022 IR ${extended[1]}`;
  return t;
}

/** Parses (0008,0005)'s value (its raw ASCII text); cached, as files share a handful of values. */
export function characterSetOf(value: string | undefined): CharacterSet {
  if (value === undefined) return DEFAULT_CHARACTER_SET;
  let cs = charsetCache.get(value);
  if (cs !== undefined) return cs;
  const terms = value.split('\\').map(normaliseTerm);
  while (terms.length > 1 && terms[terms.length - 1] === '') terms.pop();
  const term = terms.length === 1 && (terms[0] === '' || terms[0] === 'ISO_IR 6') ? undefined : terms.join('\\');
  let known = true;
  if (term !== undefined) {
    try {
      convertBytes(term, new Uint8Array(0));
    } catch {
      known = false;
    }
  }
  cs = { term, known, asciiIsAscii: !terms.includes('ISO_IR 13') };
  if (charsetCache.size < 1000) charsetCache.set(value, cs);
  return cs;
}

function isPlainAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80 || b === 0x1b) return false;
  }
  return true;
}

function latin1(bytes: Buffer, start: number, end: number): string {
  // Buffer's latin1 slice is the fastest bytes→string path for ASCII.
  return bytes.toString('latin1', start, end);
}

/** Decodes one element's text per character set; never throws. */
export function decodeText(raw: RawValue): string {
  const { bytes, start, vr, charset } = raw;
  const end = start + raw.length;
  if ((charset.asciiIsAscii || !CHARSET_VRS.has(vr)) && isPlainAscii(bytes, start, end)) return latin1(bytes, start, end);
  if (!CHARSET_VRS.has(vr)) return windows1252.decode(bytes.subarray(start, end));
  const value = bytes.subarray(start, end);
  if (charset.term !== undefined && charset.known) {
    try {
      return convertBytes(charset.term, value, { vr });
    } catch {
      // A byte sequence the declared character set rejects: fall through to the lenient path.
    }
  }
  // Default repertoire (or an unknown term) yet 8-bit bytes: writers that omit (0008,0005)
  // mostly write UTF-8 or Latin-1; try UTF-8 strictly, else Latin-1 (as windows-1252).
  try {
    return utf8.decode(value);
  } catch {
    return windows1252.decode(value);
  }
}

/** Trailing padding: spaces and NULs (UI pads with NUL, some writers pad anything with NUL). */
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x00) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

function trimBoth(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) === 0x20) start++;
  return trimEnd(start === 0 ? text : text.slice(start));
}

/** The values of a string element, each without its insignificant padding. */
function stringValues(raw: RawValue, keepLeadingSpaces: boolean): string[] {
  const text = decodeText(raw);
  const trim = keepLeadingSpaces ? trimEnd : trimBoth;
  if (UNSPLIT_TEXT_VRS.has(raw.vr)) return [trim(text)];
  return text.split('\\').map(trim);
}

function binaryNumbers(raw: RawValue): number[] {
  const size = BINARY_NUMBER_VRS[raw.vr]!;
  const count = Math.floor(raw.length / size);
  const out: number[] = [];
  const { reader, bytes, start } = raw;
  for (let i = 0; i < count; i++) {
    const at = start + i * size;
    switch (raw.vr) {
      case 'US': out.push(reader.readUint16(bytes, at)); break;
      case 'SS': out.push(reader.readInt16(bytes, at)); break;
      case 'UL': out.push(reader.readUint32(bytes, at)); break;
      case 'SL': out.push(reader.readInt32(bytes, at)); break;
      case 'FL': out.push(reader.readFloat(bytes, at)); break;
      default: out.push(reader.readDouble(bytes, at));
    }
  }
  return out;
}

/** Joins values with `\`; null when there is no non-empty value at all. */
function joined(values: string[]): string | null {
  return values.some((v) => v !== '') ? values.join('\\') : null;
}

const DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** ACR-NEMA's `YYYY.MM.DD`, still found in old files. */
const LEGACY_DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;

/** DA → `YYYY-MM-DD`, or null if it is not a real calendar date. */
export function dateValue(text: string): string | null {
  const m = DATE.exec(text) ?? LEGACY_DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return null;
  if (day > daysInMonth(year, month)) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** TM `HH[MM[SS[.F{1,6}]]]` (or ACR-NEMA `HH:MM[:SS[.F]]`) → `HH[:MM[:SS[.F]]]`, or null. */
export function timeValue(text: string): string | null {
  const m = /^(\d{2})(?:(\d{2})(?:(\d{2})(\.\d{1,6})?)?)?$/.exec(text) ?? /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/.exec(text);
  if (!m) return null;
  const [hh, mm, ss, frac] = [m[1]!, m[2], m[3], m[4]];
  if (Number(hh) > 23 || (mm !== undefined && Number(mm) > 59) || (ss !== undefined && Number(ss) > 60)) return null;
  let out = hh;
  if (mm !== undefined) out += `:${mm}`;
  if (ss !== undefined) out += `:${ss}${frac ?? ''}`;
  return out;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** IS: an integer string within the IS range (±2^31). */
export function integerValue(text: string): number | null {
  if (!INTEGER.test(text)) return null;
  const n = Number(text);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : null;
}

/** DS: a decimal string, finite. */
export function decimalValue(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** The value stored for one attribute of the given kind; null when empty or unreadable. */
export function valueOf(kind: AttributeKind, raw: RawValue): string | number | null {
  if (raw.length === 0) return null;
  const binary = BINARY_NUMBER_VRS[raw.vr] !== undefined;
  switch (kind) {
    case 'text':
      return binary ? joined(binaryNumbers(raw).map(String)) : joined(stringValues(raw, UNSPLIT_TEXT_VRS.has(raw.vr)));
    case 'person':
      // PN keeps leading spaces as stored; only the trailing padding of each value goes. A
      // value of nothing but delimiters (`^^^^`, as some writers fill an unknown name) is empty.
      return joined(stringValues(raw, true).map((v) => (/^[\^= ]*$/.test(v) ? '' : v)));
    case 'date':
      return dateValue(stringValues(raw, false)[0]!);
    case 'time':
      return timeValue(stringValues(raw, false)[0]!);
    case 'int': {
      if (binary) {
        const n = binaryNumbers(raw)[0];
        return n !== undefined && Number.isInteger(n) ? n : null;
      }
      return integerValue(stringValues(raw, false)[0]!);
    }
    case 'float': {
      if (binary) {
        const n = binaryNumbers(raw)[0];
        return n !== undefined && Number.isFinite(n) ? n : null;
      }
      return decimalValue(stringValues(raw, false)[0]!);
    }
  }
}
