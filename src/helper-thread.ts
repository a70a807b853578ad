// A small helper thread whose whole program is a string run with `eval` (so it needs no
// loader and no file beside the compiled one), answering requests by id: what the CRC-32
// helper (src/zip/crc32.ts) and the file reading thread (src/blobs/fs/read-thread.ts) have
// in common. It starts on first use, keeps the process alive only while requests are in
// flight, and when it dies or is stopped every request in flight fails with an error of
// its own (not one that blames a file), and it stays failed: callers then do the work
// another way.
import { Worker } from 'node:worker_threads';

export class HelperThread<T> {
  private worker: Worker | undefined;
  private failure: Error | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: T): void; reject(err: Error): void }>();

  /**
   * @param name what the thread is, for error messages ("the CRC-32 helper thread")
   * @param source its program
   * @param onMessage reads one of its messages and settles the requests it answers
   */
  constructor(
    private readonly name: string,
    private readonly source: () => string,
    private readonly onMessage: (message: unknown, thread: HelperThread<T>) => void,
  ) {}

  /** Why the thread cannot be used, once it cannot. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * A new request: the id to send with it and the promise its answer settles; undefined
   * when the thread has failed or cannot start. Send it with `post`.
   */
  request(): { id: number; answer: Promise<T> } | undefined {
    if (this.failure || !this.start()) return undefined;
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { id, answer };
  }

  /** Sends a message holding requests made with `request`. */
  post(message: unknown): void {
    const worker = this.worker;
    if (!worker) return; // failed meanwhile: its requests were rejected
    if (this.waiting.size > 0) worker.ref(); // work in flight keeps the process alive
    worker.postMessage(message);
  }

  /** Settles a request (for onMessage); unknown ids are ignored. */
  settle(id: number, outcome: { value: T } | { error: Error }): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if ('error' in outcome) waiting.reject(outcome.error);
    else waiting.resolve(outcome.value);
    if (this.waiting.size === 0) this.worker?.unref();
  }

  /** Stops the thread (tests; a server lets it go with the process). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail(new Error(`${this.name} was stopped`));
    await worker?.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      // A small heap: the thread holds nothing but the message in hand.
      const worker = new Worker(this.source(), { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 } });
      worker.on('message', (message: unknown) => this.onMessage(message, this));
      worker.on('error', (err) => this.fail(new Error(`${this.name} failed: ${err.message}`)));
      worker.on('exit', (code) => this.fail(new Error(`${this.name} exited (${code})`)));
      worker.unref();
      this.worker = worker;
      return worker;
    } catch (err) {
      this.failure = new Error(`${this.name} could not start: ${(err as Error).message}`);
      return undefined;
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.worker = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(err);
    this.waiting.clear();
  }
}
