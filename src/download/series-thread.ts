// A download thread (series-threads.ts): runs the series it is given, several at once,
// each from the socket to the disk, and reports their bytes and outcomes.
import { parentPort } from 'node:worker_threads';
import { NbiaClient, NbiaHttpError } from '../client/index.js';
import { createHttpFetch } from './http-fetch.js';
import { downloadSeries, VerificationError, ZipFormatError } from './series.js';
import type { FromThread, SeriesJob, ThreadError, ToThread } from './series-threads.js';

/** Byte counts go to the main thread (for progress) at most this often per series, or per this many bytes. */
const REPORT_EVERY_MS = 100;
const REPORT_EVERY_BYTES = 4 * 1024 * 1024;

const http = createHttpFetch();

function threadError(err: unknown): ThreadError {
  if (err instanceof NbiaHttpError) return { kind: 'http', status: err.status, code: err.code, serverMessage: err.serverMessage, url: err.url };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof VerificationError) return { kind: 'verification', message };
  if (err instanceof ZipFormatError) return { kind: 'zip', message };
  return { kind: 'other', message };
}

async function run(port: NonNullable<typeof parentPort>, id: number, job: SeriesJob): Promise<void> {
  const post = (m: FromThread) => port.postMessage(m);
  // The main thread's Authorization on this series' request (the client here is a guest without a token).
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    if (!job.authorization) return http.fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set('authorization', job.authorization);
    return http.fetch(input, { ...init, headers });
  }) as typeof fetch;
  const client = new NbiaClient({ baseUrl: job.root, fetch: fetchFn });
  let pending = 0;
  let last = Date.now();
  const flush = () => {
    if (pending !== 0) post({ id, bytes: pending });
    pending = 0;
    last = Date.now();
  };
  try {
    const record = await downloadSeries(
      {
        client,
        out: job.out,
        layout: job.layout,
        onBytes: (n) => {
          pending += n;
          if (pending >= REPORT_EVERY_BYTES || Date.now() - last >= REPORT_EVERY_MS) flush();
        },
      },
      job.task,
    );
    flush();
    post({ id, done: record });
  } catch (err) {
    flush();
    post({ id, error: threadError(err) });
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', ({ id, job }: ToThread) => void run(port, id, job));
}
