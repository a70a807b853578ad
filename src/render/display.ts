// Stored values → 8-bit display values, the PS3.3 pipeline: Modality LUT (rescale slope and
// intercept), VOI LUT (window centre/width: the request's, else the file's first, else the
// frame's min–max), MONOCHROME1 inversion; colour images through the palette or YBR→RGB.
import { FrameError, type PixelModule } from '../dicom/frames.js';
import type { DecodedFrame } from './codecs.js';

export interface Window {
  center: number;
  width: number;
}

/** An 8-bit image: one channel (grey) or three (RGB), row by row. */
export interface DisplayImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** The VOI LUT functions of PS3.3 C.11.2.1.2 and C.11.2.1.3, mapping to 0..255. */
function voi(fn: string, { center, width }: Window): (x: number) => number {
  if (fn === 'SIGMOID') return (x) => 255 / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === 'LINEAR_EXACT') {
    return (x) => (x <= center - width / 2 ? 0 : x > center + width / 2 ? 255 : ((x - center) / width + 0.5) * 255);
  }
  const c = center - 0.5;
  const w = Math.max(width - 1, 0);
  // ((x - c) / w + 0.5) * 255, written as dcmtk evaluates it (a gradient and an offset), so
  // that truncation lands on the same grey level.
  const gradient = w === 0 ? 0 : 255 / w;
  const offset = w === 0 ? 255 : 255 * (-c / w + 0.5);
  return (x) => (x <= c - w / 2 ? 0 : x > c + w / 2 ? 255 : x * gradient + offset);
}

/** VOI output is truncated, not rounded, as dcmtk does (so renderings agree to the grey level). */
function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v);
}

function roundByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** The window used when neither the request nor the file gives one: the frame's value range. */
function minMaxWindow(values: Float64Array): Window {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  // Centre and width that make LINEAR map min to 0 and max to 255 (PS3.3 C.11.2.1.2.1).
  return { center: (min + max + 1) / 2, width: max - min + 1 };
}

function grey(pixel: PixelModule, frame: DecodedFrame, requested: Window | undefined): DisplayImage {
  const values = new Float64Array(frame.samples.length);
  for (let i = 0; i < values.length; i++) values[i] = frame.samples[i]! * pixel.rescaleSlope + pixel.rescaleIntercept;
  const fromFile = pixel.windowCenter.length > 0 && pixel.windowWidth.length > 0 && pixel.windowWidth[0]! > 0;
  const window = requested ?? (fromFile ? { center: pixel.windowCenter[0]!, width: pixel.windowWidth[0]! } : minMaxWindow(values));
  const map = voi(requested === undefined ? pixel.voiLutFunction : 'LINEAR', window);
  const invert = pixel.photometricInterpretation === 'MONOCHROME1';
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    // Inverted before truncation, as dcmtk does, so both land on the same level.
    const v = map(values[i]!);
    data[i] = clampByte(invert ? 255 - v : v);
  }
  return { width: pixel.columns, height: pixel.rows, channels: 1, data };
}

function ybrToRgb(samples: Float64Array, shift: number): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i += 3) {
    const y = samples[i]! / 2 ** shift;
    const cb = samples[i + 1]! / 2 ** shift - 128;
    const cr = samples[i + 2]! / 2 ** shift - 128;
    out[i] = roundByte(y + 1.402 * cr);
    out[i + 1] = roundByte(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = roundByte(y + 1.772 * cb);
  }
  return out;
}

function palette(pixel: PixelModule, frame: DecodedFrame): DisplayImage {
  const luts = pixel.palette!;
  const data = new Uint8Array(frame.samples.length * 3);
  const channels = [luts.red, luts.green, luts.blue];
  for (let i = 0; i < frame.samples.length; i++) {
    for (let c = 0; c < 3; c++) {
      const lut = channels[c]!;
      const index = Math.min(Math.max(frame.samples[i]! - lut.firstMapped, 0), lut.entries - 1);
      const entry = lut.data[index]!;
      data[3 * i + c] = lut.bitsPerEntry > 8 ? entry >> (lut.bitsPerEntry - 8) : entry & 0xff;
    }
  }
  return { width: pixel.columns, height: pixel.rows, channels: 3, data };
}

/** Applies the display pipeline to a decoded frame. Throws FrameError('unsupported') for photometric interpretations it cannot show. */
export function toDisplay(pixel: PixelModule, frame: DecodedFrame, window?: Window): DisplayImage {
  const photometric = frame.photometricInterpretation;
  if (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2') return grey(pixel, frame, window);
  if (photometric === 'PALETTE COLOR') {
    if (pixel.palette === undefined) throw new FrameError('unsupported', 'PALETTE COLOR image without a palette');
    return palette(pixel, frame);
  }
  if (pixel.samplesPerPixel !== 3) throw new FrameError('unsupported', `${photometric} with ${pixel.samplesPerPixel} samples per pixel cannot be rendered`);
  // Colour samples wider than 8 bits keep their top 8 bits.
  const shift = Math.max(0, pixel.bitsStored - 8);
  if (photometric === 'RGB') {
    const data = new Uint8Array(frame.samples.length);
    for (let i = 0; i < data.length; i++) data[i] = clampByte(frame.samples[i]! / 2 ** shift);
    return { width: pixel.columns, height: pixel.rows, channels: 3, data };
  }
  if (photometric === 'YBR_FULL') return { width: pixel.columns, height: pixel.rows, channels: 3, data: ybrToRgb(frame.samples, shift) };
  throw new FrameError('unsupported', `photometric interpretation ${photometric} cannot be rendered`);
}
