// getImage, getImageWithMD5Hash and getSingleImage at v1, v2 and v4 (nbia-api-spec §5.16-5.18,
// §9; api-policy "Downloads"). A series comes back as a store-only ZIP laid out from the
// index before a byte is read: the headers leave at once with an exact Content-Length,
// memory stays flat whatever the series size, and Range/If-Range resume a broken download.
// A stored file that vanished or changed since ingest breaks the connection (never a ZIP
// that looks whole) and is logged; HEAD answers the same headers without a body.
import { finished } from 'node:stream/promises';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scopeFor, type AppContext } from '../context.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { viewerName } from '../archive/access.js';
import { resolveViewer } from '../auth/viewer.js';
import { endpointPaths, type Family } from './families.js';
import {
  findDownloadImage,
  findDownloadSeries,
  imageFileOpener,
  planSeriesArchive,
  READ_CHUNK,
  recordDownload,
  type ImageFile,
} from '../archive/downloads.js';
import { singleItemBody, type Body } from '../zip/body.js';
import { decideRange } from '../zip/byte-range.js';
import { ItemIntegrityError, streamPieces, type Piece } from '../zip/stream-body.js';
import { BufferPool } from '../zip/buffer-pool.js';
import { readAhead, type ReadAheadOptions } from '../zip/read-ahead.js';
import { sharedCrc32Engine } from '../zip/crc32.js';
import type { BlobStore } from '../blobs/blob-store.js';

/**
 * How far reading may run ahead of the socket, per download. Besides this, a download holds
 * the piece being sent, the chunk being read and what the socket has not flushed yet; more
 * read-ahead made one download no faster (measured up to 4 MiB) and 16 at once bigger.
 */
const READ_AHEAD_BYTES = 512 * 1024;

/**
 * Read buffers shared by all downloads. The first 48 MiB of them are SharedArrayBuffers,
 * which the file reading thread fills and the CRC-32 helper thread checks in place: enough
 * for 16 downloads of 512 KiB files at once (measured, 2 cores: 16 at once took 143-151 ms
 * of server CPU per download with 48 MiB, 175-195 with 32, where more of them fell back to
 * the thread pool; 64 MiB was no faster). Files read into others are read on the thread
 * pool and checked on the main thread.
 */
export const READ_BUFFERS = new BufferPool(READ_CHUNK, 16, 48 * 1024 * 1024);

/**
 * Files opened ahead of the one being sent. A store that reads files whole when they are
 * opened (the local store: BlobStore.readWhole) holds them in memory, so a download opens
 * at most 2 MiB of them, half of that at a time: 4 files of 512 KiB, two at a time
 * (measured, 16 downloads at once of 512 KiB files: peak RSS 178-186 MB and 1,771-1,814
 * MB/s with 4; 205-207 MB and 1,328-1,687 MB/s with 8), or 16 small ones, 8 at a time.
 * Other stores open 8 ahead, to hide the latency of each open.
 */
const openAhead = (blobs: BlobStore) => (blobs.readWhole ? { readAhead: 16, readAheadBytes: 2 * 1024 * 1024 } : { readAhead: 8 });

const DOWNLOAD_FAMILIES: readonly Family[] = ['v1', 'v2', 'v4'];
type DownloadEndpoint = 'getImage' | 'getImageWithMD5Hash' | 'getSingleImage' | 'getDCMImage';
const DOWNLOAD_ENDPOINTS: readonly DownloadEndpoint[] = ['getImage', 'getImageWithMD5Hash', 'getSingleImage', 'getDCMImage'];

export function registerDownloadRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const family of DOWNLOAD_FAMILIES) {
    for (const name of DOWNLOAD_ENDPOINTS) {
      const handler =
        name === 'getSingleImage' ? singleImageHandler(ctx, family) : seriesArchiveHandler(ctx, family, name);
      for (const url of endpointPaths(family, name)) {
        // GET and HEAD in one route, so HEAD runs the same checks and sends the same headers.
        app.route({ method: ['GET', 'HEAD'], url, schema: { tags: ['downloads'], summary: SUMMARIES[name] }, handler });
      }
    }
  }
}

const SUMMARIES: Record<DownloadEndpoint, string> = {
  getImage:
    'A series as a ZIP: LICENSE, then the DICOM files (00000001.dcm... or, with NewFileNames=Yes, <acquisition>-<instance>.dcm), ' +
    'then md5hashes.csv with IncludeMD5=Yes. Params: SeriesInstanceUID (required), NewFileNames, IncludeMD5. Supports Range.',
  getImageWithMD5Hash:
    'A series as a ZIP: the DICOM files, then md5hashes.csv (Filename,MD5Hash). Param: SeriesInstanceUID (required). Supports Range.',
  getSingleImage: 'One DICOM Part 10 file. Params: SeriesInstanceUID and SOPInstanceUID (both required). Supports Range.',
  getDCMImage:
    'A series as a ZIP for the command-line downloader: the DICOM files named <acquisition>-<instance>.dcm, no LICENSE, ' +
    'then md5hashes.csv with MD5Verification=true. Params: SeriesInstanceUID (required), MD5Verification, IncludeAnnotation (no annotations are held). Supports Range.',
};

