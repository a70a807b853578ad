// Streams a byte range of a Body, reading stored items as it goes and checking each one
// against the size and CRC-32 the index promised. A check that fails throws before the
// item's last bytes are handed on, so the caller can break the connection and the client
// never receives a body that looks complete but is not.
//
// Two faces: streamPieces yields each piece with what the consumer must do about it (wait
// for the item's check before sending its last piece; recycle the buffer once sent), so
// that reading and checksumming can run ahead of the socket; streamBody does the waiting
// itself and yields plain buffers.
import { segmentLength, type Body, type BodySegment, type DataItem } from './body.js';
import { INLINE_CRC32, knownCrc32, type Crc32Engine } from './crc32.js';

/** An external item, opened (and, where the store knows it, its size checked) before any of its bytes are sent. */
export interface OpenedItem {
  readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Releases the file; safe to call more than once. */
  close(): void;
  /** The CRC-32 of all the chunks, when whoever read them computed it already. */
  readonly crc32?: number;
  /** Takes back a chunk nothing reads any more (to read into it again); optional. */
  recycle?(chunk: Buffer): void;
}

/** A piece of the body, in order. */
export interface Piece {
  readonly data: Buffer;
  /**
   * When present, the piece must not be sent before this settles: it rejects with an
   * ItemIntegrityError when the item it ends failed its check. It never rejects unhandled.
   */
  readonly verified?: Promise<void>;
  /** When present, to be called once the data has been sent (or dropped). */
  readonly recycle?: () => void;
}

export type OpenItem<S> = (source: S, item: DataItem<S>) => Promise<OpenedItem>;

/** An item's bytes are missing or differ from what the index says. */
export class ItemIntegrityError<S> extends Error {
  constructor(
    readonly item: DataItem<S>,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ItemIntegrityError';
  }
}

export interface StreamRange {
  /** First byte offset (inclusive). */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
}

export interface StreamOptions<S> {
  readonly open: OpenItem<S>;
  /** How many external items to open ahead of the one being sent (default 8). */
  readonly readAhead?: number;
  /**
   * How many bytes of items to open ahead, at most (beyond the first): for a store that
   * reads files whole when they are opened, this bounds what a download holds (default:
   * no bound but the count).
   */
  readonly readAheadBytes?: number;
  /** Where CRC-32s are computed (default: inline, on this thread). */
  readonly crc32?: Crc32Engine;
}

/** Segments pulled ahead are capped, so a long run of directory records costs no memory. */
const MAX_QUEUED_SEGMENTS = 64;

interface Queued<S> {
  readonly segment: BodySegment<S>;
  readonly opened?: Promise<OpenedItem>;
}

/**
 * The body's bytes in [start, end), each item's last bytes only once it passed its check.
 * Buffers are not recycled: the consumer may keep them.
 */
export async function* streamBody<S>(body: Body<S>, range: StreamRange, options: StreamOptions<S>): AsyncGenerator<Buffer> {
  for await (const piece of streamPieces(body, range, options)) {
    if (piece.verified) await piece.verified;
    yield piece.data;
  }
}

/**
 * The pieces of the body in [start, end). A consumer sends each piece after its
 * `verified` settles, and calls its `recycle` once it is sent or dropped.
 */
export async function* streamPieces<S>(body: Body<S>, range: StreamRange, options: StreamOptions<S>): AsyncGenerator<Piece> {
  const { start, end } = range;
  const crc32 = options.crc32 ?? INLINE_CRC32;
  const readAhead = Math.max(1, options.readAhead ?? 8);
  const readAheadBytes = options.readAheadBytes ?? Infinity;
  const segments = body.segments()[Symbol.iterator]();
  const queue: Queued<S>[] = [];
  let exhausted = false;
  let current: Promise<OpenedItem> | undefined;

  const openFor = (item: DataItem<S>, source: S): Promise<OpenedItem> => {
    const promise = (async () => {
      try {
        return await options.open(source, item);
      } catch (err) {
        throw asIntegrityError(item, err, 'cannot open the file');
      }
    })();
    promise.catch(() => {}); // awaited later; do not let an early failure go unhandled
    return promise;
  };

  const fill = () => {
    let opens = 0;
    let openBytes = 0;
    for (const q of queue) {
      if (!q.opened || q.segment.kind !== 'item') continue;
      opens++;
      openBytes += q.segment.item.size;
    }
    // Opened in batches, once half the read-ahead is used up: the opens of one turn reach
    // the store together, which may then serve them together (see BlobStore.readWhole).
    if (opens > readAhead / 2 || openBytes > readAheadBytes / 2) return;
    while (!exhausted && opens < readAhead && (opens === 0 || openBytes < readAheadBytes) && queue.length < MAX_QUEUED_SEGMENTS) {
      const next = segments.next();
      if (next.done || next.value.start >= end) {
        exhausted = true;
        break;
      }
      const segment = next.value;
      if (segment.start + segmentLength(segment) <= start) continue;
      let opened: Promise<OpenedItem> | undefined;
      if (segment.kind === 'item' && 'external' in segment.item.content && dataOverlaps(segment, start, end)) {
        opened = openFor(segment.item, segment.item.content.external);
        opens++;
        openBytes += segment.item.size;
      }
      queue.push({ segment, opened });
    }
  };

  try {
    for (;;) {
      fill();
      const queued = queue.shift();
      if (!queued) break;
      const segment = queued.segment;
      if (segment.kind === 'bytes') {
        yield* plainPieces(segment.make(), segment.start, start, end);
        continue;
      }
      const item = segment.item;
      current = queued.opened;
      const opened = current ? await current : undefined;
      yield* plainPieces(segment.makeHeader(), segment.start, start, end);
      const dataStart = segment.start + segment.headerLength;
      if ('inline' in item.content) {
        yield* plainPieces(item.content.inline, dataStart, start, end);
      } else if (opened) {
        yield* verifiedPieces(item, opened, Math.max(0, start - dataStart), Math.min(item.size, end - dataStart), crc32);
        opened.close();
      }
      current = undefined;
    }
  } finally {
    // Close whatever is still open: the item being sent and those opened ahead.
    for (const p of [current, ...queue.map((q) => q.opened)]) {
      if (p) p.then((o) => o.close(), () => {});
    }
  }
}

