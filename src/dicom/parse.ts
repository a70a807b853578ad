// The DICOM header parser: the indexed attributes of one file, read with dicom-parser up to
// (not into) the pixel data. transfer-syntax.ts finds the data set and its encoding,
// values.ts turns element bytes into stored values; this module ties them together and
// turns every failure into a DicomParseError with a reason ingest can report.
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { ByteArrayParser, DataSet, Element } from 'dicom-parser';
import { ATTRIBUTES, REQUIRED_UIDS, type AttributeKind, type Level, type ParsedInstance } from './attributes.js';
import { locateDataSet, LocateError, type Encoding } from './transfer-syntax.js';
import { characterSetOf, DEFAULT_CHARACTER_SET, valueOf, type CharacterSet, type NumberReader } from './values.js';
import { KNOWN_VRS } from './vr.js';

export type DicomParseReason = 'not_dicom' | 'truncated' | 'missing_uid' | 'unsupported';

export class DicomParseError extends Error {
  constructor(
    readonly reason: DicomParseReason,
    message: string,
  ) {
    super(message);
    this.name = 'DicomParseError';
  }
}

const PIXEL_DATA = 'x7fe00010';
const SPECIFIC_CHARACTER_SET = 'x00080005';
/** A deflated data set is inflated whole; beyond this it is refused rather than exhausting memory. */
const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

/** dicom-parser's tag key for `ggggeeee`. */
function tagKey(tag: string): string {
  return `x${tag.toLowerCase()}`;
}

