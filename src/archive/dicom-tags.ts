// getDicomTags (spec §7.3): the attributes of the first image of a series, read from the
// stored file, as rows `element` "(0008,0060)", `name` "Modality", `data` "CT".
//
// The rows follow the original's layout because clients read it by position (tcia_utils'
// getSegRefSeries looks for the row `>(0008,114A)` followed by `>(0020,000E)`): file meta
// elements first, then the data set, in tag order; an element inside a sequence item
// carries one `>` per nesting level in `element`; a sequence is one row (data "2 items")
// before its items' rows and one row "End <name>" with the same `element` after them.
// Items are not separated by rows of their own, as in the original. Text values are
// decoded with the file's Specific Character Set and multi-values are joined with `\`;
// binary values (pixel data, OB/OW and the like, long numeric arrays) are summarised,
// never dumped.
//
// The file is read through the blob store, in growing prefixes, and parsing stops at
// Pixel Data, so a 500 MB multi-frame image costs one small read, not 500 MB.
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { DataSet, Element } from 'dicom-parser';
import { sql } from 'kysely';
import type { AccessScope } from './access.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { ApiError } from '../errors.js';

// Both packages ship CommonJS builds whose named exports Node's ESM loader cannot see; load
// them through require, typed from their own declarations (dicom-parser) or here.
const require = createRequire(import.meta.url);
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');
const dictionary = require('@iwharris/dicom-data-dictionary') as typeof import('@iwharris/dicom-data-dictionary');
const characterSets = require('dicom-character-set') as {
  convertBytes(specificCharacterSet: string | undefined, bytes: Uint8Array, options?: { vr?: string }): string;
};

export interface DicomTagRow {
  element: string;
  name: string;
  data: string;
}

export interface StoredImage {
  sopInstanceUid: string;
  blobKey: string;
  inPlace: boolean;
}

/**
 * The first image of a visible series: lowest InstanceNumber (images without one last),
 * then insertion order. Undefined when the series is unknown, not the viewer's, or empty.
 */
export async function firstImageOfSeries(scope: AccessScope, seriesInstanceUid: string): Promise<StoredImage | undefined> {
  const row = await scope
    .images()
    .where('series.series_instance_uid', '=', seriesInstanceUid)
    .select(['image.sop_instance_uid', 'image.blob_key', 'image.in_place'])
    .orderBy(sql`case when image.instance_number is null then 1 else 0 end`)
    .orderBy('image.instance_number')
    .orderBy('image.id')
    .executeTakeFirst();
  return row && { sopInstanceUid: row.sop_instance_uid, blobKey: row.blob_key, inPlace: Number(row.in_place) === 1 };
}

/** The first read; each further one is 8 times larger, up to the whole file. */
const FIRST_READ_BYTES = 1 << 20;
/** A file with no Pixel Data is read whole to find its end; refuse absurd ones rather than exhaust memory. */
const MAX_WHOLE_FILE_BYTES = 1 << 30;

/** The tag rows of one stored image. A missing or unreadable file is the server's fault: a 500 that says which. */
export async function readDicomTags(blobs: BlobStore, image: StoredImage): Promise<DicomTagRow[]> {
  return dicomTagRows(await readStoredDataSet(blobs, image));
}

/**
 * The data set of one stored image up to (not into) Pixel Data, read in growing prefixes.
 * Shared by getDicomTags and the DICOMweb metadata; a missing or unreadable file is a 500
 * that names the image.
 */
export async function readStoredDataSet(blobs: BlobStore, image: StoredImage): Promise<DataSet> {
  const stat = await blobs.stat(image.blobKey, image.inPlace);
  if (!stat) throw new ApiError('server_error', `the stored file of image ${image.sopInstanceUid} is missing from the file store`);
  let want = Math.min(stat.size, FIRST_READ_BYTES);
  for (;;) {
    const complete = want >= stat.size;
    if (complete && stat.size > MAX_WHOLE_FILE_BYTES) {
      throw new ApiError('server_error', `image ${image.sopInstanceUid} has no Pixel Data in its first bytes and is too large (${stat.size} bytes) to list`);
    }
    const bytes = await readPrefix(blobs.openRead(image.blobKey, image.inPlace, { start: 0, end: want - 1 }));
    let dataSet: DataSet | null;
    try {
      dataSet = tryDataSet(bytes, complete);
    } catch (err) {
      throw new ApiError('server_error', `the stored file of image ${image.sopInstanceUid} cannot be read as DICOM (${(err as Error).message})`);
    }
    if (dataSet) return dataSet;
    want = Math.min(stat.size, want * 8);
  }
}

