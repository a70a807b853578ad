// Positioned reads of one S3 object for downloads. Opening is a GET of the whole object:
// its headers give the size (checked against the index before a byte is sent) and the
// ETag, and its body is read as reads follow on, so a file opened ahead of use costs no
// round trip when its turn comes; until then TCP holds the bytes, not our memory.
//
// Every later request for the object (a read that jumps, or the rest of the body after the
// connection dropped mid-way) is pinned to that ETag with If-Match: a changed object fails
// (412) instead of mixing two versions. A body that stalls while a read waits on it is
// given up after READ_STALL_MS, so a dead endpoint breaks the download instead of hanging it.
import type { Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { BlobReader } from '../blob-store.js';

/** A read waiting this long for the next bytes gives the connection up. */
export const READ_STALL_MS = 30_000;
/** How often a body that broke mid-way is requested again (from where it broke) before the read fails. */
const RESUMES = 2;

export type GetRange = (range: string, ifMatch: string | undefined) => Promise<GetObjectCommandOutput>;

export class S3ObjectReader implements BlobReader {
  readonly size: number;
  private readonly etag: string | undefined;
  private body: Readable | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  /** Offset of the next byte the body (then the leftover) delivers. */
  private bodyAt = 0;
  private leftover: Buffer | undefined;
  private closed = false;

  constructor(
    first: GetObjectCommandOutput,
    private readonly getRange: GetRange,
    private readonly stallMs = READ_STALL_MS,
  ) {
    this.size = Number(first.ContentLength ?? 0);
    this.etag = first.ETag;
    this.attach(first, 0);
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    if (this.closed) throw new Error('read of a closed blob reader');
    if (position >= this.size) return 0;
    if (!this.chunks || position !== this.bodyAt) await this.reopen(position);
    let filled = 0;
    let resumes = RESUMES;
    while (filled < buffer.length && this.bodyAt < this.size) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        let next: IteratorResult<Buffer>;
        try {
          next = await this.nextChunk();
        } catch (err) {
          if (resumes-- === 0 || this.closed) throw err;
          await this.reopen(this.bodyAt); // a dropped connection: ask for the rest of the same version
          continue;
        }
        if (next.done) break; // ended early: the caller sees a short file and says so
        chunk = next.value;
      }
      const n = chunk.copy(buffer, filled);
      if (n < chunk.length) this.leftover = chunk.subarray(n);
      filled += n;
      this.bodyAt += n;
    }
    if (this.bodyAt === this.size && !this.leftover) await this.finishBody();
    return filled;
  }

  /**
   * Reads the end of a body whose bytes are all in, so that closing the reader hands its
   * connection back to the pool instead of destroying it (a new TLS handshake per file).
   */
  private async finishBody(): Promise<void> {
    const chunks = this.chunks;
    if (!chunks || this.body?.readableEnded) return;
    try {
      const next = await this.nextChunk();
      if (!next.done) this.leftover = next.value; // more than the size said: left for the caller's check
    } catch {
      // the connection broke after the last byte: nothing of the object is lost
    }
  }

  close(): void {
    this.closed = true;
    this.drop();
  }

  private nextChunk(): Promise<IteratorResult<Buffer>> {
    const chunks = this.chunks!;
    const body = this.body;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        body?.destroy();
        reject(new Error(`no data from the object store for ${this.stallMs / 1000} s`));
      }, this.stallMs);
    });
    return Promise.race([chunks.next(), stalled]).finally(() => clearTimeout(timer));
  }

  private async reopen(position: number): Promise<void> {
    this.drop();
    const res = await this.getRange(`bytes=${position}-${this.size - 1}`, this.etag);
    // Checked here too: not every S3-compatible server honours If-Match.
    const changed = this.etag !== undefined && res.ETag !== undefined && res.ETag !== this.etag;
    if (this.closed || changed) {
      (res.Body as Readable | undefined)?.destroy();
      throw new Error(changed ? `the object changed while it was read (ETag ${res.ETag}, ${this.etag} when opened)` : 'read of a closed blob reader');
    }
    this.attach(res, position);
  }

  private attach(res: GetObjectCommandOutput, position: number): void {
    const body = res.Body as Readable | undefined;
    this.bodyAt = position;
    if (!body) {
      this.chunks = { next: async () => ({ done: true, value: undefined }) };
      return;
    }
    body.on('error', noop); // reported through the iterator; never unhandled before the first read
    this.body = body;
    this.chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private drop(): void {
    this.body?.destroy();
    this.body = undefined;
    this.chunks = undefined;
    this.leftover = undefined;
  }
}

const noop = () => {};
