// Writes extracted files and computes their MD5, on helper threads.
//
// Why: MD5 is the biggest single cost of a download (OpenSSL's MD5 runs at about
// 600-700 MiB/s on one core of the machines we measured, and cannot be split within one
// file), and on one thread it adds to the reading of the network, the ZIP and the CRC-32.
// Here a whole file (DICOM files are a few hundred KiB) is handed to a helper thread, which
// hashes it and writes it while the main thread reads the next ones; files of different
// series and of one series are spread over the helpers. With no helper threads the same
// work is done on the main thread.
//
// The caller decides when a file counts: only once its promise has settled with the MD5.
//
// Measured (`nbia download` of the download-cli bench's 1 GiB, 2 cores, load average 7 from
// other work): one helper used more CPU than none (about 5.7 s against 4.7 s user + system)
// and was no faster: the hashing moved to a core that was not free, and read the file from
// another core's cache. Helpers pay where cores are idle; hence the CLI's default of cores - 2.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface FileWriter {
  /** Writes `parts` (the whole file, in order) to `file`; resolves with its MD5 in hex. The parts must not be used afterwards (they may be moved to another thread). */
  write(file: string, parts: Uint8Array[]): Promise<string>;
  close(): Promise<void>;
}

/** The helper's code, evaluated as its own script: nothing of ours to load or bundle. */
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
parentPort.on('message', ([id, file, buffer, offset, length]) => {
  try {
    const data = new Uint8Array(buffer, offset, length);
    const md5 = createHash('md5').update(data).digest('hex');
    fs.writeFileSync(file, data);
    parentPort.postMessage([id, md5, null]);
  } catch (err) {
    parentPort.postMessage([id, null, String(err && err.message || err)]);
  }
});
`;

export function createFileWriter(threads: number): FileWriter {
  return threads > 0 ? new ThreadedFileWriter(threads) : mainThreadWriter;
}

// On this thread the parts are hashed and written as they are, not joined first: joining a
// file's network chunks into a fresh buffer showed up in the CPU profile (its copy and the
// page faults of the new memory, about 0.35 s per GiB under load).
const mainThreadWriter: FileWriter = {
  write: async (file, parts) => {
    const hash = createHash('md5');
    for (const p of parts) hash.update(p);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writevSync(fd, parts);
    } finally {
      fs.closeSync(fd);
    }
    return hash.digest('hex');
  },
  close: async () => undefined,
};

interface Helper {
  worker: Worker;
  /** Bytes handed to it and not yet answered: the next file goes to the least busy. */
  busy: number;
}

class ThreadedFileWriter implements FileWriter {
  private readonly helpers: Helper[] = [];
  private readonly waiting = new Map<number, { resolve: (md5: string) => void; reject: (err: Error) => void; helper: Helper; length: number }>();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(private readonly threads: number) {}

  write(file: string, parts: Uint8Array[]): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    // One buffer to move to the helper (a file's chunks share theirs with other data).
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const helper = this.pick();
    const id = this.nextId++;
    // Moved, not copied, when the bytes own their buffer; otherwise copied once into one that does.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : Uint8Array.from(data);
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, helper, length: own.length });
      helper.busy += own.length;
      if (helper.busy === own.length) helper.worker.ref(); // work in flight keeps the process alive
      helper.worker.postMessage([id, file, own.buffer, own.byteOffset, own.byteLength], [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the file writer was closed'));
    await Promise.all(this.helpers.splice(0).map((h) => h.worker.terminate()));
  }

  private pick(): Helper {
    if (this.helpers.length < this.threads) {
      const helper: Helper = { worker: new Worker(HELPER_SOURCE, { eval: true }), busy: 0 };
      helper.worker.on('message', ([id, md5, error]: [number, string | null, string | null]) => this.answer(id, md5, error));
      helper.worker.on('error', (err) => this.fail(new Error(`a file-writing thread failed: ${err.message}`)));
      helper.worker.on('exit', (code) => this.fail(new Error(`a file-writing thread exited (${code})`)));
      helper.worker.unref();
      this.helpers.push(helper);
      return helper;
    }
    return this.helpers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private answer(id: number, md5: string | null, error: string | null): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.helper.busy -= w.length;
    if (w.helper.busy === 0) w.helper.worker.unref();
    if (md5 === null) w.reject(new Error(error ?? 'the file could not be written'));
    else w.resolve(md5);
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
