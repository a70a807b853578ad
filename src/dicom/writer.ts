// A small DICOM Part 10 writer (PS3.10 file, PS3.5 encoding): the preamble, `DICM`, the
// File Meta Information group in Explicit VR Little Endian, then the data set in Explicit
// (default) or Implicit VR Little Endian. It writes what the demo archive and the tests
// need — text, numbers, binary values and sequences — and refuses anything it cannot
// encode faithfully rather than writing a file a reader would misread.

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/** Our Implementation Class UID (0002,0012): `2.25.` + the first 128 bits of SHA-256("nbia-archive implementation class"). */
export const IMPLEMENTATION_CLASS_UID = '2.25.266285093992391276992197565461452220824';
/** Implementation Version Name (0002,0013), an SH of at most 16 characters. */
export const IMPLEMENTATION_VERSION_NAME = 'NBIA_ARCHIVE_01';

/** One data element: `tag` is `ggggeeee` in hex; a sequence's value is its items, each a list of elements. */
export interface DicomElementInput {
  tag: string;
  vr: string;
  value: string | string[] | number | number[] | Uint8Array | DicomElementInput[][];
}

export interface EncodeOptions {
  /** Explicit VR Little Endian (default) or Implicit VR Little Endian. */
  transferSyntaxUid?: string;
}

/** Text VRs, padded with a trailing space to even length. */
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);
/** Text VRs whose value is a single string in which `\` is an ordinary character or not allowed as a separator. */
const SINGLE_VALUED_TEXT_VRS = new Set(['LT', 'ST', 'UT', 'UR']);
/** Text VRs that may carry characters beyond ASCII (the others are ASCII by definition). */
const CHARSET_VRS = new Set(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
/** Longest value, in characters, PS3.5 6.2 allows per VR (each value of a multi-valued element). */
const MAX_CHARS: Record<string, number> = {
  AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, DT: 26, IS: 12, LO: 64, SH: 16, TM: 16, UI: 64, ST: 1024, LT: 10240,
};
/** Fixed-size binary numbers: bytes per value. */
const NUMBER_SIZES: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };
/** Binary "other" VRs: bytes per word (OB and UN are plain bytes). */
const OTHER_SIZES: Record<string, number> = { OB: 1, UN: 1, OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };
/** VRs written with 2 reserved bytes and a 4-byte length in Explicit VR (PS3.5 7.1.2). */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;

type TextEncoding = 'ascii' | 'latin1' | 'utf8';

interface Context {
  explicit: boolean;
  encoding: TextEncoding;
}

/** Writes one Part 10 file. Throws an Error naming the element when a value cannot be encoded. */
export function encodeDicomFile(elements: DicomElementInput[], options: EncodeOptions = {}): Buffer {
  const transferSyntaxUid = options.transferSyntaxUid ?? EXPLICIT_VR_LITTLE_ENDIAN;
  if (transferSyntaxUid !== EXPLICIT_VR_LITTLE_ENDIAN && transferSyntaxUid !== IMPLICIT_VR_LITTLE_ENDIAN) {
    throw new Error(`cannot write transfer syntax ${transferSyntaxUid}: only Explicit and Implicit VR Little Endian`);
  }
  for (const element of elements) {
    if (parseTag(element.tag) >>> 16 === 0x0002) {
      throw new Error(`element (${formatTag(parseTag(element.tag))}) belongs to the file meta group, which the writer makes itself`);
    }
  }
  const sopClassUid = topLevelText(elements, '00080016');
  const sopInstanceUid = topLevelText(elements, '00080018');
  if (!sopClassUid || !sopInstanceUid) {
    throw new Error('the data set needs SOPClassUID (0008,0016) and SOPInstanceUID (0008,0018) for the file meta information');
  }

  const dataset = encodeDataset(elements, {
    explicit: transferSyntaxUid === EXPLICIT_VR_LITTLE_ENDIAN,
    encoding: encodingFor(topLevelText(elements, '00080005')),
  });

  const metaContext: Context = { explicit: true, encoding: 'ascii' };
  const metaBody = Buffer.concat(
    [
      { tag: '00020001', vr: 'OB', value: Uint8Array.of(0x00, 0x01) },
      { tag: '00020002', vr: 'UI', value: sopClassUid },
      { tag: '00020003', vr: 'UI', value: sopInstanceUid },
      { tag: '00020010', vr: 'UI', value: transferSyntaxUid },
      { tag: '00020012', vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
      { tag: '00020013', vr: 'SH', value: IMPLEMENTATION_VERSION_NAME },
    ].map((e) => encodeElement(e, metaContext)),
  );
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: metaBody.length }, metaContext);

  const preamble = Buffer.alloc(128);
  return Buffer.concat([preamble, Buffer.from('DICM', 'ascii'), groupLength, metaBody, dataset]);
}

/** `ggggeeee` (any case) → the tag as one 32-bit number. */
function parseTag(tag: string): number {
  if (typeof tag !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(tag)) {
    throw new Error(`invalid tag "${String(tag)}": expected 8 hex digits ggggeeee`);
  }
  return Number.parseInt(tag, 16);
}

