// Where a file's data set starts and how it is encoded: the Part 10 preamble and "DICM",
// the File Meta Information group, and, when there is no meta header (or it names no
// transfer syntax), sniffing the encoding from the first data element.
import { KNOWN_VRS } from './vr.js';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
/** JPIP Referenced Deflate: the data set is deflated like 1.2.840.10008.1.2.1.99. */
const JPIP_REFERENCED_DEFLATE = '1.2.840.10008.1.2.4.95';
const STANDARD_TRANSFER_SYNTAX_ROOT = '1.2.840.10008.1.2.';

export interface Encoding {
  explicitVr: boolean;
  littleEndian: boolean;
  /** The data set after the meta header is a raw deflate stream. */
  deflated: boolean;
}

/** Why the bytes cannot be located as a DICOM data set; parse.ts turns this into DicomParseError. */
export class LocateError extends Error {
  constructor(
    readonly reason: 'not_dicom' | 'truncated' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The encoding a transfer syntax UID stands for. Every standard transfer syntax other than
 * implicit VR LE, big endian and the deflated ones is explicit VR little endian (they differ
 * only in how pixel data is compressed), including ones newer than this code. Private
 * transfer syntaxes (e.g. GE's implicit big endian) are unknown: undefined.
 */
export function encodingOf(transferSyntaxUid: string): Encoding | undefined {
  switch (transferSyntaxUid) {
    case IMPLICIT_VR_LITTLE_ENDIAN:
      return { explicitVr: false, littleEndian: true, deflated: false };
    case EXPLICIT_VR_BIG_ENDIAN:
      return { explicitVr: true, littleEndian: false, deflated: false };
    case DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
    case JPIP_REFERENCED_DEFLATE:
      return { explicitVr: true, littleEndian: true, deflated: true };
  }
  if (transferSyntaxUid === EXPLICIT_VR_LITTLE_ENDIAN || transferSyntaxUid.startsWith(STANDARD_TRANSFER_SYNTAX_ROOT)) {
    return { explicitVr: true, littleEndian: true, deflated: false };
  }
  return undefined;
}

function isUpperLetter(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x41 && byte <= 0x5a;
}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR encoding. */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function explicitVrAt(bytes: Uint8Array, position: number): string | undefined {
  const a = bytes[position + 4];
  const b = bytes[position + 5];
  if (!isUpperLetter(a) || !isUpperLetter(b)) return undefined;
  const vr = String.fromCharCode(a!, b!);
  return KNOWN_VRS.has(vr) ? vr : undefined;
}

/**
 * The encoding of the data set starting at `position`, judged from its first element, or
 * undefined when the bytes do not look like a DICOM element at all (a text file, a PNG, a
 * file with stray bytes in front). A VR after the tag means explicit VR; then the byte
 * order is the one that gives a small group number (data sets start with group 0002–0028).
 * Implicit VR is only ever little endian (implicit big endian is not a DICOM encoding).
 */
export function sniffEncoding(bytes: Uint8Array, position: number): Encoding | undefined {
  const size = bytes.length - position;
  if (size < 8) return undefined;
  const b0 = bytes[position]!;
  const b1 = bytes[position + 1]!;
  const vr = explicitVrAt(bytes, position);
  if (vr !== undefined) {
    const littleEndian = !(b0 === 0 && b1 !== 0);
    const group = littleEndian ? b0 | (b1 << 8) : (b0 << 8) | b1;
    if (!plausibleFirstGroup(group)) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset + position, size);
    let length: number;
    let header: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      if (size < 12) return undefined;
      length = view.getUint32(8, littleEndian);
      header = 12;
    } else {
      length = view.getUint16(6, littleEndian);
      header = 8;
    }
    if (length !== 0xffffffff && header + length > size) return undefined;
    return { explicitVr: true, littleEndian, deflated: false };
  }
  const group = b0 | (b1 << 8);
  if (!plausibleFirstGroup(group)) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset + position, size).getUint32(4, true);
  // A first element that does not fit in the file is not a cut-off file but not DICOM:
  // that is what ASCII text read as a tag and a length looks like.
  if (length !== 0xffffffff && 8 + length > size) return undefined;
  return { explicitVr: false, littleEndian: true, deflated: false };
}

/** Standard groups are even; a data set's first element is never pixel data or beyond. */
function plausibleFirstGroup(group: number): boolean {
  return group % 2 === 0 && group >= 0x0002 && group <= 0x7fe0;
}

export function transferSyntaxOf(encoding: Encoding): string {
  if (!encoding.explicitVr) return IMPLICIT_VR_LITTLE_ENDIAN;
  return encoding.littleEndian ? EXPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_BIG_ENDIAN;
}

