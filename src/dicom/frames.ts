// The pixel module of a stored Part 10 instance and the bytes of one of its frames, exactly
// as stored: a slice of native pixel data, or the fragments of an encapsulated frame found
// through the Extended Offset Table, the Basic Offset Table, or (without either) one
// fragment per frame. The renderer decodes these bytes; WADO-RS `frames/{n}` sends them.
// Reading stops at the Pixel Data element's header; fragments are found by hopping over
// item headers, so a frame costs a copy of itself at most.
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { ByteArrayParser, DataSet, Element } from 'dicom-parser';
import { locateDataSet, LocateError, type Encoding } from './transfer-syntax.js';

export type FrameErrorReason = 'not_dicom' | 'no_pixel_data' | 'frame_out_of_range' | 'unsupported';

/** Why a frame cannot be read; faces map the reason to a status (see render/errors.ts). */
export class FrameError extends Error {
  constructor(
    readonly reason: FrameErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** A palette colour lookup table (one of red, green, blue): PS3.3 C.7.6.3.1.5. */
export interface PaletteLut {
  /** Number of entries (a descriptor's 0 means 65536). */
  entries: number;
  /** The stored pixel value that maps to the first entry. */
  firstMapped: number;
  /** 8 or 16. */
  bitsPerEntry: number;
  /** The table, one value per entry. */
  data: Uint16Array;
}

/** The Image Pixel module and what display needs beside it (modality rescale, VOI window). */
export interface PixelModule {
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  photometricInterpretation: string;
  /** 0 colour-by-pixel (RGBRGB...), 1 colour-by-plane (RR..GG..BB..). */
  planarConfiguration: number;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** (0028,1050) and (0028,1051), all values; empty when absent. */
  windowCenter: number[];
  windowWidth: number[];
  /** (0028,1056): LINEAR (default), LINEAR_EXACT or SIGMOID. */
  voiLutFunction: string;
  /** Present for PALETTE COLOR images. */
  palette?: { red: PaletteLut; green: PaletteLut; blue: PaletteLut };
  /** The pixel data is encapsulated (compressed) rather than native. */
  encapsulated: boolean;
  /** Byte order of native pixel data as stored (big endian only for 1.2.840.10008.1.2.2). */
  littleEndian: boolean;
}

export interface StoredFrames {
  pixel: PixelModule;
  /**
   * Frame `n` (1-based) as stored: native bytes (rows × columns × samples × bits allocated,
   * in the file's byte order; 1-bit frames re-aligned to start at a byte), or the frame's
   * encapsulated fragments concatenated. Throws FrameError('frame_out_of_range').
   */
  frame(n: number): Uint8Array;
}

const PIXEL_DATA = 'x7fe00010';
const FLOAT_PIXEL_DATA = ['x7fe00008', 'x7fe00009'];
const EXTENDED_OFFSET_TABLE = 'x7fe00001';
const EXTENDED_OFFSET_TABLE_LENGTHS = 'x7fe00002';
const MAX_INFLATED_BYTES = 2 * 1024 * 1024 * 1024 - 1;

const DataSetClass = (dicomParser as unknown as { DataSet: new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element>) => DataSet })
  .DataSet;

function readDataSet(bytes: Uint8Array, position: number, encoding: Encoding): DataSet {
  const parser = encoding.littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser;
  const dataSet = new DataSetClass(parser, bytes, {});
  const stream = new dicomParser.ByteStream(parser, bytes, position);
  dataSet.warnings = stream.warnings;
  if (!encoding.explicitVr) {
    dicomParser.parseDicomDataSetImplicit(dataSet, stream, bytes.length, { untilTag: PIXEL_DATA });
    return dataSet;
  }
  // dicom-parser 1.8 reads OV (the Extended Offset Table's VR) with a 2-byte length, so it
  // stops before that table and the two OV elements are read here, then parsing goes on.
  dicomParser.parseDicomDataSetExplicit(dataSet, stream, bytes.length, { untilTag: EXTENDED_OFFSET_TABLE });
  const eot = dataSet.elements[EXTENDED_OFFSET_TABLE];
  if (eot === undefined) return dataSet;
  let p = eot.dataOffset - 8;
  for (const tag of [EXTENDED_OFFSET_TABLE, EXTENDED_OFFSET_TABLE_LENGTHS]) {
    if (p + 12 > bytes.length || parser.readUint16(bytes, p) !== 0x7fe0 || `x7fe0${parser.readUint16(bytes, p + 2).toString(16).padStart(4, '0')}` !== tag) break;
    const length = parser.readUint32(bytes, p + 8);
    if (p + 12 + length > bytes.length) throw new FrameError('not_dicom', 'the file ends inside the Extended Offset Table');
    dataSet.elements[tag] = { tag, vr: 'OV', length, dataOffset: p + 12 };
    p += 12 + length;
  }
  if (p < bytes.length) {
    const rest = new dicomParser.ByteStream(parser, bytes, p);
    dicomParser.parseDicomDataSetExplicit(dataSet, rest, bytes.length, { untilTag: PIXEL_DATA });
  }
  return dataSet;
}

function numbers(dataSet: DataSet, tag: string): number[] {
  const text = dataSet.string(tag);
  if (text === undefined || text.trim() === '') return [];
  return text
    .split('\\')
    .map((v) => Number(v.trim()))
    .filter((v) => Number.isFinite(v));
}

function firstNumber(dataSet: DataSet, tag: string, fallback: number): number {
  return numbers(dataSet, tag)[0] ?? fallback;
}

function required(dataSet: DataSet, tag: string, name: string): number {
  const v = dataSet.uint16(tag);
  if (v === undefined) throw new FrameError('not_dicom', `the instance has Pixel Data but no ${name} (${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`);
  return v;
}

function paletteLut(dataSet: DataSet, colour: string, descriptorTag: string, dataTag: string, signed: boolean): PaletteLut {
  const descriptor = dataSet.elements[descriptorTag];
  const table = dataSet.elements[dataTag];
  if (descriptor === undefined || table === undefined) {
    const segmented = dataSet.elements[`x0028122${dataTag.slice(-1)}`] !== undefined;
    throw new FrameError('unsupported', segmented ? 'segmented palette colour lookup tables are not supported' : `PALETTE COLOR image without its ${colour} lookup table`);
  }
  const entries = dataSet.uint16(descriptorTag, 0) || 65536;
  const raw = dataSet.uint16(descriptorTag, 1) ?? 0;
  const firstMapped = signed && raw >= 0x8000 ? raw - 0x10000 : raw;
  const bitsPerEntry = dataSet.uint16(descriptorTag, 2) ?? 16;
  const data = new Uint16Array(entries);
  const bytes = dataSet.byteArray;
  const parser = dataSet.byteArrayParser;
  // Tables are 16-bit words even when entries are 8 bits (the value sits in the low byte);
  // a few writers pack 8-bit entries one per byte, which the table's length reveals.
  const packed8 = bitsPerEntry === 8 && table.length === entries;
  for (let i = 0; i < entries; i++) {
    if (packed8) data[i] = bytes[table.dataOffset + i] ?? 0;
    else if (table.dataOffset + 2 * i + 2 <= table.dataOffset + table.length) data[i] = parser.readUint16(bytes, table.dataOffset + 2 * i);
  }
  return { entries, firstMapped, bitsPerEntry, data };
}

/** Hops over the encapsulated items: the Basic Offset Table's item first, then each fragment. */
function fragmentsOf(bytes: Uint8Array, start: number, parser: ByteArrayParser): { offsetTable: number[]; fragments: { offset: number; position: number; length: number }[] } {
  const fragments: { offset: number; position: number; length: number }[] = [];
  let offsetTable: number[] = [];
  let p = start;
  let first = true;
  let firstFragmentAt = 0;
  for (;;) {
    if (p + 8 > bytes.length) throw new FrameError('not_dicom', 'the file ends inside the encapsulated Pixel Data');
    const group = parser.readUint16(bytes, p);
    const element = parser.readUint16(bytes, p + 2);
    const length = parser.readUint32(bytes, p + 4);
    if (group !== 0xfffe || (element !== 0xe000 && element !== 0xe0dd)) throw new FrameError('not_dicom', `damaged encapsulated Pixel Data: no item tag at byte ${p}`);
    if (element === 0xe0dd) break;
    if (p + 8 + length > bytes.length) throw new FrameError('not_dicom', 'the file ends inside a Pixel Data fragment');
    if (first) {
      for (let i = 0; i + 4 <= length; i += 4) offsetTable.push(parser.readUint32(bytes, p + 8 + i));
      first = false;
      firstFragmentAt = p + 8 + length;
    } else {
      fragments.push({ offset: p - firstFragmentAt, position: p + 8, length });
    }
    p += 8 + length;
  }
  if (offsetTable.length === 1 && offsetTable[0] === 0) offsetTable = [];
  return { offsetTable, fragments };
}

function concat(bytes: Uint8Array, parts: readonly { position: number; length: number }[]): Uint8Array {
  if (parts.length === 1) return bytes.subarray(parts[0]!.position, parts[0]!.position + parts[0]!.length);
  const out = new Uint8Array(parts.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of parts) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

/** A fragment that starts a JPEG (SOI) or JPEG 2000 codestream (SOC) or JP2 file. */
function startsCodestream(bytes: Uint8Array, position: number): boolean {
  const a = bytes[position];
  const b = bytes[position + 1];
  return (a === 0xff && (b === 0xd8 || b === 0x4f)) || (a === 0x00 && b === 0x00 && bytes[position + 4] === 0x6a && bytes[position + 5] === 0x50);
}

function encapsulatedFrames(bytes: Uint8Array, dataSet: DataSet, pixelData: Element, frames: number): (n: number) => Uint8Array {
  const parser = dataSet.byteArrayParser;
  const { offsetTable, fragments } = fragmentsOf(bytes, pixelData.dataOffset, parser);
  if (fragments.length === 0) throw new FrameError('no_pixel_data', 'the encapsulated Pixel Data holds no fragments');

  // Offsets of each frame's first fragment, relative to the first fragment's item tag.
  let starts: number[] | undefined;
  let lengths: number[] | undefined;
  const eot = dataSet.elements[EXTENDED_OFFSET_TABLE];
  if (eot !== undefined && eot.length >= 8 * frames) {
    starts = [];
    lengths = [];
    const eotl = dataSet.elements[EXTENDED_OFFSET_TABLE_LENGTHS];
    for (let i = 0; i < frames; i++) {
      // OV values: frame offsets below 2^53 are read exactly from two 32-bit halves.
      const at = eot.dataOffset + 8 * i;
      const lo = parser.readUint32(bytes, at);
      const hi = parser.readUint32(bytes, at + 4);
      starts.push(parser === dicomParser.littleEndianByteArrayParser ? hi * 2 ** 32 + lo : lo * 2 ** 32 + hi);
      if (eotl !== undefined && eotl.length >= 8 * frames) lengths.push(parser.readUint32(bytes, eotl.dataOffset + 8 * i));
    }
    if (lengths.length !== frames) lengths = undefined;
  } else if (offsetTable.length === frames) {
    starts = offsetTable;
  }

  let groups: { position: number; length: number }[][];
  if (starts !== undefined) {
    groups = starts.map((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]! : Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < end);
    });
    if (lengths !== undefined) {
      // The Extended Offset Table's lengths are of the frame's bytes, a single fragment each.
      groups = groups.map((g, i) => (g.length === 1 ? [{ position: g[0]!.position, length: Math.min(g[0]!.length, lengths![i]!) }] : g));
    }
  } else if (frames === 1) {
    groups = [fragments];
  } else if (fragments.length === frames) {
    groups = fragments.map((f) => [f]);
  } else {
    // No offset table and more fragments than frames: a frame starts where a codestream does.
    groups = [];
    for (const f of fragments) {
      if (groups.length === 0 || startsCodestream(bytes, f.position)) groups.push([f]);
      else groups[groups.length - 1]!.push(f);
    }
    if (groups.length !== frames) {
      throw new FrameError('unsupported', `the encapsulated Pixel Data has ${fragments.length} fragments for ${frames} frames and no offset table to tell them apart`);
    }
  }
  return (n) => {
    const group = groups[n - 1];
    if (group === undefined || group.length === 0) throw new FrameError('not_dicom', `frame ${n} has no fragments in the encapsulated Pixel Data`);
    return concat(bytes, group);
  };
}

