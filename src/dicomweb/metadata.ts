// WADO-RS metadata (PS3.18 10.4.1.1.2): each instance's data set as DICOM JSON, read from
// the stored file up to Pixel Data (the same read as getDicomTags: src/archive/dicom-tags.ts).
// The file meta group and group lengths are left out, as PS3.18 F.2 asks. Pixel Data and
// binary values larger than BULK_THRESHOLD bytes become BulkDataURIs that bulkdata.ts serves;
// smaller binary values are InlineBinary (base64). Text is decoded with the data set's
// Specific Character Set (a sequence item may carry its own) and goes out as Unicode.
import { createRequire } from 'node:module';
import type { DataSet, Element } from 'dicom-parser';
import { elementText, implicitVr } from '../archive/dicom-tags.js';
import { IMPLICIT_VR_LITTLE_ENDIAN } from '../dicom/transfer-syntax.js';
import { personName, sortedByTag, type DicomJson, type JsonAttribute, type JsonValue } from './json.js';

const require = createRequire(import.meta.url);
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');
const dictionary = require('@iwharris/dicom-data-dictionary') as typeof import('@iwharris/dicom-data-dictionary');

/** Binary values up to this many bytes are inlined; longer ones are bulk data. */
export const BULK_THRESHOLD = 1024;

const PIXEL_DATA_TAGS = new Set(['7FE00010', '7FE00008', '7FE00009']);
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
/** Text VRs whose value is one string in which `\` is ordinary text. */
const SINGLE_TEXT_VRS = new Set(['LT', 'ST', 'UT', 'UR']);
const NUMBER_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };

/** `x0020000d` (dicom-parser's key) → `0020000D`. */
export const jsonTag = (key: string) => key.slice(1).toUpperCase();

/**
 * The VR of an element: its own (explicit VR files), else the dictionary's, else UN. Where
 * the dictionary allows US or SS (pixel value attributes), Pixel Representation decides,
 * as PS3.5 A.1 says for implicit VR.
 */
export function vrOf(key: string, element: Element, file: FileTraits): string {
  if (element.items !== undefined && element.vr === undefined) return 'SQ';
  // In implicit VR files the parser fills in the dictionary's first choice.
  const vr = element.vr ?? (key === 'x7fe00010' ? (element.encapsulatedPixelData || element.hadUndefinedLength ? 'OB' : 'OW') : (implicitVr(key) ?? 'UN'));
  if (file.implicit && vr === 'US' && file.signedPixels && dictionaryVr(key) === 'US or SS') return 'SS';
  return vr;
}

/** What the whole file decides for every element in it. */
export interface FileTraits {
  /** Implicit VR: the VRs are the dictionary's, not the file's. */
  implicit: boolean;
  /** Pixel Representation is 1: the "US or SS" attributes are SS. */
  signedPixels: boolean;
}

function traitsOf(dataSet: DataSet): FileTraits {
  const ts = dataSet.string('x00020010');
  return { implicit: ts === undefined || ts === IMPLICIT_VR_LITTLE_ENDIAN, signedPixels: dataSet.uint16('x00280103') === 1 };
}

function dictionaryVr(key: string): string | undefined {
  const tag = jsonTag(key);
  return dictionary.elements[`(${tag.slice(0, 4)},${tag.slice(4)})`]?.vr;
}

/** The charset a data set's text is decoded with: its own (0008,0005), else the enclosing one's. */
function charsetOf(dataSet: DataSet, inherited: string | undefined): string | undefined {
  const element = dataSet.elements.x00080005;
  if (!element) return inherited;
  const text = elementText(dataSet, element, 'CS', undefined).trim();
  return text === '' ? undefined : text;
}

function bytesOf(dataSet: DataSet, element: Element): Uint8Array {
  return dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
}

