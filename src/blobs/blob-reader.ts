// Positioned reads for every store: its own openForRead when it has one (the local store:
// file descriptors), otherwise a reader built on stat and openRead. Readers are used front
// to back (downloads read whole files, the CRC covers all of them), so the stream-backed
// reader keeps one stream open while reads follow on, and reopens at the new offset only
// when a read jumps.
import type { Readable } from 'node:stream';
import type { BlobReader, BlobStore } from './blob-store.js';

/** Opens a blob of any store for positioned reads; null when it is missing. */
export async function openBlobReader(store: BlobStore, key: string, inPlace: boolean): Promise<BlobReader | null> {
  if (store.openForRead) return store.openForRead(key, inPlace);
  const stat = await store.stat(key, inPlace);
  return stat ? new StreamBlobReader(store, key, inPlace, stat.size) : null;
}

const noop = () => {};

/** A BlobReader over a store's streams. */
export class StreamBlobReader implements BlobReader {
  private stream: Readable | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  /** Offset in the blob of the next byte the stream (then the leftover) delivers. */
  private streamAt = 0;
  /** Bytes the stream delivered beyond the last read. */
  private leftover: Buffer | undefined;
  private closed = false;

  constructor(
    private readonly store: BlobStore,
    private readonly key: string,
    private readonly inPlace: boolean,
    readonly size: number,
  ) {}

  async read(buffer: Buffer, position: number): Promise<number> {
    if (this.closed) throw new Error('read of a closed blob reader');
    if (!this.chunks || position !== this.streamAt) this.reopen(position);
    let filled = 0;
    while (filled < buffer.length) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        const next = await this.chunks!.next();
        if (next.done) break;
        chunk = next.value;
      }
      const n = chunk.copy(buffer, filled);
      if (n < chunk.length) this.leftover = chunk.subarray(n);
      filled += n;
    }
    this.streamAt += filled;
    return filled;
  }

  close(): void {
    this.closed = true;
    this.dropStream();
  }

  private reopen(position: number): void {
    this.dropStream();
    this.streamAt = position;
    if (position !== 0 && position >= this.size) {
      this.chunks = emptyIterator(); // past the end known at open: nothing to read
      return;
    }
    // From 0 the whole blob, so that one that grew past `size` shows it; elsewhere the
    // range up to the size known at open (a store need not accept an open-ended range).
    const stream =
      position === 0 ? this.store.openRead(this.key, this.inPlace) : this.store.openRead(this.key, this.inPlace, { start: position, end: this.size - 1 });
    // An error before the first read must not go unhandled; the iterator still throws it.
    stream.on('error', noop);
    this.stream = stream;
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private dropStream(): void {
    this.stream?.destroy();
    this.stream = undefined;
    this.chunks = undefined;
    this.leftover = undefined;
  }
}

function emptyIterator(): AsyncIterator<Buffer> {
  return { next: async () => ({ done: true, value: undefined }) };
}
