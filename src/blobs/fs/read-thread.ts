// A thread that reads whole local files into shared buffers and checksums them, many files
// to a message. A download of a series of 500 files of 512 KiB otherwise costs, per file,
// a thread-pool round trip to open, another to read, and one to the CRC-32 helper: three
// sleeps and wake-ups of a thread, which on a small virtual machine cost more CPU than the
// copying they schedule (measured, 2 cores: 175-222 ms of server CPU per download of
// 263 MB; the same work done synchronously on one thread took 131). Here the files a
// download opens ahead in one turn of the event loop, for every download, go out as one
// message, and come back as one: open, read, CRC-32 and close happen on one core, with the
// bytes still in its cache for the checksum, and the event loop never waits on a disk.
import { HelperThread } from '../../helper-thread.js';
import { crc32ThreadPrelude } from '../../zip/crc32.js';

/** What reading a whole file found. */
export interface WholeFile {
  /** Bytes read: the file's size, or the buffer's length when the file has that many or more. */
  readonly bytes: number;
  /** Unsigned CRC-32 of those bytes. */
  readonly crc32: number;
}

/** A failure of the system call, with its code (ENOENT, EISDIR...). */
export class FileReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

// The thread's whole program, run with `eval` so that it needs no loader and no file beside
// the compiled one. In: a batch of [id, path, sharedBuffer, offset, length]. Out: one
// answer per batch, [id, bytes, crc] or [id, -1, code, message] for each file. A short read
// is the end of the file (regular files on local filesystems read short only there).
const threadSource = () => `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
${crc32ThreadPrelude()}
function readWhole(path, view) {
  const fd = fs.openSync(path, 'r');
  try {
    let n = 0;
    while (n < view.length) {
      const r = fs.readSync(fd, view, n, view.length - n, n);
      n += r;
      if (r === 0 || n < view.length) break;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (batch) => {
  const answers = [];
  for (const [id, path, buffer, offset, length] of batch) {
    try {
      const view = new Uint8Array(buffer, offset, length);
      const n = readWhole(path, view);
      answers.push([id, n, crc32(view.subarray(0, n)) >>> 0]);
    } catch (err) {
      answers.push([id, -1, String(err.code || 'EIO'), String(err.message || err)]);
    }
  }
  parentPort.postMessage(answers);
});
`;

type Request = [id: number, path: string, buffer: SharedArrayBuffer, offset: number, length: number];
type Answer = [id: number, bytes: number, crc: number] | [id: number, failed: -1, code: string, message: string];

/**
 * One reading thread, started on first use. If it fails, reads in flight reject with an
 * error that is not a FileReadError (the file is not at fault), and `available` turns false
 * so that callers read another way from then on.
 */
export class FileReadThread {
  private readonly thread = new HelperThread<WholeFile>('the file reading thread', threadSource, (message, thread) => {
    for (const answer of message as Answer[]) {
      if (answer.length === 4) thread.settle(answer[0], { error: new FileReadError(answer[2], answer[3]) });
      else thread.settle(answer[0], { value: { bytes: answer[1], crc32: answer[2] >>> 0 } });
    }
  });
  private batch: Request[] = [];
  /** Files asked of the thread, and the messages they went in (what batching saves shows here). */
  readonly sent = { files: 0, batches: 0 };

  /** Whether reads can be asked of the thread. */
  get available(): boolean {
    return !this.thread.failed;
  }

  /**
   * Reads the file at `path` from its start into `into`, which must be a view on a
   * SharedArrayBuffer (the thread writes into it in place). Asks for as many bytes as
   * `into` holds: one more than the expected size shows a file that grew.
   */
  read(path: string, into: Buffer): Promise<WholeFile> {
    if (!(into.buffer instanceof SharedArrayBuffer)) return Promise.reject(new TypeError('FileReadThread.read needs a buffer on a SharedArrayBuffer'));
    const request = this.thread.request();
    if (!request) return Promise.reject(this.thread.failed ?? new Error('the file reading thread could not start'));
    if (this.batch.length === 0) queueMicrotask(() => this.flush());
    this.batch.push([request.id, path, into.buffer, into.byteOffset, into.length]);
    return request.answer;
  }

  /** Stops the thread (tests; a server lets it go with the process). */
  close(): Promise<void> {
    this.batch = [];
    return this.thread.close();
  }

  /** Sends what was asked in this turn as one message. */
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    this.thread.post(batch);
    this.sent.files += batch.length;
    this.sent.batches++;
  }
}

let shared: FileReadThread | undefined;

/** The process's reading thread, started on first use. */
export function sharedFileReadThread(): FileReadThread {
  shared ??= new FileReadThread();
  return shared;
}
