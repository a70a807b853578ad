// Where series are downloaded: on the main thread, or on download threads.
//
// Why threads: a series' download is one thread's work from the socket to the disk (HTTP,
// the ZIP, CRC-32, MD5, the file writes), and MD5 alone caps one thread at some 700 MiB/s.
// On one thread, `nbia download` was bound by that thread (4.7-5.2 CPU-s per GiB, one core
// busy, the others idle; `npm run bench -- download-cli`). Here each download thread runs
// whole series, so nothing crosses threads but a job, its byte counts and its outcome: no
// copies, and every byte is hashed and written on the core that received it.
//
// The main thread keeps the session (a login, token refreshes), the plan, the progress and
// the retries; a thread is handed the series' task and the Authorization to send.
import type { Worker } from 'node:worker_threads';
import { httpError, NbiaAuthError, type Family, type NbiaClient } from '../client/index.js';
import { siblingModule, startModuleWorker } from '../module-worker.js';
import type { Layout } from './layout.js';
import { downloadSeries, VerificationError, ZipFormatError, type DoneRecord, type SeriesTask } from './series.js';

/** Runs one series' download (or resumes it); rejects when it did not arrive whole. */
export interface SeriesRunner {
  download(task: SeriesTask, onBytes: (n: number) => void): Promise<DoneRecord>;
  close(): Promise<void>;
}

/** The family getImage belongs to: it decides whether the guest sends a token. */
const DOWNLOAD_FAMILY: Family = 'v4';

/** Downloads on this thread, with the run's client. */
export function mainThreadRunner(client: NbiaClient, out: string, layout: Layout): SeriesRunner {
  return {
    download: (task, onBytes) => downloadSeries({ client, out, layout, onBytes }, task),
    close: async () => undefined,
  };
}

/** A series for a download thread. */
export interface SeriesJob {
  task: SeriesTask;
  out: string;
  layout: Layout;
  /** The server's API root. */
  root: string;
  /** The Authorization header to send, if any. */
  authorization: string | undefined;
}

/** An error as it crosses from a thread: enough to rebuild the class the retries branch on. */
export type ThreadError =
  | { kind: 'verification' | 'zip' | 'other'; message: string }
  | { kind: 'http'; status: number; code: string | undefined; serverMessage: string; url: string };

export type ToThread = { id: number; job: SeriesJob };
export type FromThread = { id: number; bytes: number } | { id: number; done: DoneRecord } | { id: number; error: ThreadError };

function errorFromThread(e: ThreadError): Error {
  if (e.kind === 'http') return httpError(e.status, e.code, e.serverMessage, e.url);
  if (e.kind === 'verification') return new VerificationError(e.message);
  if (e.kind === 'zip') return new ZipFormatError(e.message);
  return new Error(e.message);
}

interface Running {
  onBytes(n: number): void;
  resolve(record: DoneRecord): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  running: Map<number, Running>;
}

/** Downloads on up to `count` threads, each taking series as they come (the least busy first). */
export function threadRunner(client: NbiaClient, out: string, layout: Layout, count: number): SeriesRunner {
  const threads: Thread[] = [];
  let nextId = 0;
  let closed = false;

  const start = (): Thread => {
    const thread: Thread = { worker: startModuleWorker(siblingModule('series-thread', import.meta.url)), running: new Map() };
    const fail = (err: Error) => {
      // The thread is gone: its series fail now (a retry resumes them from their journals).
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      for (const r of thread.running.values()) r.reject(err);
      thread.running.clear();
    };
    thread.worker.on('message', (m: FromThread) => {
      const r = thread.running.get(m.id);
      if (!r) return;
      if ('bytes' in m) return r.onBytes(m.bytes);
      thread.running.delete(m.id);
      if ('done' in m) r.resolve(m.done);
      else r.reject(errorFromThread(m.error));
    });
    thread.worker.on('error', (err) => fail(new Error(`a download thread failed: ${err.message}`)));
    thread.worker.on('exit', (code) => fail(new Error(`a download thread stopped (exit code ${code})`)));
    threads.push(thread);
    return thread;
  };
  // An idle thread first, then a new one while fewer than `count` run, then the least busy.
  const pick = () => threads.find((t) => t.running.size === 0) ?? (threads.length < count ? start() : threads.reduce((a, b) => (b.running.size < a.running.size ? b : a)));

  const onThread = (job: SeriesJob, onBytes: (n: number) => void) =>
    new Promise<DoneRecord>((resolve, reject) => {
      if (closed) return reject(new Error('the download threads were stopped'));
      const thread = pick();
      const id = nextId++;
      thread.running.set(id, { onBytes, resolve, reject });
      thread.worker.postMessage({ id, job } satisfies ToThread);
    });

  return {
    async download(task, onBytes) {
      for (let attempt = 0; ; attempt++) {
        const authorization = await client.authorization(DOWNLOAD_FAMILY);
        try {
          return await onThread({ task, out, layout, root: client.root, authorization }, onBytes);
        } catch (err) {
          // As the client does for a request of its own: a token the server no longer knows is renewed once.
          if (err instanceof NbiaAuthError && err.status === 401 && authorization !== undefined && attempt === 0) {
            client.session.invalidate();
            continue;
          }
          throw err;
        }
      }
    },
    async close() {
      closed = true;
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
    },
  };
}