export interface DataSetLocation {
  /** The 128-byte preamble and "DICM" are present. */
  hasPreamble: boolean;
  /** (0002,0010) when present, else the sniffed encoding's UID. */
  transferSyntaxUid: string;
  /** How the data set is really encoded (a sniff overrides a meta header that is wrong). */
  encoding: Encoding;
  /** Offset of the first data set element (or of the deflate stream). */
  position: number;
}

const DICM = [0x44, 0x49, 0x43, 0x4d];

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && DICM.every((c, i) => bytes[128 + i] === c);
}

/** Text of a UI value: trailing NUL/space padding removed. */
function uidText(bytes: Uint8Array, start: number, length: number): string {
  let end = start + length;
  while (end > start && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--;
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text.trim();
}

/**
 * Reads the File Meta Information group (always explicit VR little endian) starting at
 * `position`, stopping at the first element outside group 0002 rather than trusting the
 * group length, which some writers omit or get wrong.
 */
function readMetaGroup(bytes: Uint8Array, position: number): { end: number; transferSyntaxUid: string | undefined } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let transferSyntaxUid: string | undefined;
  let p = position;
  while (p + 8 <= bytes.length && view.getUint16(p, true) === 0x0002) {
    const element = view.getUint16(p + 2, true);
    const vr = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!);
    let length: number;
    let header: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      if (p + 12 > bytes.length) throw new LocateError('truncated', 'the file ends inside the File Meta Information header');
      length = view.getUint32(p + 8, true);
      header = 12;
    } else {
      length = view.getUint16(p + 6, true);
      header = 8;
    }
    if (length === 0xffffffff || p + header + length > bytes.length) {
      throw new LocateError('truncated', 'the file ends inside the File Meta Information header');
    }
    if (element === 0x0010) transferSyntaxUid = uidText(bytes, p + header, length) || undefined;
    p += header + length;
  }
  return { end: p, transferSyntaxUid };
}

function startsWithMetaElement(bytes: Uint8Array, position: number): boolean {
  return bytes[position] === 0x02 && bytes[position + 1] === 0x00 && explicitVrAt(bytes, position) !== undefined;
}

/** Finds the data set in a file's bytes and how it is encoded. Throws LocateError. */
export function locateDataSet(bytes: Uint8Array): DataSetLocation {
  const hasPreamble = hasDicmPrefix(bytes);
  let position = hasPreamble ? 132 : 0;
  let declared: string | undefined;
  if (startsWithMetaElement(bytes, position)) {
    const meta = readMetaGroup(bytes, position);
    position = meta.end;
    declared = meta.transferSyntaxUid;
  } else if (hasPreamble && bytes.length - position < 8) {
    throw new LocateError('truncated', 'the file ends right after the DICM prefix');
  }

  const isPart10 = hasPreamble || position > 0;
  if (declared !== undefined) {
    if (!/^\d+(\.\d+)+$/.test(declared) || declared.length > 64) {
      throw new LocateError('not_dicom', `damaged DICOM file: the Transfer Syntax UID (0002,0010) ${JSON.stringify(declared.slice(0, 64))} is not a UID`);
    }
    const encoding = encodingOf(declared);
    if (encoding === undefined) {
      throw new LocateError('unsupported', `transfer syntax ${declared} is private or unknown; its data set encoding cannot be read`);
    }
    if (encoding.deflated || position >= bytes.length) return { hasPreamble, transferSyntaxUid: declared, encoding, position };
    // Some writers declare one encoding and write another; follow what the bytes say.
    const sniffed = sniffEncoding(bytes, position);
    const actual =
      sniffed !== undefined && (sniffed.explicitVr !== encoding.explicitVr || sniffed.littleEndian !== encoding.littleEndian)
        ? sniffed
        : encoding;
    return { hasPreamble, transferSyntaxUid: declared, encoding: actual, position };
  }

  if (isPart10 && position >= bytes.length) {
    // A meta header and nothing else: an empty data set (the UID check rejects it later).
    return { hasPreamble, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, encoding: encodingOf(EXPLICIT_VR_LITTLE_ENDIAN)!, position };
  }
  const sniffed = sniffEncoding(bytes, position);
  if (sniffed !== undefined) return { hasPreamble, transferSyntaxUid: transferSyntaxOf(sniffed), encoding: sniffed, position };
  if (!isPart10) {
    throw new LocateError('not_dicom', 'not a DICOM file: no DICM prefix at byte 128 and the first bytes are not a DICOM data element');
  }
  // The preamble or meta header already says DICOM, so an odd first element is not a reason
  // to refuse: read it the way dcmtk does, as explicit VR if a VR is there, else implicit.
  const encoding = explicitVrAt(bytes, position) !== undefined ? encodingOf(EXPLICIT_VR_LITTLE_ENDIAN)! : encodingOf(IMPLICIT_VR_LITTLE_ENDIAN)!;
  return { hasPreamble, transferSyntaxUid: transferSyntaxOf(encoding), encoding, position };
}