type Query = Record<string, unknown>;

/** A query parameter's value (the first, if repeated), or undefined when absent or blank. */
function param(query: Query, name: string): string | undefined {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** NBIA's yes/no flags (NewFileNames, IncludeMD5): `Yes` in any case. */
function flag(query: Query, name: string): boolean {
  return param(query, name)?.toLowerCase() === 'yes';
}

function requireParams(query: Query, names: readonly string[]): string[] {
  const values = names.map((n) => param(query, n));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    throw badRequest(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  }
  return values as string[];
}

/** A file name safe inside a quoted Content-Disposition parameter. */
const safeFileName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

function seriesArchiveHandler(ctx: AppContext, family: Family, name: 'getImage' | 'getImageWithMD5Hash' | 'getDCMImage') {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const viewer = await resolveViewer(ctx, request, family);
    const query = (request.query ?? {}) as Query;
    const [seriesUid] = requireParams(query, ['SeriesInstanceUID']) as [string];
    const scope = scopeFor(ctx, viewer);
    const series = await findDownloadSeries(scope, seriesUid);
    if (!series) throw notFound(`no series with SeriesInstanceUID ${seriesUid} is available`);
    // getDCMImage (spec §5.20): descriptive names, no LICENSE, md5hashes.csv on MD5Verification=true.
    const dcm = name === 'getDCMImage';
    const plan = await planSeriesArchive(scope, series, {
      license: name === 'getImage',
      md5: dcm ? param(query, 'MD5Verification')?.toLowerCase() === 'true' : name === 'getImageWithMD5Hash' || flag(query, 'IncludeMD5'),
      descriptiveNames: dcm || flag(query, 'NewFileNames'),
    });
    await sendBody(ctx, request, reply, {
      body: plan,
      etag: plan.etag,
      contentType: 'application/zip',
      disposition: `attachment; filename="${safeFileName(series.seriesInstanceUid)}.zip"`,
      seriesInstanceUid: series.seriesInstanceUid,
      endpoint: `${family}/${name}`,
      userName: viewerName(viewer),
    });
  };
}

function singleImageHandler(ctx: AppContext, family: Family) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const viewer = await resolveViewer(ctx, request, family);
    const query = (request.query ?? {}) as Query;
    const [seriesUid, sopUid] = requireParams(query, ['SeriesInstanceUID', 'SOPInstanceUID']) as [string, string];
    const image = await findDownloadImage(scopeFor(ctx, viewer), seriesUid, sopUid);
    if (!image) throw notFound(`no image with SOPInstanceUID ${sopUid} is available in series ${seriesUid}`);
    await sendBody(ctx, request, reply, {
      body: singleItemBody({ size: image.fileSize, crc32: image.crc32, content: { external: image } }),
      etag: `"md5-${image.md5}"`,
      contentType: 'application/dicom',
      disposition: `attachment; filename=${safeFileName(image.sopInstanceUid)}.dcm`,
      seriesInstanceUid: seriesUid,
      endpoint: `${family}/getSingleImage`,
      userName: viewerName(viewer),
    });
  };
}

export interface Delivery {
  body: Body<ImageFile>;
  etag: string;
  contentType: string;
  disposition: string;
  seriesInstanceUid: string;
  endpoint: string;
  userName: string;
}

/**
 * Answers with the body (or the requested range of it), streaming from the blob store.
 * Everything that can fail with a clean error (range checks) happens before the reply is
 * taken over; after that the only way to signal a failure is to break the connection.
 */