function numbers(dataSet: DataSet, element: Element, vr: string): Array<number | string> {
  const size = NUMBER_SIZE[vr]!;
  const bytes = bytesOf(dataSet, element);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = (element.parser ?? dataSet.byteArrayParser) !== dicomParser.bigEndianByteArrayParser;
  const out: Array<number | string> = [];
  for (let at = 0; at + size <= bytes.length; at += size) {
    switch (vr) {
      case 'US': out.push(view.getUint16(at, little)); break;
      case 'SS': out.push(view.getInt16(at, little)); break;
      case 'UL': out.push(view.getUint32(at, little)); break;
      case 'SL': out.push(view.getInt32(at, little)); break;
      case 'FL': out.push(Number(view.getFloat32(at, little).toPrecision(9))); break;
      case 'FD': out.push(view.getFloat64(at, little)); break;
      case 'SV': out.push(safe(view.getBigInt64(at, little))); break;
      case 'UV': out.push(safe(view.getBigUint64(at, little))); break;
      case 'AT': {
        const group = view.getUint16(at, little);
        const elementNo = view.getUint16(at + 2, little);
        out.push(`${group.toString(16).padStart(4, '0')}${elementNo.toString(16).padStart(4, '0')}`.toUpperCase());
        break;
      }
    }
  }
  return out;
}

/** 64-bit integers as JSON numbers where exact, as text beyond 2^53. */
function safe(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** Values of a text element; an empty value among several is null (PS3.18 F.2.5). */
function textValues(text: string, vr: string): JsonValue[] | undefined {
  if (text === '') return undefined;
  if (SINGLE_TEXT_VRS.has(vr)) return [text];
  const values = text.split('\\');
  if (values.length > 1 && values.includes('')) {
    return values.map((v) => (v === '' ? null : (textValues(v, vr)![0] as JsonValue)));
  }
  if (vr === 'PN') return values.map(personName);
  if (vr === 'IS' || vr === 'DS') {
    return values.map((v) => {
      const n = Number(v);
      return v.trim() !== '' && Number.isFinite(n) ? n : v;
    });
  }
  return values;
}

/**
 * The DICOM JSON of a parsed data set. `bulkBase` is the instance's URL; bulk data of an
 * element is at `<bulkBase>/bulkdata/<path>`, the path naming each enclosing sequence and
 * item (`00540016/0/00181072`...).
 */
export function dataSetJson(dataSet: DataSet, bulkBase: string, charset?: string, path = '', traits?: FileTraits): DicomJson {
  const ownCharset = charsetOf(dataSet, charset);
  const file = traits ?? traitsOf(dataSet);
  const out: DicomJson = {};
  for (const [key, element] of Object.entries(dataSet.elements)) {
    const tag = jsonTag(key);
    // File meta, group lengths, and item/delimitation tags are structure, not attributes.
    if (tag.startsWith('0002') || tag.endsWith('0000') || tag.startsWith('FFFE')) continue;
    out[tag] = attributeJson(dataSet, key, element, tag, bulkBase, `${path}${tag}`, ownCharset, file);
  }
  return sortedByTag(out);
}

function attributeJson(
  dataSet: DataSet,
  key: string,
  element: Element,
  tag: string,
  bulkBase: string,
  path: string,
  charset: string | undefined,
  file: FileTraits,
): JsonAttribute {
  const vr = vrOf(key, element, file);
  const bulk = (): JsonAttribute => ({ vr, BulkDataURI: `${bulkBase}/bulkdata/${path}` });
  if (PIXEL_DATA_TAGS.has(tag)) return bulk();
  if (vr === 'SQ' || element.items !== undefined) {
    const items = element.items ?? [];
    if (items.length === 0) return { vr: 'SQ' };
    return { vr: 'SQ', Value: items.map((item, i) => (item.dataSet ? dataSetJson(item.dataSet, bulkBase, charset, `${path}/${i}/`, file) : {})) };
  }
  if (element.hadUndefinedLength) return bulk();
  if (element.length === 0) return { vr };
  // A value that runs past what was read (a file cut short) is bulk data: it is not here to inline.
  if (element.dataOffset + element.length > dataSet.byteArray.length) return bulk();
  if (TEXT_VRS.has(vr)) {
    const values = textValues(elementText(dataSet, element, vr, charset), vr);
    return values ? { vr, Value: values } : { vr };
  }
  if (NUMBER_SIZE[vr] !== undefined) return { vr, Value: numbers(dataSet, element, vr) };
  if (element.length > BULK_THRESHOLD) return bulk();
  return { vr, InlineBinary: Buffer.from(bytesOf(dataSet, element)).toString('base64') };
}
