// The worker pool: hands file paths to N hashing threads and yields their results as they
// come back, never holding more than a bounded number in flight or waiting to be consumed
// (so a slow database holds the readers back instead of filling memory).
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../module-worker.js';
import { MD5_LANES } from './md5-lanes.js';
import type { FileResult, FileTask } from './types.js';

export interface PoolOptions {
  workers: number;
  /** Results that may be in flight or waiting for the consumer, in all. */
  maxOutstanding: number;
  signal?: AbortSignal;
  /** Where the thread should write the copy of the next file it is given, if anywhere (asked at each hand-out). */
  stageAs?: () => string | undefined;
}

/**
 * Yields one result per path (in completion order) until every path is done or the signal
 * fires; after the signal, results of files already handed out still arrive, then it ends.
 */
export async function* hashFiles(paths: readonly string[], options: PoolOptions): AsyncGenerator<FileResult> {
  const count = Math.max(1, Math.min(options.workers, paths.length || 1));
  const workers: Worker[] = [];
  const inFlight: number[] = [];
  const ready: FileResult[] = [];
  let next = 0;
  let outstanding = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const signalConsumer = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stopped = () => options.signal?.aborted === true;

  // Files go out in groups of MD5_LANES (fewer only at the end, or when fewer may be in
  // flight at all), which a thread hashes side by side. A group is sent only whole, so that
  // a consumer freeing one slot at a time does not break the work into groups of one.
  const pump = () => {
    for (;;) {
      const size = Math.min(MD5_LANES, paths.length - next, options.maxOutstanding);
      if (size === 0 || outstanding + size > options.maxOutstanding || stopped() || failure) return;
      // The least busy thread gets the next group, so one slow file does not stall the rest.
      let w = 0;
      for (let i = 1; i < workers.length; i++) if (inFlight[i]! < inFlight[w]!) w = i;
      const group: FileTask[] = [];
      for (let k = 0; k < size; k++) {
        const stageAs = options.stageAs?.();
        group.push({ index: next, path: paths[next]!, ...(stageAs === undefined ? {} : { stageAs }) });
        next++;
      }
      outstanding += size;
      inFlight[w]! += size;
      workers[w]!.postMessage(group);
    }
  };

  const onAbort = () => signalConsumer();
  options.signal?.addEventListener('abort', onAbort);
  try {
    for (let i = 0; i < count; i++) {
      const worker = startModuleWorker(siblingModule('worker', import.meta.url));
      const slot = i;
      inFlight.push(0);
      worker.on('message', (results: FileResult[]) => {
        inFlight[slot]! -= results.length;
        ready.push(...results);
        pump(); // keep the threads busy while the consumer is committing a batch
        signalConsumer();
      });
      worker.on('error', (err) => {
        failure ??= new Error(`a hashing thread failed: ${err.message}`);
        signalConsumer();
      });
      worker.on('exit', (code) => {
        if (inFlight[slot]! > 0) failure ??= new Error(`a hashing thread stopped (exit code ${code}) with files in hand`);
        signalConsumer();
      });
      workers.push(worker);
    }
    pump();
    for (;;) {
      if (failure) throw failure;
      const result = ready.shift();
      if (result) {
        outstanding--;
        yield result;
        pump();
        continue;
      }
      if (outstanding === 0 && (next >= paths.length || stopped())) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Terminating a worker that still has messages in flight is fine: they are dropped.
    for (let i = 0; i < workers.length; i++) inFlight[i] = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