export async function sendBody(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, d: Delivery): Promise<void> {
  const total = d.body.totalSize;
  const isHead = request.method === 'HEAD';
  // Range applies to GET only (RFC 9110 §14.2); HEAD describes the whole body.
  const decision = isHead ? { kind: 'full' as const } : decideRange(header(request, 'range'), header(request, 'if-range'), total, d.etag);
  if (decision.kind === 'unsatisfiable') {
    throw new ApiError('range_not_satisfiable', `the requested range is outside the ${total} bytes of this download`, {
      'Content-Range': `bytes */${total}`,
      'Accept-Ranges': 'bytes',
    });
  }
  const partial = decision.kind === 'partial';
  const start = partial ? decision.start : 0;
  const end = partial ? decision.end + 1 : total;

  // An index whose files never reached this file store (copied alone, or the scale bench's)
  // gets a clear error now, while one can still be sent, instead of headers and a broken
  // transfer. A file lost in the middle of a series still breaks the transfer (below).
  const first = isHead ? undefined : firstStoredFile(d.body, start, end);
  if (first && !(await ctx.blobs.stat(first.blobKey, first.inPlace).catch(() => null))) {
    throw notFound(`the files of series ${d.seriesInstanceUid} are not in this archive's file store (image ${first.sopInstanceUid} is missing)`);
  }

  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value; // what hooks set so far (CORS)
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(partial ? 206 : 200, {
    ...headers,
    'content-type': d.contentType,
    'content-length': String(end - start),
    'content-disposition': d.disposition,
    'accept-ranges': 'bytes',
    etag: d.etag,
    'cache-control': 'private',
    ...(partial ? { 'content-range': `bytes ${start}-${end - 1}/${total}` } : {}),
  });
  if (isHead) {
    res.end();
    return;
  }
  res.flushHeaders(); // clients time out waiting for headers (Data Retriever: 30 s); send them now

  const progress = { sent: 0 };
  try {
    const pieces = streamPieces(d.body, { start, end }, {
      open: imageFileOpener(ctx.blobs, READ_BUFFERS),
      ...openAhead(ctx.blobs),
      crc32: sharedCrc32Engine(),
    });
    await pump(res, readAhead(pieces, READ_AHEAD_BYTES, PIECES), progress);
  } catch (err) {
    if (err instanceof ItemIntegrityError) {
      const image = 'external' in err.item.content ? (err.item.content.external as ImageFile) : undefined;
      request.log.error(
        { seriesInstanceUid: d.seriesInstanceUid, sopInstanceUid: image?.sopInstanceUid, reason: err.reason, bytesSent: progress.sent },
        `download aborted: image ${image?.sopInstanceUid ?? '?'} of series ${d.seriesInstanceUid}: ${err.reason}`,
      );
    } else if (!(err instanceof ClientGone)) {
      request.log.error({ err, seriesInstanceUid: d.seriesInstanceUid }, 'download aborted');
    }
    res.destroy(); // the client sees a broken transfer, never a body that looks whole
  } finally {
    // Recorded whether complete or not: `bytes` is what was handed to the connection.
    recordDownload(ctx.store.db, {
      userName: d.userName,
      seriesInstanceUid: d.seriesInstanceUid,
      endpoint: d.endpoint,
      bytes: progress.sent,
      address: request.ip ?? null,
    }).catch((err: unknown) => request.log.error({ err }, 'could not record a download event'));
  }
}

/** The first stored file whose bytes fall in [start, end) of the body, if any. */
function firstStoredFile(body: Body<ImageFile>, start: number, end: number): ImageFile | undefined {
  for (const segment of body.segments()) {
    if (segment.start >= end) return undefined;
    if (segment.kind !== 'item' || !('external' in segment.item.content)) continue;
    const dataStart = segment.start + segment.headerLength;
    if (dataStart + segment.item.size > start) return segment.item.content.external;
  }
  return undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The client went away mid-download. */
class ClientGone extends Error {}

/** Small pieces (headers, small files) are copied together into writes of this size. */
const COALESCE_BYTES = 64 * 1024;

const PIECES: ReadAheadOptions<Piece> = { sizeOf: (p) => p.data.length, discard: (p) => p.recycle?.() };

/**
 * Writes the pieces to the response, each once its item passed its check, waiting whenever
 * the socket is full. Small pieces are copied into a staging buffer, so a series of
 * thousands of tiny files becomes a few large writes; a large piece goes out as it is,
 * corked together with what is staged (one writev: a file's local header and its data
 * leave in one system call), and is recycled once the socket has taken it.
 */
async function pump(res: ServerResponse, pieces: AsyncIterable<Piece>, progress: { sent: number }): Promise<void> {
  const stages = new StagePool();
  let stage = stages.take();
  let staged = 0;
  /** Writes what is staged (to be followed by more in the same cork); false when the socket is full. */
  const writeStage = (): boolean => {
    if (staged === 0) return true;
    const full = stage;
    const more = res.write(full.subarray(0, staged), () => stages.give(full));
    progress.sent += staged;
    stage = stages.take(); // the socket may still hold the old one
    staged = 0;
    return more;
  };
  let more = true;
  for await (const piece of pieces) {
    try {
      if (piece.verified) await piece.verified;
      // Checked after the wait: the client may have left meanwhile.
      if (res.destroyed) throw new ClientGone();
    } catch (err) {
      piece.recycle?.();
      throw err;
    }
    const data = piece.data;
    if (data.length < COALESCE_BYTES) {
      if (staged + data.length > COALESCE_BYTES) more = writeStage();
      data.copy(stage, staged);
      staged += data.length;
      piece.recycle?.();
    } else {
      res.cork();
      writeStage();
      more = res.write(data, piece.recycle ? () => piece.recycle!() : undefined);
      progress.sent += data.length;
      res.uncork();
    }
    if (!more) {
      await drained(res);
      more = true;
    }
  }
  writeStage();
  res.end();
  try {
    await finished(res);
  } catch {
    throw new ClientGone();
  }
}

/** Staging buffers, reused once the socket is done with them. */
class StagePool {
  private readonly free: Buffer[] = [];
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(COALESCE_BYTES);
  }
  give(stage: Buffer): void {
    if (this.free.length < 4) this.free.push(stage);
  }
}

function drained(res: ServerResponse): Promise<void> {
  // A response already closed emits neither event again.
  if (res.destroyed || res.closed) return Promise.reject(new ClientGone());
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      res.off('drain', onDrain);
      reject(new ClientGone());
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
