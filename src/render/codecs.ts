// Pixel data decoding: a frame's bytes as stored (dicom/frames.ts) → the stored sample
// values, colour-by-pixel. Native data is read here; RLE is decoded here (PackBits, a page
// of PS3.5 Annex G); JPEG, JPEG-LS and JPEG 2000 go to maintained codec libraries: the
// cornerstone WASM builds of libjpeg-turbo, CharLS and OpenJPEG that OHIF decodes with, and
// jpeg-lossless-decoder-js for JPEG lossless (process 14).
import { createRequire } from 'node:module';
import { FrameError, type PixelModule } from '../dicom/frames.js';

/** Stored sample values of one frame, colour-by-pixel, already masked to Bits Stored and sign-extended. */
export interface DecodedFrame {
  samples: Float64Array;
  /** The photometric interpretation of `samples` (a JPEG decoder turns YBR into RGB). */
  photometricInterpretation: string;
}

export type CodecFamily = 'native' | 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

/** Every transfer syntax the renderer decodes, and how. */
export const TRANSFER_SYNTAX_CODECS: Readonly<Record<string, CodecFamily>> = {
  '1.2.840.10008.1.2': 'native', // Implicit VR Little Endian
  '1.2.840.10008.1.2.1': 'native', // Explicit VR Little Endian
  '1.2.840.10008.1.2.1.99': 'native', // Deflated Explicit VR Little Endian (inflated by frames.ts)
  '1.2.840.10008.1.2.2': 'native', // Explicit VR Big Endian
  '1.2.840.10008.1.2.5': 'rle', // RLE Lossless
  '1.2.840.10008.1.2.4.50': 'jpeg', // JPEG Baseline (process 1)
  '1.2.840.10008.1.2.4.51': 'jpeg', // JPEG Extended (process 2 & 4), 8-bit only (see below)
  '1.2.840.10008.1.2.4.57': 'jpeg-lossless', // JPEG Lossless, non-hierarchical (process 14)
  '1.2.840.10008.1.2.4.70': 'jpeg-lossless', // JPEG Lossless, first-order prediction (process 14, SV1)
  '1.2.840.10008.1.2.4.80': 'jpeg-ls', // JPEG-LS Lossless
  '1.2.840.10008.1.2.4.81': 'jpeg-ls', // JPEG-LS Near-Lossless
  '1.2.840.10008.1.2.4.90': 'jpeg2000', // JPEG 2000 Lossless Only
  '1.2.840.10008.1.2.4.91': 'jpeg2000', // JPEG 2000
};

const require = createRequire(import.meta.url);
const quiet = { print: () => undefined, printErr: () => undefined };
type Codec = Record<string, new () => CornerstoneDecoder>;
const loaded = new Map<string, Promise<Codec>>();

/** Each WASM module is instantiated once per process, on first use. */
function codec(name: string): Promise<Codec> {
  let module = loaded.get(name);
  if (module === undefined) {
    module = (require(name) as CornerstoneCodecFactory)(quiet);
    loaded.set(name, module);
  }
  return module;
}

async function cornerstoneDecode(moduleName: string, className: string, bytes: Uint8Array): Promise<{ data: Uint8Array; info: CornerstoneFrameInfo }> {
  const Decoder = (await codec(moduleName))[className]!;
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    // The decoded buffer is a view into WASM memory: copy it out before delete() frees it.
    return { data: decoder.getDecodedBuffer().slice(), info: decoder.getFrameInfo() };
  } finally {
    decoder.delete();
  }
}

function expectedSamples(pixel: PixelModule): number {
  return pixel.rows * pixel.columns * pixel.samplesPerPixel;
}

/** Reads unsigned words of `bytesPerSample` from decoded codec output (always little endian). */
function wordsOf(data: Uint8Array, bytesPerSample: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (bytesPerSample === 1) {
    for (let i = 0; i < count; i++) out[i] = data[i] ?? 0;
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < count && 2 * i + 1 < data.length; i++) out[i] = view.getUint16(2 * i, true);
  }
  return out;
}