function formatTag(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)},${hex.slice(4)}`;
}

function topLevelText(elements: DicomElementInput[], tag: string): string | undefined {
  const found = elements.find((e) => e.tag.toUpperCase() === tag);
  if (!found) return undefined;
  if (typeof found.value === 'string') return found.value;
  if (Array.isArray(found.value) && found.value.every((v) => typeof v === 'string')) return (found.value as string[]).join('\\');
  return undefined;
}

/** The byte encoding of text values from SpecificCharacterSet (0008,0005); only the single-byte default, Latin-1 and UTF-8. */
function encodingFor(specificCharacterSet: string | undefined): TextEncoding {
  const terms = (specificCharacterSet ?? '').split('\\').map((t) => t.trim());
  const last = terms[terms.length - 1] ?? '';
  if (last === '' || last === 'ISO_IR 6') return 'ascii';
  if (last === 'ISO_IR 100') return 'latin1';
  if (last === 'ISO_IR 192') return 'utf8';
  throw new Error(`cannot write SpecificCharacterSet "${specificCharacterSet}": use ISO_IR 100 or ISO_IR 192 (or none for ASCII)`);
}

/** Elements in ascending tag order (PS3.5 7.1), refusing duplicates. */
function encodeDataset(elements: DicomElementInput[], ctx: Context): Buffer {
  const sorted = elements.map((e) => ({ element: e, tag: parseTag(e.tag) })).sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.tag === sorted[i - 1]!.tag) throw new Error(`element (${formatTag(sorted[i]!.tag)}) is given twice`);
  }
  return Buffer.concat(sorted.map(({ element }) => encodeElement(element, ctx)));
}

function encodeElement(element: DicomElementInput, ctx: Context): Buffer {
  const tag = parseTag(element.tag);
  const vr = element.vr;
  const where = `(${formatTag(tag)}) ${vr}`;
  if (vr === 'SQ') return encodeSequence(tag, element.value, ctx, where);
  const value = encodeValue(vr, element.value, ctx, where);
  const long = LONG_LENGTH_VRS.has(vr);
  if (ctx.explicit && !long && value.length > 0xffff) {
    throw new Error(`${where}: value of ${value.length} bytes is too long for a VR with a 2-byte length`);
  }
  return Buffer.concat([header(tag, vr, value.length, ctx), value]);
}

function header(tag: number, vr: string, length: number, ctx: Context): Buffer {
  if (!ctx.explicit) {
    const h = Buffer.alloc(8);
    writeTag(h, 0, tag);
    h.writeUInt32LE(length, 4);
    return h;
  }
  if (LONG_LENGTH_VRS.has(vr)) {
    const h = Buffer.alloc(12);
    writeTag(h, 0, tag);
    h.write(vr, 4, 'ascii');
    h.writeUInt32LE(length, 8); // bytes 6-7 stay zero (reserved)
    return h;
  }
  const h = Buffer.alloc(8);
  writeTag(h, 0, tag);
  h.write(vr, 4, 'ascii');
  h.writeUInt16LE(length, 6);
  return h;
}

function writeTag(buffer: Buffer, offset: number, tag: number): void {
  buffer.writeUInt16LE(tag >>> 16, offset);
  buffer.writeUInt16LE(tag & 0xffff, offset + 2);
}

/** A tag with a 4-byte length and no VR (items and delimiters are written this way in every transfer syntax). */
function itemTag(tag: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  writeTag(b, 0, tag);
  b.writeUInt32LE(length, 4);
  return b;
}

/** SQ of undefined length, each item of undefined length, closed by the delimitation items (PS3.5 7.5). */
function encodeSequence(tag: number, value: DicomElementInput['value'], ctx: Context, where: string): Buffer {
  if (!Array.isArray(value) || !value.every((item) => Array.isArray(item))) {
    throw new Error(`${where}: a sequence's value must be a list of items, each a list of elements`);
  }
  const parts: Buffer[] = [header(tag, 'SQ', UNDEFINED_LENGTH, ctx)];
  for (const item of value as DicomElementInput[][]) {
    parts.push(itemTag(ITEM, UNDEFINED_LENGTH), encodeDataset(item, ctx), itemTag(ITEM_DELIMITATION, 0));
  }
  parts.push(itemTag(SEQUENCE_DELIMITATION, 0));
  return Buffer.concat(parts);
}