async function readPrefix(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The rows of a Part 10 file held in `bytes`. `complete` says whether `bytes` is the whole
 * file; a prefix only answers when parsing reached Pixel Data inside it (everything before
 * it was then read whole), otherwise null asks for more bytes. A whole file that cannot
 * be parsed throws.
 */
export function tryDicomTagRows(bytes: Uint8Array, complete: boolean): DicomTagRow[] | null {
  const dataSet = tryDataSet(bytes, complete);
  return dataSet && dicomTagRows(dataSet);
}

function tryDataSet(bytes: Uint8Array, complete: boolean): DataSet | null {
  let dataSet: DataSet;
  try {
    dataSet = parse(bytes);
  } catch (err) {
    if (complete) throw new Error(`not a readable DICOM file: ${parserMessage(err)}`, { cause: err });
    return null;
  }
  const pixelData = dataSet.elements.x7fe00010;
  const reachedPixelData = pixelData !== undefined && pixelData.dataOffset <= bytes.length;
  if (!complete && !reachedPixelData) return null;
  return dataSet;
}

/** Explicit or implicit VR per the file meta; VRs of implicit files come from the dictionary. */
function parse(bytes: Uint8Array): DataSet {
  const options = { untilTag: 'x7fe00010', vrCallback: implicitVr };
  try {
    const dataSet = dicomParser.parseDicom(bytes, options as Parameters<typeof dicomParser.parseDicom>[1]);
    // For Deflated Explicit VR, dicom-parser reads the inflated data set from the start of the
    // file, preamble and all, and adds what it finds there as elements: drop everything
    // before the end of the file meta information that is not file meta information.
    const dataSetStart = (dicomParser.readPart10Header(bytes) as DataSet & { position: number }).position;
    for (const [key, element] of Object.entries(dataSet.elements)) {
      if (!key.startsWith('x0002') && element.dataOffset < dataSetStart) delete dataSet.elements[key];
    }
    return dataSet;
  } catch (err) {
    // A bare data set without the Part 10 preamble: read it as Implicit VR Little Endian, the
    // default. Any bytes "parse" that way, so it only counts as DICOM when it yields a SOP
    // Instance UID and no element runs past the end.
    if (!parserMessage(err).includes('DICM prefix not found')) throw err;
    const bare = dicomParser.parseDicom(bytes, { ...options, TransferSyntaxUID: '1.2.840.10008.1.2' } as Parameters<typeof dicomParser.parseDicom>[1]);
    // The parser adds a stand-in Transfer Syntax element that is not in the file.
    delete bare.elements.x00020010;
    const plausible =
      bare.elements.x00080018 !== undefined &&
      Object.values(bare.elements).every((e) => e.hadUndefinedLength || e.dataOffset + e.length <= bytes.length);
    if (!plausible) throw err;
    return bare;
  }
}

function parserMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  const inner = (err as { exception?: unknown } | null)?.exception;
  return inner !== undefined ? parserMessage(inner) : String(err);
}

