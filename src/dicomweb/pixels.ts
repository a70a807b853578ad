// WADO-RS pixel resources (PS3.18 10.4 and 10.7): `frames/{list}` as stored (the frame
// extractor, src/dicom/frames.ts), `rendered` (the renderer, src/render/) and `thumbnail`
// (the render folder's cached series thumbnail). Frames are sent in the stored transfer
// syntax and never transcoded, so a request naming another one is a 406. Instances are found
// through the viewer's scope (findInstance), so what the viewer may not see is a 404.
import type { AccessScope } from '../archive/access.js';
import { findInstance, type StoredInstance } from '../archive/instances.js';
import { qidoSearch } from '../archive/queries/qido.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { openFrames } from '../dicom/frames.js';
import { badRequest, notFound } from '../errors.js';
import { frameApiError } from '../render/errors.js';
import { renderInstance, RENDER_CONTENT_TYPES, type RenderFormat, type RenderOptions } from '../render/render.js';
import { readStoredInstance } from '../render/stored.js';
import { DEFAULT_THUMBNAIL_SIZE, seriesThumbnail } from '../render/thumbnail.js';
import { mediaRanges, notAcceptable } from './accept.js';
import { multipartStream, multipartType, newBoundary, type Part } from './multipart.js';
import type { StreamAnswer, Target } from './wado.js';

/** The media type of a compressed frame's bitstream, by transfer syntax (PS3.18 table 8.7.3-2). */
const FRAME_MEDIA_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
};

const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);

async function instanceOf(scope: AccessScope, target: Required<Target>): Promise<StoredInstance> {
  const found = await findInstance(scope, { studyInstanceUid: target.study, seriesInstanceUid: target.series, sopInstanceUid: target.instance });
  if (!found) throw notFound(`no instance ${target.instance} of series ${target.series} of study ${target.study} in this archive`);
  return found;
}

/** `1,3,5` → [1, 3, 5]; 400 for anything else. */
export function frameList(text: string): number[] {
  const numbers = text.split(',').map((t) => t.trim());
  if (numbers.length === 0 || numbers.some((n) => !/^[1-9]\d{0,8}$/.test(n))) {
    throw badRequest(`frame list "${text}" is not a comma-separated list of frame numbers from 1`);
  }
  return numbers.map(Number);
}

/**
 * The media type frames go out as, given the Accept header and the stored transfer syntax:
 * application/octet-stream (native frames, or any frame with transfer-syntax=*), or the
 * bitstream type of the stored compression. 406 when the client wants something else.
 */
function frameMediaType(accept: string | undefined, storedTs: string): string {
  const native = NATIVE_TRANSFER_SYNTAXES.has(storedTs);
  const bitstream = FRAME_MEDIA_TYPES[storedTs];
  const ranges = mediaRanges(accept);
  if (ranges.length === 0) return 'application/octet-stream';
  for (const r of ranges) {
    if (r.params.q === '0') continue;
    // A bare */* takes whatever there is: the frames as stored.
    if (r.type === '*/*' && r.params.type === undefined && r.params['transfer-syntax'] === undefined) return 'application/octet-stream';
    if (r.type !== '*/*' && r.type !== 'multipart/*' && r.type !== 'multipart/related') continue;
    const type = (r.params.type ?? 'application/octet-stream').toLowerCase();
    const ts = r.params['transfer-syntax'];
    const tsFits = ts === '*' || ts === storedTs || (ts === undefined && native);
    if ((type === 'application/octet-stream' || type === '*/*') && tsFits) return 'application/octet-stream';
    if (bitstream !== undefined && type === bitstream && (ts === undefined || ts === '*' || ts === storedTs)) return bitstream;
  }
  throw notAcceptable(
    `frames are sent as stored (transfer syntax ${storedTs}): ask for multipart/related; type="application/octet-stream"; transfer-syntax=*` +
      (bitstream ? ` or type="${bitstream}"` : ''),
  );
}

/** Frames of one instance as multipart/related, one part per frame asked for, in the order asked. */
export async function frames(scope: AccessScope, blobs: BlobStore, target: Required<Target>, list: string, accept: string | undefined): Promise<StreamAnswer> {
  const numbers = frameList(list);
  const instance = await instanceOf(scope, target);
  const bytes = await readStoredInstance(blobs, instance);
  let parts: Part[];
  let type: string;
  try {
    const stored = openFrames(bytes);
    const storedTs = stored.pixel.transferSyntaxUid;
    type = frameMediaType(accept, storedTs);
    parts = numbers.map((n) => ({
      contentType: `${type}; transfer-syntax=${storedTs}`,
      body: Buffer.from(stored.frame(n)),
    }));
  } catch (error) {
    throw frameApiError(error);
  }
  const boundary = newBoundary();
  return { contentType: multipartType(type, boundary), body: multipartStream(parts, boundary) };
}

