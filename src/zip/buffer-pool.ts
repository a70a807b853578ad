// Read buffers recycled across downloads: a chunk read from disk goes back to the pool once
// the socket has taken its bytes, so downloads of any size keep a few buffers in
// circulation instead of leaving a trail of garbage for the collector (which, with many
// downloads at once, shows up as a hundred MB or more of RSS). Buffers are sized to what
// is read (rounded up to 64 KiB), so a series of 512 KiB files does not hold 1 MiB each.
//
// Optionally the first buffers are SharedArrayBuffers, which another thread reads or fills
// in place (the CRC-32 helper; the file reading thread). Those are never let go: a
// SharedArrayBuffer posted to a thread is only freed once that thread's collector has run
// too, which a thread that allocates almost nothing seldom does, so letting them go and
// making new ones grows the process by hundreds of MB (measured: 640 MB with 16 downloads
// at once). Their number is capped by a byte budget instead; past it, buffers are
// ordinary ones.

const GRAIN = 64 * 1024;

/** The smallest length served from the pool's buffers (shorter ones are plain allocations). */
export const POOLED_MIN = GRAIN;

export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly freeShared: Buffer[] = [];
  private sharedAllocated = 0;
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * @param maxSize the largest buffer handed out from the pool; larger requests are plain allocations
   * @param keep how many free ordinary buffers to keep; more are left to the garbage collector
   * @param sharedBytes how many bytes of SharedArrayBuffers (sized like the others) the pool may make and keep
   */
  constructor(
    readonly maxSize: number,
    private readonly keep = 4,
    readonly sharedBytes = 0,
  ) {}

  /**
   * A buffer of `length` bytes: a view on a free shared buffer, a new shared one while the
   * budget allows, else a fitting free ordinary buffer or a new one.
   */
  take(length: number): Buffer {
    // Small reads are copied into a staging buffer at once; Node's own pool serves them well.
    if (length < GRAIN || length > this.maxSize) return Buffer.allocUnsafe(length);
    const size = Math.ceil(length / GRAIN) * GRAIN;
    let whole = takeFitting(this.freeShared, length);
    if (!whole && this.sharedAllocated + size <= this.sharedBytes) {
      whole = Buffer.from(new SharedArrayBuffer(size));
      this.sharedAllocated += size;
    }
    whole ??= takeFitting(this.free, length) ?? Buffer.allocUnsafeSlow(size);
    this.lent.add(whole.buffer);
    return length === whole.length ? whole : whole.subarray(0, length);
  }

  /** Returns a buffer (or any view on one) that nothing reads any more; others are ignored. */
  give(view: Buffer): void {
    const backing = view.buffer;
    if (!this.lent.has(backing)) return;
    this.lent.delete(backing);
    if (backing instanceof SharedArrayBuffer) this.freeShared.push(Buffer.from(backing));
    else if (this.free.length < this.keep) this.free.push(Buffer.from(backing, 0, backing.byteLength));
  }

  /** Bytes of SharedArrayBuffers made so far (they stay with the pool). */
  get sharedMade(): number {
    return this.sharedAllocated;
  }

  /** Bytes of SharedArrayBuffers given back and free (all of them, when nothing is lent). */
  get sharedFree(): number {
    return this.freeShared.reduce((n, b) => n + b.length, 0);
  }
}

/** Takes from `free` a buffer at least `length` long but less than twice that (so none is wasted much). */
function takeFitting(free: Buffer[], length: number): Buffer | undefined {
  const i = free.findLastIndex((b) => b.length >= length && b.length < 2 * length);
  return i >= 0 ? free.splice(i, 1)[0] : undefined;
}