/** Keeps the Bits Stored bits below High Bit and sign-extends them for signed pixels. */
function maskAndSign(values: Float64Array, pixel: PixelModule, alreadyAligned: boolean): Float64Array {
  const bits = Math.min(pixel.bitsStored, 32);
  const shift = alreadyAligned ? 0 : Math.max(0, pixel.highBit + 1 - pixel.bitsStored);
  const modulus = 2 ** bits;
  const signBit = 2 ** (bits - 1);
  for (let i = 0; i < values.length; i++) {
    let v = Math.floor(values[i]! / 2 ** shift) % modulus;
    if (v < 0) v += modulus;
    if (pixel.pixelRepresentation === 1 && v >= signBit) v -= modulus;
    values[i] = v;
  }
  return values;
}

function readNative(pixel: PixelModule, bytes: Uint8Array): Float64Array {
  const count = expectedSamples(pixel);
  const out = new Float64Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = pixel.littleEndian;
  switch (pixel.bitsAllocated) {
    case 1:
      for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3]! >> (i & 7)) & 1;
      break;
    case 8:
      for (let i = 0; i < count; i++) out[i] = bytes[i]!;
      break;
    case 16:
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, le);
      break;
    case 32:
      for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, le);
      break;
  }
  return out;
}

/** Colour-by-plane (RR..GG..BB..) → colour-by-pixel (RGBRGB...). */
function interleave(planes: Float64Array, samplesPerPixel: number): Float64Array {
  const pixels = planes.length / samplesPerPixel;
  const out = new Float64Array(planes.length);
  for (let s = 0; s < samplesPerPixel; s++) for (let i = 0; i < pixels; i++) out[i * samplesPerPixel + s] = planes[s * pixels + i]!;
  return out;
}