function encodeValue(vr: string, value: DicomElementInput['value'], ctx: Context, where: string): Buffer {
  if (TEXT_VRS.has(vr) || vr === 'UI') return encodeText(vr, value, ctx, where);
  const numberSize = NUMBER_SIZES[vr];
  const otherSize = OTHER_SIZES[vr];
  const unit = numberSize ?? otherSize;
  if (unit === undefined) throw new Error(`${where}: unknown or unsupported VR "${vr}"`);

  if (value instanceof Uint8Array) {
    if (value.length % unit !== 0) throw new Error(`${where}: ${value.length} bytes is not a whole number of ${unit}-byte values`);
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    // Only OB and UN can be odd; they get one NUL byte of padding.
    return bytes.length % 2 === 1 ? Buffer.concat([bytes, Buffer.alloc(1)]) : Buffer.from(bytes);
  }
  if (vr === 'AT') {
    const tags = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new Error(`${where}: AT values are tags "ggggeeee"`);
    const out = Buffer.alloc(4 * tags.length);
    (tags as string[]).forEach((t, i) => writeTag(out, 4 * i, parseTag(t)));
    return out;
  }
  const numbers = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === 'number')) {
    throw new Error(`${where}: expected a number, a list of numbers or bytes`);
  }
  const out = Buffer.alloc(unit * numbers.length);
  (numbers as number[]).forEach((n, i) => writeNumber(out, i * unit, vr, n, where));
  return out.length % 2 === 1 ? Buffer.concat([out, Buffer.alloc(1)]) : out;
}

function writeNumber(out: Buffer, offset: number, vr: string, n: number, where: string): void {
  const integer = (min: number, max: number) => {
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${where}: ${n} is not an integer from ${min} to ${max}`);
  };
  switch (vr) {
    case 'OB':
    case 'UN':
      integer(0, 0xff);
      out.writeUInt8(n, offset);
      return;
    case 'US':
    case 'OW':
      integer(0, 0xffff);
      out.writeUInt16LE(n, offset);
      return;
    case 'SS':
      integer(-0x8000, 0x7fff);
      out.writeInt16LE(n, offset);
      return;
    case 'UL':
    case 'OL':
      integer(0, 0xffffffff);
      out.writeUInt32LE(n, offset);
      return;
    case 'SL':
      integer(-0x80000000, 0x7fffffff);
      out.writeInt32LE(n, offset);
      return;
    case 'SV':
      integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      out.writeBigInt64LE(BigInt(n), offset);
      return;
    case 'UV':
    case 'OV':
      integer(0, Number.MAX_SAFE_INTEGER);
      out.writeBigUInt64LE(BigInt(n), offset);
      return;
    case 'FL':
    case 'OF':
      out.writeFloatLE(n, offset);
      return;
    case 'FD':
    case 'OD':
      out.writeDoubleLE(n, offset);
      return;
    default:
      throw new Error(`${where}: cannot write numbers as ${vr}`);
  }
}

function encodeText(vr: string, value: DicomElementInput['value'], ctx: Context, where: string): Buffer {
  let values: string[];
  if (typeof value === 'string') values = [value];
  else if (typeof value === 'number') values = [formatNumberString(vr, value, where)];
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    values = (value as (string | number)[]).map((v) => (typeof v === 'number' ? formatNumberString(vr, v, where) : v));
  } else throw new Error(`${where}: expected text or a list of texts`);

  if (SINGLE_VALUED_TEXT_VRS.has(vr) && values.length > 1) throw new Error(`${where}: ${vr} holds a single value`);
  if (values.length > 1 && values.some((v) => v.includes('\\'))) {
    throw new Error(`${where}: a value of a multi-valued element cannot contain "\\"`);
  }
  const max = MAX_CHARS[vr];
  const tooLong = max === undefined ? undefined : values.find((v) => v.length > max);
  if (tooLong !== undefined) throw new Error(`${where}: "${tooLong}" is longer than the ${max} characters ${vr} allows`);
  const text = values.join('\\');
  const encoding: TextEncoding = CHARSET_VRS.has(vr) ? ctx.encoding : 'ascii';
  const highest = maxCodePoint(text);
  if (encoding === 'ascii' && highest > 0x7f) {
    throw new Error(`${where}: "${text}" is not ASCII; set SpecificCharacterSet (0008,0005) to ISO_IR 192 or ISO_IR 100`);
  }
  if (encoding === 'latin1' && highest > 0xff) {
    throw new Error(`${where}: "${text}" does not fit ISO_IR 100 (Latin-1)`);
  }
  const bytes = Buffer.from(text, encoding);
  if (bytes.length % 2 === 0) return bytes;
  // UI pads with NUL, every other text VR with a space (PS3.5 6.2).
  return Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0x00 : 0x20])]);
}

function maxCodePoint(text: string): number {
  let max = 0;
  for (const ch of text) max = Math.max(max, ch.codePointAt(0) ?? 0);
  return max;
}

/** A number as IS (integer) or DS (at most 16 characters) text. */
function formatNumberString(vr: string, n: number, where: string): string {
  if (!Number.isFinite(n)) throw new Error(`${where}: ${n} is not a finite number`);
  if (vr === 'IS') {
    if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`${where}: ${n} is not a 32-bit integer`);
    return String(n);
  }
  if (vr === 'DS') {
    let text = String(n);
    for (let digits = 15; text.length > 16 && digits >= 1; digits--) text = String(Number(n.toPrecision(digits)));
    if (text.length > 16) throw new Error(`${where}: ${n} does not fit a 16-character DS`);
    return text;
  }
  throw new Error(`${where}: a number cannot be written as ${vr}; give text`);
}