function tagLabel(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4)})`.toUpperCase();
}

interface Reading {
  keyword: string;
  level: Level;
  column: string;
  kind: AttributeKind;
  /** dicom-parser keys: one tag, or a sequence path whose items are entered at their first item. */
  path: readonly string[];
  vr: string;
}

const READINGS: readonly Reading[] = ATTRIBUTES.map((a) => ({
  keyword: a.keyword,
  level: a.level,
  column: a.column,
  kind: a.kind,
  path: (typeof a.tag === 'string' ? [a.tag] : a.tag).map(tagKey),
  vr: a.vr,
}));

/** Implicit VR carries no VRs; naming the sequences on our paths makes their parsing certain. */
const SEQUENCE_KEYS = new Set(READINGS.flatMap((r) => r.path.slice(0, -1)));
// For any other tag, "unknown" (undefined) lets dicom-parser peek for an item tag as usual;
// its typings wrongly demand a string.
const implicitVr = (tag: string): string => (SEQUENCE_KEYS.has(tag) ? 'SQ' : (undefined as unknown as string));

// dicom-parser's DataSet class exists at runtime but its typings only declare the interface.
const DataSetClass = (dicomParser as unknown as { DataSet: new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element>) => DataSet })
  .DataSet;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function inflate(bytes: Buffer, position: number): Buffer {
  return inflateRawSync(bytes.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
}

/** Reads the top-level data set, stopping at the pixel data element's header. */
function readDataSet(bytes: Buffer, position: number, encoding: Encoding): DataSet {
  const parser = encoding.littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser;
  const dataSet = new DataSetClass(parser, bytes, {});
  if (position >= bytes.length) {
    dataSet.warnings = [];
    return dataSet;
  }
  const stream = new dicomParser.ByteStream(parser, bytes, position);
  dataSet.warnings = stream.warnings;
  if (encoding.explicitVr) {
    dicomParser.parseDicomDataSetExplicit(dataSet, stream, bytes.length, { untilTag: PIXEL_DATA });
  } else {
    dicomParser.parseDicomDataSetImplicit(dataSet, stream, bytes.length, { untilTag: PIXEL_DATA, vrCallback: implicitVr });
  }
  return dataSet;
}

const TRUNCATED = 'the file is truncated: ';

/**
 * dicom-parser reports a sequence that runs off the end of the data as a warning, not an
 * error; and it stops before the pixel data, so that element's length is checked here.
 */
function checkComplete(dataSet: DataSet, bytes: Buffer): void {
  const eof = dataSet.warnings.find((w) => w.startsWith('eof encountered before finding') && !w.includes('peeking'));
  if (eof !== undefined) throw new DicomParseError('truncated', `${TRUNCATED}it ends inside a sequence (${eof})`);
  const pixelData = dataSet.elements[PIXEL_DATA];
  if (pixelData === undefined) return;
  if (pixelData.length !== 0xffffffff) {
    if (pixelData.dataOffset + pixelData.length > bytes.length) {
      throw new DicomParseError(
        'truncated',
        `${TRUNCATED}Pixel Data (7FE0,0010) declares ${pixelData.length} bytes but only ${Math.max(0, bytes.length - pixelData.dataOffset)} remain`,
      );
    }
    return;
  }
  // Encapsulated pixel data: hop over the fragment items to the sequence delimiter. This
  // reads 8 bytes per fragment, not the fragments themselves.
  const parser = dataSet.byteArrayParser;
  let p = pixelData.dataOffset;
  for (;;) {
    if (p + 8 > bytes.length) throw new DicomParseError('truncated', `${TRUNCATED}it ends inside the encapsulated Pixel Data (7FE0,0010)`);
    const group = parser.readUint16(bytes, p);
    const element = parser.readUint16(bytes, p + 2);
    const length = parser.readUint32(bytes, p + 4);
    if (group !== 0xfffe || (element !== 0xe000 && element !== 0xe0dd)) {
      throw new DicomParseError('not_dicom', `damaged DICOM file: encapsulated Pixel Data has no item tag at byte ${p}`);
    }
    if (element === 0xe0dd) return;
    p += 8 + length;
    if (p > bytes.length) throw new DicomParseError('truncated', `${TRUNCATED}it ends inside a Pixel Data fragment`);
  }
}

function findElement(dataSet: DataSet, path: readonly string[]): { element: Element; owner: DataSet } | undefined {
  let owner = dataSet;
  for (let i = 0; i < path.length - 1; i++) {
    const item = owner.elements[path[i]!]?.items?.[0]?.dataSet;
    if (item === undefined) return undefined;
    owner = item;
  }
  const element = owner.elements[path[path.length - 1]!];
  return element === undefined ? undefined : { element, owner };
}

function characterSetIn(dataSet: DataSet, inherited: CharacterSet): CharacterSet {
  const element = dataSet.elements[SPECIFIC_CHARACTER_SET];
  if (element === undefined) return inherited;
  if (element.length === 0 || element.length === 0xffffffff) return DEFAULT_CHARACTER_SET;
  return characterSetOf(asBuffer(dataSet.byteArray).toString('latin1', element.dataOffset, element.dataOffset + element.length));
}

type LevelRecord = Record<string, string | number | null>;

function extract(dataSet: DataSet, bytes: Buffer, located: { hasPreamble: boolean; transferSyntaxUid: string }): ParsedInstance {
  const levels: Record<Level, LevelRecord> = { patient: {}, study: {}, series: {}, image: {} };
  const charset = characterSetIn(dataSet, DEFAULT_CHARACTER_SET);
  for (const r of READINGS) {
    const found = findElement(dataSet, r.path);
    let value: string | number | null = null;
    if (found !== undefined && found.element.length !== 0xffffffff) {
      const { element, owner } = found;
      if (element.dataOffset + element.length > bytes.length) {
        throw new DicomParseError('truncated', `${TRUNCATED}${r.keyword} runs past the end of the file`);
      }
      // An explicit VR is trusted unless it is UN or not a VR at all (then the dictionary's).
      const vr = element.vr !== undefined && element.vr !== 'UN' && KNOWN_VRS.has(element.vr) ? element.vr : r.vr;
      value = valueOf(r.kind, {
        bytes,
        start: element.dataOffset,
        length: element.length,
        vr,
        charset: owner === dataSet ? charset : characterSetIn(owner, charset),
        reader: owner.byteArrayParser as NumberReader,
      });
    }
    levels[r.level][r.column] = value;
  }
  return {
    transferSyntaxUid: located.transferSyntaxUid,
    hasPreamble: located.hasPreamble,
    ...(levels as unknown as Pick<ParsedInstance, Level>),
  };
}

/** Maps whatever dicom-parser, zlib or the stack threw to a reason and a readable message. */
function toParseError(error: unknown): DicomParseError {
  if (error instanceof DicomParseError) return error;
  if (error instanceof LocateError) return new DicomParseError(error.reason, error.message);
  const code = (error as { code?: unknown } | null)?.code;
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR') return new DicomParseError('truncated', `${TRUNCATED}the deflated data set ends early`);
  if (code === 'Z_DATA_ERROR' || code === 'Z_NEED_DICT') return new DicomParseError('not_dicom', `damaged DICOM file: the deflated data set is corrupt (${text})`);
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new DicomParseError('unsupported', `the deflated data set inflates to more than ${MAX_INFLATED_BYTES / 1024 / 1024} MiB`);
  }
  if (/past end|overread|overrun|maxP ?osition|greater than or equal to 'byteArray' length/.test(text)) {
    return new DicomParseError('truncated', `${TRUNCATED}a data element runs past the end of the file (${text})`);
  }
  if (error instanceof RangeError && /call stack/.test(text)) {
    return new DicomParseError('not_dicom', 'damaged DICOM file: sequences nested too deeply to read');
  }
  return new DicomParseError('not_dicom', `damaged DICOM file: ${text}`);
}

/**
 * Reads the indexed attributes of a DICOM file without requiring the identifying UIDs (the
 * reference test uses this to compare files that lack them). Throws DicomParseError only.
 */
export function readDicomHeader(bytes: Uint8Array): ParsedInstance {
  try {
    const buffer = asBuffer(bytes);
    const located = locateDataSet(buffer);
    const data = located.encoding.deflated ? inflate(buffer, located.position) : buffer;
    const dataSet = readDataSet(data, located.encoding.deflated ? 0 : located.position, located.encoding);
    checkComplete(dataSet, data);
    return extract(dataSet, data, located);
  } catch (error) {
    throw toParseError(error);
  }
}

const REQUIRED = REQUIRED_UIDS.map((keyword) => {
  const a = ATTRIBUTES.find((x) => x.keyword === keyword)!;
  return { keyword, level: a.level, column: a.column, label: tagLabel(typeof a.tag === 'string' ? a.tag : a.tag.join('.')) };
});

/**
 * Parses a DICOM file's header (never its pixel data) into the indexed attributes.
 * Throws DicomParseError: 'not_dicom', 'truncated', 'unsupported', or 'missing_uid' when
 * StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID is absent or empty.
 */
export function parseDicomFile(bytes: Uint8Array): ParsedInstance {
  const instance = readDicomHeader(bytes);
  const missing = REQUIRED.filter((u) => (instance[u.level] as LevelRecord)[u.column] == null);
  if (missing.length > 0) {
    const names = missing.map((u) => `${u.keyword} ${u.label}`);
    throw new DicomParseError('missing_uid', `the DICOM file has no ${names.join(', no ')}; a file must carry all three of Study, Series and SOP Instance UID to be indexed`);
  }
  return instance;
}