/** PS3.5 Annex G: a 64-byte header of segment offsets, each segment one byte plane in PackBits. */
function decodeRle(pixel: PixelModule, bytes: Uint8Array): Float64Array {
  const bytesPerSample = Math.ceil(pixel.bitsAllocated / 8);
  const pixels = pixel.rows * pixel.columns;
  if (bytes.length < 64) throw new FrameError('not_dicom', 'the RLE frame is shorter than its 64-byte header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments = view.getUint32(0, true);
  const expected = bytesPerSample * pixel.samplesPerPixel;
  if (segments !== expected) throw new FrameError('not_dicom', `the RLE frame has ${segments} segments; ${expected} expected`);
  const planes = new Float64Array(pixels * pixel.samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : bytes.length;
    plane.fill(0);
    let out = 0;
    for (let p = start; p < end && out < pixels; ) {
      const n = (bytes[p++]! << 24) >> 24; // signed byte
      if (n >= 0) {
        for (let k = 0; k <= n && out < pixels; k++) plane[out++] = bytes[p++]!;
      } else if (n !== -128) {
        const value = bytes[p++]!;
        for (let k = 0; k < 1 - n && out < pixels; k++) plane[out++] = value;
      }
    }
    // Segments run most significant byte first within each sample.
    const sample = Math.floor(s / bytesPerSample);
    const weight = 2 ** (8 * (bytesPerSample - 1 - (s % bytesPerSample)));
    const base = sample * pixels;
    for (let i = 0; i < pixels; i++) planes[base + i]! += plane[i]! * weight;
  }
  return pixel.samplesPerPixel > 1 ? interleave(planes, pixel.samplesPerPixel) : planes;
}

function checkSize(pixel: PixelModule, width: number, height: number, components: number): void {
  if (width !== pixel.columns || height !== pixel.rows || components !== pixel.samplesPerPixel) {
    throw new FrameError('not_dicom', `the compressed frame is ${width}×${height}×${components}; the header says ${pixel.columns}×${pixel.rows}×${pixel.samplesPerPixel}`);
  }
}

async function decodeCompressed(family: CodecFamily, pixel: PixelModule, bytes: Uint8Array): Promise<DecodedFrame> {
  const count = expectedSamples(pixel);
  switch (family) {
    case 'jpeg': {
      let decoded;
      try {
        decoded = await cornerstoneDecode('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', bytes);
      } catch (error) {
        if (pixel.bitsStored > 8) throw new FrameError('unsupported', `JPEG with ${pixel.bitsStored}-bit precision (process 4) cannot be decoded here: the JPEG decoder is 8-bit only`);
        throw new FrameError('not_dicom', `the JPEG frame cannot be decoded (${describe(error)})`);
      }
      checkSize(pixel, decoded.info.width, decoded.info.height, decoded.info.componentCount);
      // libjpeg converts YCbCr to RGB itself.
      const photometric = pixel.samplesPerPixel === 3 ? 'RGB' : pixel.photometricInterpretation;
      return { samples: maskAndSign(wordsOf(decoded.data, 1, count), pixel, true), photometricInterpretation: photometric };
    }
    case 'jpeg-ls':
    case 'jpeg2000': {
      const [moduleName, className] =
        family === 'jpeg-ls' ? ['@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder'] : ['@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder'];
      let decoded;
      try {
        decoded = await cornerstoneDecode(moduleName, className, bytes);
      } catch (error) {
        throw new FrameError('not_dicom', `the ${family === 'jpeg-ls' ? 'JPEG-LS' : 'JPEG 2000'} frame cannot be decoded (${describe(error)})`);
      }
      checkSize(pixel, decoded.info.width, decoded.info.height, decoded.info.componentCount);
      const bytesPerSample = decoded.info.bitsPerSample > 8 ? 2 : 1;
      // A JPEG 2000 colour transform (YBR_ICT / YBR_RCT) is undone by the decoder.
      const photometric = family === 'jpeg2000' && pixel.photometricInterpretation.startsWith('YBR_') ? 'RGB' : pixel.photometricInterpretation;
      return { samples: maskAndSign(wordsOf(decoded.data, bytesPerSample, count), pixel, true), photometricInterpretation: photometric };
    }
    case 'jpeg-lossless': {
      // libjpeg-turbo decodes 8-bit lossless JPEG (it is exact where jpeg-lossless-decoder-js
      // loses the last pixel of some colour images); wider samples go to the latter.
      if (pixel.bitsAllocated === 8) {
        let decoded;
        try {
          decoded = await cornerstoneDecode('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', bytes);
        } catch (error) {
          throw new FrameError('not_dicom', `the JPEG lossless frame cannot be decoded (${describe(error)})`);
        }
        checkSize(pixel, decoded.info.width, decoded.info.height, decoded.info.componentCount);
        return { samples: maskAndSign(wordsOf(decoded.data, 1, count), pixel, true), photometricInterpretation: pixel.photometricInterpretation };
      }
      const { Decoder } = await import('jpeg-lossless-decoder-js');
      const bytesPerSample = pixel.bitsAllocated > 8 ? 2 : 1;
      let out;
      const decoder = new Decoder();
      try {
        out = decoder.decode(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length, bytesPerSample);
      } catch (error) {
        throw new FrameError('not_dicom', `the JPEG lossless frame cannot be decoded (${describe(error)})`);
      }
      checkSize(pixel, decoder.xDim, decoder.yDim, decoder.numComp);
      const samples = new Float64Array(count);
      for (let i = 0; i < count; i++) samples[i] = out[i] ?? 0;
      return { samples: maskAndSign(samples, pixel, true), photometricInterpretation: pixel.photometricInterpretation };
    }
    default:
      throw new FrameError('unsupported', `no decoder for ${family}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'number' ? `decoder error ${error}` : String(error);
}

/** Decodes frame bytes as openFrames gives them. Throws FrameError ('unsupported' for a transfer syntax without a decoder). */
export async function decodeFrame(pixel: PixelModule, bytes: Uint8Array): Promise<DecodedFrame> {
  const family = TRANSFER_SYNTAX_CODECS[pixel.transferSyntaxUid];
  if (family === undefined) throw new FrameError('unsupported', `transfer syntax ${pixel.transferSyntaxUid} cannot be decoded for rendering`);
  if (family === 'native') {
    if (pixel.photometricInterpretation.endsWith('_422') || pixel.photometricInterpretation.endsWith('_420')) {
      throw new FrameError('unsupported', `native ${pixel.photometricInterpretation} (chroma subsampled) pixel data cannot be rendered`);
    }
    let samples = maskAndSign(readNative(pixel, bytes), pixel, false);
    if (pixel.samplesPerPixel > 1 && pixel.planarConfiguration === 1) samples = interleave(samples, pixel.samplesPerPixel);
    return { samples, photometricInterpretation: pixel.photometricInterpretation };
  }
  if (family === 'rle') return { samples: maskAndSign(decodeRle(pixel, bytes), pixel, false), photometricInterpretation: pixel.photometricInterpretation };
  return decodeCompressed(family, pixel, bytes);
}