export interface ImageAnswer {
  contentType: string;
  body: Buffer;
  headers?: Record<string, string>;
}

/** PNG when the client asks for it (and not JPEG first), JPEG otherwise (PS3.18 8.3.3.1: JPEG is the default). */
function renderFormat(accept: string | undefined): RenderFormat {
  const ranges = mediaRanges(accept).filter((r) => r.params.q !== '0');
  if (ranges.length === 0) return 'jpeg';
  for (const r of ranges) {
    if (r.type === 'image/jpeg' || r.type === 'image/*' || r.type === '*/*') return 'jpeg';
    if (r.type === 'image/png') return 'png';
  }
  throw notAcceptable('rendered images are image/jpeg (the default) or image/png');
}

function numbersOf(name: string, text: string, count: number): number[] {
  const parts = text.split(',');
  if (parts.length < count || parts.slice(0, count).some((p) => p.trim() === '' || !Number.isFinite(Number(p)))) {
    throw badRequest(`${name} must be ${count} comma-separated numbers, not "${text}"`);
  }
  return parts.slice(0, count).map(Number);
}

/** The rendering parameters of PS3.18 8.3.5.1: quality, viewport (width,height) and window (center,width[,function]). */
export function renderOptions(query: Record<string, unknown>, accept: string | undefined): RenderOptions {
  const options: RenderOptions = { format: renderFormat(accept) };
  const one = (name: string) => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw badRequest(`${name} is given ${v.length} times; give it once`);
    return String(v);
  };
  const quality = one('quality');
  if (quality !== undefined) {
    if (!/^\d{1,3}$/.test(quality) || Number(quality) < 1 || Number(quality) > 100) throw badRequest(`quality must be a whole number from 1 to 100, not "${quality}"`);
    options.quality = Number(quality);
  }
  const viewport = one('viewport');
  if (viewport !== undefined) {
    const [width, height] = numbersOf('viewport', viewport, 2);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width! < 1 || height! < 1 || width! > 8192 || height! > 8192) {
      throw badRequest(`viewport must be width,height in whole pixels from 1 to 8192, not "${viewport}"`);
    }
    options.columns = width!;
    options.rows = height!;
  }
  const window = one('window');
  if (window !== undefined) {
    const [center, width] = numbersOf('window', window, 2);
    const fn = window.split(',')[2]?.trim().toLowerCase();
    if (fn !== undefined && fn !== 'linear') throw badRequest(`window function "${fn}" is not supported; only linear`);
    if (width! <= 0) throw badRequest('window width must be greater than 0');
    options.window = { center: center!, width: width! };
  }
  return options;
}

/** One instance, or one frame of it, rendered. */
export async function rendered(
  scope: AccessScope,
  blobs: BlobStore,
  target: Required<Target>,
  frame: string | undefined,
  query: Record<string, unknown>,
  accept: string | undefined,
): Promise<ImageAnswer> {
  const options = renderOptions(query, accept);
  if (frame !== undefined) {
    const [n, ...more] = frameList(frame);
    if (more.length > 0) throw badRequest('a rendered frame is one frame: frames/{n}/rendered');
    options.frame = n!;
  }
  const instance = await instanceOf(scope, target);
  const bytes = await readStoredInstance(blobs, instance);
  try {
    const image = await renderInstance(bytes, options);
    return { contentType: image.contentType, body: image.body };
  } catch (error) {
    throw frameApiError(error);
  }
}

/** The thumbnail of a study (its first series'), a series (cached) or an instance (rendered small). */
export async function thumbnail(scope: AccessScope, blobs: BlobStore, target: Target, query: Record<string, unknown>, accept: string | undefined): Promise<ImageAnswer> {
  const options = renderOptions(query, accept);
  const size = Math.max(options.rows ?? DEFAULT_THUMBNAIL_SIZE, options.columns ?? DEFAULT_THUMBNAIL_SIZE);
  if (target.instance !== undefined) {
    return rendered(scope, blobs, target as Required<Target>, undefined, { ...query, viewport: `${size},${size}` }, accept);
  }
  let series = target.series;
  if (series === undefined) {
    const [first] = await qidoSearch(scope, {
      level: 'series',
      matches: [{ ref: 'study.study_instance_uid', match: { kind: 'exact', value: target.study } }],
      columns: [],
      limit: 1,
      offset: 0,
    });
    if (!first) throw notFound(`no study ${target.study} in this archive`);
    series = first.seriesInstanceUid!;
  }
  const thumb = await seriesThumbnail(scope, blobs, { studyInstanceUid: target.study, seriesInstanceUid: series, size, format: options.format });
  return { contentType: RENDER_CONTENT_TYPES[options.format], body: thumb.body, headers: { ETag: thumb.etag } };
}
