// Keeps reading while the socket is busy: pulls chunks from a source up to a byte budget
// ahead of the consumer, so that disk reads (on the libuv thread pool) overlap with socket
// writes instead of taking turns. Order is kept, and an error of the source reaches the
// consumer after the chunks read before it, never instead of them.

export async function* readAhead(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
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
        queued += chunk.length;
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
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
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
  }
}