/** dicom-parser tags are `xggggeeee`. */
function tagNumber(tag: string): number {
  return Number.parseInt(tag.slice(1), 16);
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** `(GGGG,EEEE)`, upper-case hex, as the original prints tags. */
export function formatTag(tag: number): string {
  return `(${hex4(tag >>> 16)},${hex4(tag & 0xffff)})`;
}

/** The VR an Implicit VR file leaves out, from the dictionary (undefined for private and unknown tags). */
export function implicitVr(tag: string): string | undefined {
  const t = tagNumber(tag);
  if ((t & 0xffff) === 0) return 'UL';
  const group = t >>> 16;
  if (group % 2 === 1) return (t & 0xffff) >= 0x10 && (t & 0xffff) <= 0xff ? 'LO' : undefined;
  const vr = lookup(t)?.vr;
  if (!vr || vr === 'See Note' || vr === '') return undefined;
  // PS3.5 A.1: in Implicit VR, Pixel Data and the other "OB or OW" elements are OW.
  if (vr === 'OB or OW') return 'OW';
  return vr.split(' or ')[0];
}

// ---------------------------------------------------------------------------------------
// Names

/** Group 0002 (PS3.10 7.1): the dictionary package leaves the file meta elements out. */
const FILE_META_NAMES: Record<number, string> = {
  0x00020000: 'File Meta Information Group Length',
  0x00020001: 'File Meta Information Version',
  0x00020002: 'Media Storage SOP Class UID',
  0x00020003: 'Media Storage SOP Instance UID',
  0x00020010: 'Transfer Syntax UID',
  0x00020012: 'Implementation Class UID',
  0x00020013: 'Implementation Version Name',
  0x00020016: 'Source Application Entity Title',
  0x00020017: 'Sending Application Entity Title',
  0x00020018: 'Receiving Application Entity Title',
  0x00020026: 'Source Presentation Address',
  0x00020027: 'Sending Presentation Address',
  0x00020028: 'Receiving Presentation Address',
  0x00020031: 'RTV Meta Information Version',
  0x00020032: 'RTV Communication SOP Class UID',
  0x00020033: 'RTV Communication SOP Instance UID',
  0x00020035: 'RTV Source Identifier',
  0x00020036: 'RTV Flow Identifier',
  0x00020037: 'RTV Flow RTP Sampling Rate',
  0x00020038: 'RTV Flow Actual Frame Duration',
  0x00020100: 'Private Information Creator UID',
  0x00020102: 'Private Information',
};

type DictionaryEntry = NonNullable<ReturnType<typeof dictionary.get_element>>;

/** Repeating groups and elements of the dictionary, `(60xx,3000)` and the like, as patterns. */
let repeating: Array<{ pattern: RegExp; entry: DictionaryEntry }> | undefined;

function lookup(tag: number): DictionaryEntry | undefined {
  const key = formatTag(tag);
  const exact = dictionary.elements[key];
  if (exact) return exact;
  repeating ??= Object.entries(dictionary.elements)
    .filter(([k]) => /x/i.test(k))
    .map(([k, entry]) => ({ pattern: new RegExp(`^${k.replace(/[()]/g, '\\$&').replace(/x/gi, '[0-9A-F]')}$`), entry }));
  return repeating.find((r) => r.pattern.test(key))?.entry;
}

export function tagName(tag: number): string {
  const meta = FILE_META_NAMES[tag];
  if (meta) return meta;
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (element === 0) return 'Group Length';
  if (group % 2 === 1) return element >= 0x10 && element <= 0xff ? 'Private Creator' : 'Private Tag';
  const entry = lookup(tag);
  return entry ? plainName(entry.name) : '';
}

/** The dictionary keeps PS3.6's HTML escapes ("Patient&#x27;s Name"); names go out as plain text. */
function plainName(name: string): string {
  return name
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------------------------------
// Values

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
/** Text VRs holding one value in which `\` is ordinary text; leading spaces count. */
const SINGLE_TEXT_VRS = new Set(['LT', 'ST', 'UT', 'UR']);
/** Text VRs that Specific Character Set applies to (the rest are ASCII by definition). */
const CHARSET_VRS = new Set(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN']);
const NUMBER_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };

/** Binary values up to this size are shown as hex bytes; larger ones are summarised. */
const SHOWN_BINARY_BYTES = 16;
/** Numeric values shown before the rest is summarised (LUTs can hold thousands). */
const SHOWN_NUMBERS = 64;
/** Text longer than this is cut (a contour's DS list can run to megabytes). */
const SHOWN_TEXT_CHARS = 4096;

interface Walk {
  /** Specific Character Set (0008,0005) of the top-level data set, as stored. */
  charset: string | undefined;
  rows: DicomTagRow[];
}

/** All rows of a parsed file (file meta elements sort first: group 0002). */
export function dicomTagRows(dataSet: DataSet): DicomTagRow[] {
  const charsetElement = dataSet.elements.x00080005;
  const charset = charsetElement ? rawText(dataSet, charsetElement, 'ascii').trim() : undefined;
  const walk: Walk = { charset: charset === '' ? undefined : charset, rows: [] };
  addRows(walk, dataSet, '');
  return walk.rows;
}

function addRows(walk: Walk, dataSet: DataSet, prefix: string): void {
  const tags = Object.keys(dataSet.elements)
    .map((key) => ({ key, tag: tagNumber(key) }))
    // Item and delimitation tags are structure, not attributes.
    .filter(({ tag }) => tag >>> 16 !== 0xfffe)
    .sort((a, b) => a.tag - b.tag);
  for (const { key, tag } of tags) {
    const element = dataSet.elements[key] as Element;
    const label = prefix + formatTag(tag);
    const name = tagName(tag);
    if (element.items !== undefined || element.vr === 'SQ') {
      const items = element.items ?? [];
      walk.rows.push({ element: label, name, data: `${items.length} item${items.length === 1 ? '' : 's'}` });
      for (const item of items) if (item.dataSet) addRows(walk, item.dataSet, `${prefix}>`);
      walk.rows.push({ element: label, name: `End ${name}`, data: '' });
      continue;
    }
    walk.rows.push({ element: label, name, data: valueText(walk, dataSet, element, tag) });
  }
}

function valueText(walk: Walk, dataSet: DataSet, element: Element, tag: number): string {
  const vr = element.vr ?? 'UN';
  if (tag === 0x7fe00010) {
    return element.hadUndefinedLength ? '<encapsulated pixel data>' : `<pixel data, ${element.length} bytes>`;
  }
  if (element.hadUndefinedLength) return '<binary data of undefined length>';
  if (element.length === 0) return '';
  if (element.dataOffset + element.length > dataSet.byteArray.length) return `<value of ${element.length} bytes beyond the end of the file>`;
  if (TEXT_VRS.has(vr)) return capText(textValue(walk, dataSet, element, vr));
  const size = NUMBER_SIZE[vr];
  if (size !== undefined) return numberValues(dataSet, element, vr, size);
  return binaryValue(dataSet, element, vr);
}

function bytesOf(dataSet: DataSet, element: Element): Uint8Array {
  return dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
}

function rawText(dataSet: DataSet, element: Element, encoding: 'ascii' | 'latin1'): string {
  return Buffer.from(bytesOf(dataSet, element)).toString(encoding === 'ascii' ? 'latin1' : encoding);
}

function textValue(walk: Walk, dataSet: DataSet, element: Element, vr: string): string {
  return elementText(dataSet, element, vr, walk.charset);
}

/**
 * The text of a string-VR element, decoded with the data set's Specific Character Set
 * (`charset`, as stored) where that applies, padding removed; multiple values stay joined
 * with `\`.
 */
export function elementText(dataSet: DataSet, element: Element, vr: string, charset: string | undefined): string {
  let text: string;
  if (CHARSET_VRS.has(vr) && charset !== undefined) {
    try {
      text = characterSets.convertBytes(charset, bytesOf(dataSet, element), { vr });
    } catch {
      // An unknown Specific Character Set: show the bytes as Latin-1 rather than fail the listing.
      text = rawText(dataSet, element, 'latin1');
    }
  } else {
    text = CHARSET_VRS.has(vr) ? Buffer.from(bytesOf(dataSet, element)).toString('latin1') : rawText(dataSet, element, 'ascii');
  }
  // Padding: NUL for UI, space for the others; leading spaces only matter in LT/ST/UT/UR.
  if (SINGLE_TEXT_VRS.has(vr)) return text.replace(/[\0 ]+$/, '');
  return text
    .split('\\')
    .map((v) => v.replace(/^[\0 ]+|[\0 ]+$/g, ''))
    .join('\\');
}

function capText(text: string): string {
  return text.length <= SHOWN_TEXT_CHARS ? text : `${text.slice(0, SHOWN_TEXT_CHARS)}... (${text.length} characters in all)`;
}

function numberValues(dataSet: DataSet, element: Element, vr: string, size: number): string {
  const count = Math.floor(element.length / size);
  const bytes = bytesOf(dataSet, element);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = (element.parser ?? dataSet.byteArrayParser) !== dicomParser.bigEndianByteArrayParser;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(count, SHOWN_NUMBERS); i++) {
    const at = i * size;
    switch (vr) {
      case 'US': shown.push(String(view.getUint16(at, little))); break;
      case 'SS': shown.push(String(view.getInt16(at, little))); break;
      case 'UL': shown.push(String(view.getUint32(at, little))); break;
      case 'SL': shown.push(String(view.getInt32(at, little))); break;
      // A float32 with the 9 significant digits that identify it, not float64's noise digits.
      case 'FL': shown.push(String(Number(view.getFloat32(at, little).toPrecision(9)))); break;
      case 'FD': shown.push(String(view.getFloat64(at, little))); break;
      case 'SV': shown.push(view.getBigInt64(at, little).toString()); break;
      case 'UV': shown.push(view.getBigUint64(at, little).toString()); break;
      case 'AT': shown.push(formatTag(((view.getUint16(at, little) << 16) | view.getUint16(at + 2, little)) >>> 0)); break;
    }
  }
  const text = shown.join('\\');
  return count > SHOWN_NUMBERS ? `${text}\\... (${count} values in all)` : text;
}

/** Short binary values as hex bytes; longer ones summarised. Unknown-VR values that are plainly text are shown as text. */
function binaryValue(dataSet: DataSet, element: Element, vr: string): string {
  const bytes = bytesOf(dataSet, element);
  if (vr === 'UN' || !BINARY_VRS.has(vr)) {
    // Private attributes of Implicit VR files arrive without a VR; most of them are text.
    const text = Buffer.from(bytes).toString('latin1').replace(/[\0 ]+$/, '');
    if (bytes.length <= SHOWN_TEXT_CHARS && /^[\x20-\x7e\t\r\n]*$/.test(text)) return text;
  }
  if (bytes.length <= SHOWN_BINARY_BYTES) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('\\');
  }
  return `<binary data, ${bytes.length} bytes>`;
}
