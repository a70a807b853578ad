// The renderer: a stored instance's bytes and a frame number → an 8-bit PNG or JPEG. Every
// face (WADO-URI, DICOMweb rendered/thumbnail, the portal) renders through renderInstance.
import type Sharp from 'sharp';
import { openFrames } from '../dicom/frames.js';
import { decodeFrame } from './codecs.js';
import { toDisplay, type DisplayImage, type Window } from './display.js';

// sharp (libvips) is loaded on the first render, not with the server: loading it took
// 40-125 ms and 24 MB of resident memory, which a server that only answers the NBIA API
// and downloads paid for nothing (issue 7: the server's memory under 16 downloads).
let sharpLoaded: Promise<typeof Sharp> | undefined;
const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => m.default));

export type RenderFormat = 'png' | 'jpeg';

export const RENDER_CONTENT_TYPES: Readonly<Record<RenderFormat, string>> = { png: 'image/png', jpeg: 'image/jpeg' };

export interface RenderOptions {
  /** 1-based; default 1. */
  frame?: number;
  /** Overrides the file's VOI window (grey images only). */
  window?: Window;
  format: RenderFormat;
  /** Fit the image inside rows × columns, keeping its aspect ratio (WADO-URI `rows`/`columns`); never enlarged. */
  rows?: number;
  columns?: number;
  /** JPEG quality 1..100 (default 90). */
  quality?: number;
}

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  width: number;
  height: number;
}

/** Decodes frame `frame` and applies the display pipeline: the 8-bit pixels before encoding. Throws FrameError. */
export async function renderPixels(bytes: Uint8Array, frame = 1, window?: Window): Promise<DisplayImage> {
  const stored = openFrames(bytes);
  const decoded = await decodeFrame(stored.pixel, stored.frame(frame));
  return toDisplay(stored.pixel, decoded, window);
}

/** Renders one frame of a stored instance to PNG or JPEG. Throws FrameError; see render/errors.ts for statuses. */
export async function renderInstance(bytes: Uint8Array, options: RenderOptions): Promise<RenderedImage> {
  const [image, sharp] = await Promise.all([renderPixels(bytes, options.frame ?? 1, options.window), loadSharp()]);
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (options.rows !== undefined || options.columns !== undefined) {
    pipeline = pipeline.resize({ width: options.columns, height: options.rows, fit: 'inside', withoutEnlargement: true });
  }
  // Keep grey images grey in the file (sharp would otherwise write three equal channels).
  if (image.channels === 1) pipeline = pipeline.toColourspace('b-w');
  pipeline = options.format === 'png' ? pipeline.png() : pipeline.jpeg({ quality: options.quality ?? 90 });
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { body: data, contentType: RENDER_CONTENT_TYPES[options.format], width: info.width, height: info.height };
}
