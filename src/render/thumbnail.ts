// The series thumbnail: the middle image of the series (archive order) rendered small,
// cached in the blob store after the first request, so every node of a cluster shares it.
// The cache key is a digest of what the picture depends on (the middle instance and its
// MD5, the series' image count, size and format): an ingest that adds, removes or replaces
// images changes the key, so a stale thumbnail is never served. Superseded ones stay as
// small orphans in the store (the BlobStore interface has no delete).
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AccessScope } from '../archive/access.js';
import { findMiddleInstance } from '../archive/instances.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { notFound } from '../errors.js';
import { frameApiError } from './errors.js';
import { renderInstance, RENDER_CONTENT_TYPES, type RenderFormat } from './render.js';
import { readStoredInstance } from './stored.js';

export const DEFAULT_THUMBNAIL_SIZE = 128;
const THUMBNAIL_PREFIX = 'thumbnails';

export interface ThumbnailRequest {
  studyInstanceUid?: string;
  seriesInstanceUid: string;
  /** The longest side in pixels (default 128); smaller images are not enlarged. */
  size?: number;
  format?: RenderFormat;
}

export interface Thumbnail {
  body: Buffer;
  contentType: string;
  /** Whether it came from the cache. */
  cached: boolean;
  /** A strong validator for HTTP caching: changes whenever the picture would. */
  etag: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function putBytes(blobs: BlobStore, key: string, bytes: Buffer): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nbia-thumbnail-'));
  try {
    const file = join(dir, 'thumbnail');
    await writeFile(file, bytes);
    await blobs.putFile(key, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The thumbnail of a series the viewer may see. Throws ApiError: 404 when the series does
 * not exist for this viewer or has no images, 415 when its middle image cannot be rendered.
 */
export async function seriesThumbnail(scope: AccessScope, blobs: BlobStore, request: ThumbnailRequest): Promise<Thumbnail> {
  const size = request.size ?? DEFAULT_THUMBNAIL_SIZE;
  const format = request.format ?? 'jpeg';
  const middle = await findMiddleInstance(scope, request);
  if (middle === undefined) throw notFound(`no series with SeriesInstanceUID ${request.seriesInstanceUid} and images is available`);
  const { instance, imageCount } = middle;
  const digest = createHash('sha256')
    .update(JSON.stringify([instance.seriesInstanceUid, instance.sopInstanceUid, instance.md5, imageCount, size, format]))
    .digest('hex');
  const key = `${THUMBNAIL_PREFIX}/${digest}.${format === 'jpeg' ? 'jpg' : 'png'}`;
  const etag = `"thumb-${digest.slice(0, 32)}"`;
  const contentType = RENDER_CONTENT_TYPES[format];

  if ((await blobs.stat(key, false)) !== null) {
    try {
      return { body: await readAll(blobs.openRead(key, false)), contentType, cached: true, etag };
    } catch {
      // Removed between stat and read: render it again below.
    }
  }
  const bytes = await readStoredInstance(blobs, instance);
  let body: Buffer;
  try {
    body = (await renderInstance(bytes, { format, rows: size, columns: size, quality: 80 })).body;
  } catch (error) {
    throw frameApiError(error);
  }
  await putBytes(blobs, key, body);
  return { body, contentType, cached: false, etag };
}
