// Reads the committed dcmtk output (test/fixtures/dicom/reference/, made by
// scripts/dicom-reference.sh) into one tree shape and derives, independently of
// src/dicom, the value each indexed attribute should have.
import fs from 'node:fs';
import path from 'node:path';

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
