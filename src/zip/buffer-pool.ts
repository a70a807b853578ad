// Read buffers recycled within one download: a chunk read from disk goes back to the pool
// once the socket has taken its bytes, so a download of any size keeps a few buffers in
// circulation instead of leaving a trail of garbage for the collector (which, with many
// downloads at once, shows up as a hundred MB or more of RSS). Buffers are sized to what
// is read (rounded up to 64 KiB), so a series of 512 KiB files does not hold 1 MiB each.

const GRAIN = 64 * 1024;

export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * @param maxSize the largest buffer handed out from the pool; larger requests are plain allocations
   * @param keep how many free buffers to keep; more are left to the garbage collector
   */
  constructor(
    readonly maxSize: number,
    private readonly keep = 4,
  ) {}

  /** A buffer of `length` bytes: a view on a recycled buffer when a fitting one is free. */
  take(length: number): Buffer {
    // Small reads are copied into a staging buffer at once; Node's own pool serves them well.
    if (length < GRAIN || length > this.maxSize) return Buffer.allocUnsafe(length);
    // A free buffer at least as large but less than twice the size (so none is wasted much).
    const i = this.free.findIndex((b) => b.length >= length && b.length < 2 * length);
    const whole = i >= 0 ? this.free.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(Math.ceil(length / GRAIN) * GRAIN);
    this.lent.add(whole.buffer);
    return length === whole.length ? whole : whole.subarray(0, length);
  }

  /** Returns a buffer (or any view on one) that nothing reads any more; others are ignored. */
  give(view: Buffer): void {
    const backing = view.buffer;
    if (!this.lent.has(backing)) return;
    this.lent.delete(backing);
    if (this.free.length < this.keep) this.free.push(Buffer.from(backing, 0, backing.byteLength));
  }
}
