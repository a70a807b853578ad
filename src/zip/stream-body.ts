// Streams a byte range of a Body, reading stored items as it goes and checking each one
// against the size and CRC-32 the index promised. A check that fails throws before the
// item's last bytes are handed on, so the caller can break the connection and the client
// never receives a body that looks complete but is not.
import zlib from 'node:zlib';
import { segmentLength, type Body, type BodySegment, type DataItem } from './body.js';

/** An external item, opened (and its size checked) before any of its bytes are sent. */
export interface OpenedItem {
  readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Releases the file; safe to call more than once. */
  close(): void;
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
}

/** Segments pulled ahead are capped, so a long run of directory records costs no memory. */
const MAX_QUEUED_SEGMENTS = 64;

interface Queued<S> {
  readonly segment: BodySegment<S>;
  readonly opened?: Promise<OpenedItem>;
}

export async function* streamBody<S>(body: Body<S>, range: StreamRange, options: StreamOptions<S>): AsyncGenerator<Buffer> {
  const { start, end } = range;
  const readAhead = Math.max(1, options.readAhead ?? 8);
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
    let opens = queue.reduce((n, q) => n + (q.opened ? 1 : 0), 0);
    while (!exhausted && opens < readAhead && queue.length < MAX_QUEUED_SEGMENTS) {
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
        yield* overlapOf(segment.make(), segment.start, start, end);
        continue;
      }
      const item = segment.item;
      current = queued.opened;
      const opened = current ? await current : undefined;
      yield* overlapOf(segment.makeHeader(), segment.start, start, end);
      const dataStart = segment.start + segment.headerLength;
      if ('inline' in item.content) {
        yield* overlapOf(item.content.inline, dataStart, start, end);
      } else if (opened) {
        yield* verifiedSlices(item, opened, Math.max(0, start - dataStart), Math.min(item.size, end - dataStart));
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

function* overlapOf(buf: Buffer, at: number, start: number, end: number): Generator<Buffer> {
  const from = Math.max(start, at);
  const to = Math.min(end, at + buf.length);
  if (from < to) yield from === at && to === at + buf.length ? buf : buf.subarray(from - at, to - at);
}

/**
 * Reads the whole item (the CRC covers all of it) and yields the part in [from, to).
 * The last slice is held back until size and CRC have been checked.
 */
async function* verifiedSlices<S>(item: DataItem<S>, opened: OpenedItem, from: number, to: number): AsyncGenerator<Buffer> {
  let position = 0;
  let crc = 0;
  let held: Buffer | undefined;
  try {
    for await (const chunk of opened.chunks) {
      if (position + chunk.length > item.size) {
        throw new ItemIntegrityError(item, `the file has more than ${item.size} bytes, the index records ${item.size}`);
      }
      crc = zlib.crc32(chunk, crc);
      const a = Math.max(from, position);
      const b = Math.min(to, position + chunk.length);
      if (a < b) {
        if (held) yield held;
        held = a === position && b === position + chunk.length ? chunk : chunk.subarray(a - position, b - position);
      }
      position += chunk.length;
    }
  } catch (err) {
    throw asIntegrityError(item, err, 'cannot read the file');
  }
  if (position !== item.size) {
    throw new ItemIntegrityError(item, `the file has ${position} bytes, the index records ${item.size}`);
  }
  if (crc >>> 0 !== item.crc32 >>> 0) {
    throw new ItemIntegrityError(
      item,
      `the file's content changed since ingest (CRC-32 ${hex(crc)}, the index records ${hex(item.crc32)})`,
    );
  }
  if (held) yield held;
}

function asIntegrityError<S>(item: DataItem<S>, err: unknown, what: string): ItemIntegrityError<S> {
  if (err instanceof ItemIntegrityError) return err as ItemIntegrityError<S>;
  const message = err instanceof Error ? err.message : String(err);
  return new ItemIntegrityError(item, `${what}: ${message}`);
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