function nativeFrames(bytes: Uint8Array, pixelData: Element, pixel: PixelModule): (n: number) => Uint8Array {
  const samples = pixel.rows * pixel.columns * pixel.samplesPerPixel;
  const frameBits = samples * pixel.bitsAllocated;
  const end = pixelData.dataOffset + pixelData.length;
  if (end > bytes.length) throw new FrameError('not_dicom', 'the file ends inside the Pixel Data');
  const needed = Math.ceil((frameBits * pixel.numberOfFrames) / 8);
  if (pixelData.length < needed) {
    throw new FrameError('not_dicom', `the Pixel Data holds ${pixelData.length} bytes; ${pixel.numberOfFrames} frame(s) of ${pixel.rows}×${pixel.columns}×${pixel.samplesPerPixel} at ${pixel.bitsAllocated} bits need ${needed}`);
  }
  return (n) => {
    const bitStart = (n - 1) * frameBits;
    const start = pixelData.dataOffset + Math.floor(bitStart / 8);
    const length = Math.ceil(frameBits / 8);
    if (bitStart % 8 === 0) return bytes.subarray(start, start + length);
    // 1-bit frames need not start on a byte: shift this frame's bits down (bits are LSB first).
    const shift = bitStart % 8;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = ((bytes[start + i]! >> shift) | ((bytes[start + i + 1] ?? 0) << (8 - shift))) & 0xff;
    return out;
  };
}