/** Whether the item's data (or, for an empty item, its place) lies in [start, end). */
function dataOverlaps<S>(segment: BodySegment<S> & { kind: 'item' }, start: number, end: number): boolean {
  const dataStart = segment.start + segment.headerLength;
  const dataEnd = dataStart + segment.item.size;
  if (segment.item.size === 0) return segment.start < end && dataEnd >= start;
  return dataStart < end && dataEnd > start;
}

function* plainPieces(buf: Buffer, at: number, start: number, end: number): Generator<Piece> {
  const from = Math.max(start, at);
  const to = Math.min(end, at + buf.length);
  if (from < to) yield { data: from === at && to === at + buf.length ? buf : buf.subarray(from - at, to - at) };
}

/**
 * Reads the whole item (the CRC covers all of it) and yields the part in [from, to). The
 * last piece carries the item's check: the size at once (it is known when the reading
 * ends), the CRC-32 when the engine has it, so that reading the next item need not wait.
 */
async function* verifiedPieces<S>(
  item: DataItem<S>,
  opened: OpenedItem,
  from: number,
  to: number,
  crc32: Crc32Engine,
): AsyncGenerator<Piece> {
  let position = 0;
  const job = opened.crc32 === undefined ? crc32.begin(item.size) : knownCrc32(opened.crc32);
  let held: Piece | undefined;
  const recycle = opened.recycle?.bind(opened);
  // A chunk goes back to the item once both the consumer and the CRC engine are done with it.
  const recyclerOf = (chunk: Buffer, inUse: Promise<void> | undefined) =>
    recycle ? () => (inUse ? void inUse.then(() => recycle(chunk)) : recycle(chunk)) : undefined;
  try {
    try {
      for await (const chunk of opened.chunks) {
        if (chunk.length === 0) {
          recycle?.(chunk);
          continue;
        }
        if (position + chunk.length > item.size) {
          recycle?.(chunk);
          throw new ItemIntegrityError(item, `the file has more than ${item.size} bytes, the index records ${item.size}`);
        }
        const inUse = job.update(chunk);
        const a = Math.max(from, position);
        const b = Math.min(to, position + chunk.length);
        position += chunk.length;
        const recycler = recyclerOf(chunk, inUse);
        if (a >= b) {
          recycler?.(); // outside the range: read for the CRC only
          continue;
        }
        const at = position - chunk.length;
        const previous = held;
        // Held before the previous piece is yielded: if the consumer stops there, the
        // finally below still recycles this chunk.
        held = { data: a === at && b === position ? chunk : chunk.subarray(a - at, b - at), recycle: recycler };
        if (previous) yield previous;
      }
    } catch (err) {
      throw asIntegrityError(item, err, 'cannot read the file');
    }
    if (position !== item.size) {
      throw new ItemIntegrityError(item, `the file has ${position} bytes, the index records ${item.size}`);
    }
    const verified = job.digest().then((crc) => {
      if (crc >>> 0 !== item.crc32 >>> 0) {
        throw new ItemIntegrityError(item, `the file's content changed since ingest (CRC-32 ${hex(crc)}, the index records ${hex(item.crc32)})`);
      }
    });
    verified.catch(() => {}); // the consumer awaits it; an early failure must not go unhandled
    if (held) {
      const piece = { ...held, verified };
      held = undefined;
      yield piece;
    } else {
      await verified; // nothing of the item is in range: still fail where it would have ended
    }
  } finally {
    held?.recycle?.(); // the consumer stopped, or the item failed: the held piece is never sent
  }
}

function asIntegrityError<S>(item: DataItem<S>, err: unknown, what: string): ItemIntegrityError<S> {
  if (err instanceof ItemIntegrityError) return err as ItemIntegrityError<S>;
  const message = err instanceof Error ? err.message : String(err);
  return new ItemIntegrityError(item, `${what}: ${message}`);
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
