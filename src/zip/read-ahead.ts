// Keeps reading while the socket is busy: pulls chunks from a source up to a byte budget
// ahead of the consumer, so that disk reads (on the libuv thread pool) overlap with socket
// writes instead of taking turns. Order is kept, and an error of the source reaches the
// consumer after the chunks read before it, never instead of them.

export interface ReadAheadOptions<T> {
  /** The bytes an element counts for against the budget. */
  sizeOf(element: T): number;
  /** Called for each element read but never handed to the consumer (it stopped early). */
  discard?(element: T): void;
}

const BUFFERS: ReadAheadOptions<Buffer> = { sizeOf: (b) => b.length };

export function readAhead(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer>;
export function readAhead<T>(source: AsyncIterable<T>, maxBytes: number, options: ReadAheadOptions<T>): AsyncGenerator<T>;
export function readAhead<T>(source: AsyncIterable<T>, maxBytes: number, options?: ReadAheadOptions<T>): AsyncGenerator<T> {
  return readAheadOf(source, maxBytes, options ?? (BUFFERS as unknown as ReadAheadOptions<T>));
}

async function* readAheadOf<T>(source: AsyncIterable<T>, maxBytes: number, { sizeOf, discard }: ReadAheadOptions<T>): AsyncGenerator<T> {
  const queue: T[] = [];
  let queued = 0;
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const signal = (which: 'consumer' | 'producer') => {
    const wake = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    wake?.();
  };

  const producer = (async () => {
    try {
      for await (const chunk of source) {
        queue.push(chunk);
        queued += sizeOf(chunk);
        signal('consumer');
        while (queued >= maxBytes && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) break; // leaving the loop closes the source (its finally blocks run)
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      signal('consumer');
    }
  })();

  try {
    for (;;) {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wakeConsumer = resolve));
      if (queue.length > 0) {
        const chunk = queue.shift()!;
        queued -= sizeOf(chunk);
        signal('producer');
        yield chunk;
        continue;
      }
      if (failure) throw failure.error;
      return;
    }
  } finally {
    // The consumer stopped (or finished): let the producer wind down and close the source.
    stopped = true;
    signal('producer');
    await producer;
    if (discard) for (const chunk of queue.splice(0)) discard(chunk);
  }
}