/** Reads the pixel module of a Part 10 instance (or bare data set) and prepares frame access. Throws FrameError. */
export function openFrames(input: Uint8Array): StoredFrames {
  let located;
  try {
    located = locateDataSet(input);
  } catch (error) {
    if (error instanceof LocateError) throw new FrameError(error.reason === 'unsupported' ? 'unsupported' : 'not_dicom', error.message);
    throw error;
  }
  let bytes = input;
  let position = located.position;
  if (located.encoding.deflated) {
    try {
      bytes = inflateRawSync(input.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (error) {
      throw new FrameError('not_dicom', `the deflated data set cannot be inflated (${(error as Error).message})`);
    }
    position = 0;
  }
  let dataSet: DataSet;
  try {
    dataSet = readDataSet(bytes, position, located.encoding);
  } catch (error) {
    throw new FrameError('not_dicom', `damaged DICOM file: ${typeof error === 'string' ? error : (error as Error).message}`);
  }
  const pixelData = dataSet.elements[PIXEL_DATA];
  if (pixelData === undefined) {
    if (FLOAT_PIXEL_DATA.some((t) => dataSet.elements[t] !== undefined)) throw new FrameError('unsupported', 'float and double float pixel data cannot be read as frames here');
    throw new FrameError('no_pixel_data', 'the instance has no Pixel Data (7FE0,0010)');
  }
  const photometricInterpretation = (dataSet.string('x00280004') ?? '').trim().toUpperCase();
  const pixelRepresentation = dataSet.uint16('x00280103') ?? 0;
  const bitsAllocated = required(dataSet, 'x00280100', 'Bits Allocated');
  const pixel: PixelModule = {
    transferSyntaxUid: located.transferSyntaxUid,
    rows: required(dataSet, 'x00280010', 'Rows'),
    columns: required(dataSet, 'x00280011', 'Columns'),
    samplesPerPixel: dataSet.uint16('x00280002') ?? 1,
    bitsAllocated,
    bitsStored: dataSet.uint16('x00280101') ?? bitsAllocated,
    highBit: dataSet.uint16('x00280102') ?? (dataSet.uint16('x00280101') ?? bitsAllocated) - 1,
    pixelRepresentation,
    photometricInterpretation: photometricInterpretation || 'MONOCHROME2',
    planarConfiguration: dataSet.uint16('x00280006') ?? 0,
    numberOfFrames: Math.max(1, Math.trunc(firstNumber(dataSet, 'x00280008', 1))),
    rescaleSlope: firstNumber(dataSet, 'x00281053', 1) || 1,
    rescaleIntercept: firstNumber(dataSet, 'x00281052', 0),
    windowCenter: numbers(dataSet, 'x00281050'),
    windowWidth: numbers(dataSet, 'x00281051'),
    voiLutFunction: (dataSet.string('x00281056') ?? 'LINEAR').trim().toUpperCase() || 'LINEAR',
    // dicom-parser may have walked past an encapsulated element, setting its real length.
    encapsulated: pixelData.length === 0xffffffff || pixelData.hadUndefinedLength === true,
    littleEndian: located.encoding.littleEndian,
  };
  if (pixel.rows === 0 || pixel.columns === 0) throw new FrameError('not_dicom', 'the image has zero Rows or Columns');
  if (![1, 8, 16, 32].includes(pixel.bitsAllocated)) throw new FrameError('unsupported', `Bits Allocated ${pixel.bitsAllocated} is not supported`);
  if (photometricInterpretation === 'PALETTE COLOR') {
    const signed = pixelRepresentation === 1;
    pixel.palette = {
      red: paletteLut(dataSet, 'red', 'x00281101', 'x00281201', signed),
      green: paletteLut(dataSet, 'green', 'x00281102', 'x00281202', signed),
      blue: paletteLut(dataSet, 'blue', 'x00281103', 'x00281203', signed),
    };
  }
  const read = pixel.encapsulated ? encapsulatedFrames(bytes, dataSet, pixelData, pixel.numberOfFrames) : nativeFrames(bytes, pixelData, pixel);
  return {
    pixel,
    frame(n: number): Uint8Array {
      if (!Number.isInteger(n) || n < 1 || n > pixel.numberOfFrames) {
        throw new FrameError('frame_out_of_range', `frame ${n} does not exist: the instance has ${pixel.numberOfFrames} frame${pixel.numberOfFrames === 1 ? '' : 's'} (numbered from 1)`);
      }
      return read(n);
    },
  };
}
