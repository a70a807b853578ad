// A hashing thread: reads each file it is given once, computes MD5 and CRC-32 of the whole
// file (downloads serve both from the index and never re-read the file for them), parses
// the header and, when asked, writes the copy for the file store from those same bytes.
// Files come in groups, so that their MD5s are computed side by side (md5-lanes.ts).
// Runs as a worker_thread; under tsx the loader comes from execArgv.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { crc32 } from '../zip/crc32.js';
import { DicomParseError, parseDicomFile } from '../dicom/parse.js';
import type { ParsedInstance } from '../dicom/attributes.js';
import { MD5_LANES, Md5Lanes } from './md5-lanes.js';
import type { FileResult, FileTask, SkipReason } from './types.js';

/**
 * One read buffer per thread, reused from file to file. A fresh buffer for each file (what
 * readFileSync does) is a fresh mapping of memory the kernel must zero and fault in page
 * by page, then unmap: for half-megabyte CT files that cost more system time than the MD5
 * (measured: 2.4 s of system time for 1,120 files, against 1.1 s for md5sum over them).
 * Files larger than REUSED_MAX get a buffer of their own, so a rare huge file is not held.
 */
let scratch: Buffer = Buffer.allocUnsafeSlow(2 * 1024 * 1024);
const REUSED_MAX = 64 * 1024 * 1024;

/**
 * The whole file, in `into` when it fits, else in the reused buffer (or one of its own):
 * valid until the next call that reads into the same place.
 */
function readWhole(file: string, into?: Buffer): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // One byte more than the size, so that a file growing while it is read shows up as such.
    let buffer = into !== undefined && size + 1 <= into.length ? into : scratch;
    if (size + 1 > buffer.length) {
      buffer = Buffer.allocUnsafeSlow(size + 1);
      if (size + 1 <= REUSED_MAX) scratch = buffer;
    }
    let n = 0;
    for (;;) {
      if (n === buffer.length) {
        // Grown past the size it had a moment ago: read on into a larger buffer.
        const larger = Buffer.allocUnsafeSlow(buffer.length * 2);
        buffer.copy(larger, 0, 0, n);
        buffer = larger;
      }
      const r = fs.readSync(fd, buffer, n, buffer.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return buffer.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * This thread's MD5 lanes, made at its first group (undefined where WebAssembly SIMD is
 * missing: every file is then hashed on its own). A lane holds a file of up to
 * LANE_CAPACITY bytes (CT, MR, PET slices; larger images are hashed on their own); the
 * memory is touched only as far as the files reach.
 */
const LANE_CAPACITY = 4 * 1024 * 1024;
let lanes: Md5Lanes | undefined | null = null;

/**
 * The lanes finish when the longest message does, so a group pays for its longest file in
 * every lane. They do MD5_LANES files in about the time OpenSSL does LANES_WORTH of the
 * same length (3.1 GB/s against 0.74 on the bench machine, for 12 lanes): files are taken
 * out, longest first, while the rest add up to less than LANES_WORTH times the longest.
 */
const LANES_WORTH = 3;

/** Reading, parsing and the MD5s of a group of files, then each file's result. */
export function hashAndParseFiles(tasks: readonly FileTask[]): FileResult[] {
  if (lanes === null) lanes = Md5Lanes.create(LANE_CAPACITY);
  const results: FileResult[] = [];
  const waiting: { task: FileTask; bytes: Buffer; parsed: ParsedInstance }[] = [];
  for (const task of tasks) {
    const region = lanes && waiting.length < MD5_LANES ? lanes.region(waiting.length) : undefined;
    const read = readAndParse(task, region);
    if (!('bytes' in read)) results.push(read);
    // In its lane: hashed with the others below. Elsewhere (too large, no lanes): now,
    // before the next file reuses the buffer.
    else if (region !== undefined && read.bytes.buffer === region.buffer && read.bytes.byteOffset === region.byteOffset) waiting.push({ task, ...read });
    else results.push(finish(task, read.bytes, read.parsed, createHash('md5').update(read.bytes).digest('hex')));
  }
  // waiting[j] is in lane j. Take the longest out while the lanes would not pay for it.
  const lengths: (number | undefined)[] = waiting.map((w) => w.bytes.length);
  let total = waiting.reduce((n, w) => n + w.bytes.length, 0);
  for (;;) {
    let longest = -1;
    lengths.forEach((length, j) => {
      if (length !== undefined && (longest < 0 || length > lengths[longest]!)) longest = j;
    });
    if (longest < 0 || total >= LANES_WORTH * lengths[longest]!) break;
    const alone = waiting[longest]!;
    total -= alone.bytes.length;
    lengths[longest] = undefined;
    results.push(finish(alone.task, alone.bytes, alone.parsed, createHash('md5').update(alone.bytes).digest('hex')));
  }
  if (lengths.some((length) => length !== undefined)) {
    const md5s = lanes!.digest(lengths);
    waiting.forEach((w, j) => {
      const md5 = md5s[j];
      if (md5 !== undefined) results.push(finish(w.task, w.bytes, w.parsed, md5));
    });
  }
  return results.sort((x, y) => x.index - y.index);
}

function readAndParse(task: FileTask, into: Buffer | undefined): { bytes: Buffer; parsed: ParsedInstance } | FileResult {
  let bytes: Buffer;
  try {
    bytes = readWhole(task.path, into);
  } catch (err) {
    return { index: task.index, ok: false, size: 0, reason: 'unreadable', message: `cannot read the file: ${(err as Error).message}` };
  }
  const size = bytes.length;
  try {
    return { bytes, parsed: parseDicomFile(bytes) };
  } catch (err) {
    if (err instanceof DicomParseError) {
      return { index: task.index, ok: false, size, reason: err.reason as SkipReason, message: err.message };
    }
    return { index: task.index, ok: false, size, reason: 'unsupported', message: `the header cannot be parsed: ${(err as Error).message}` };
  }
}

function finish(task: FileTask, bytes: Buffer, parsed: ParsedInstance, md5: string): FileResult {
  const staged = task.stageAs !== undefined && writeCopy(task.stageAs, bytes) ? { staged: task.stageAs } : {};
  return { index: task.index, ok: true, size: bytes.length, md5, crc32: crc32(bytes), parsed, ...staged };
}

/**
 * Writes the bytes just hashed to `target` (a new file), so that the store holds exactly
 * what the index's MD5 describes, even if the source changes afterwards, and the file is
 * not read a second time to copy it. False when that fails (a full disk, say): the file is
 * then copied from its source at commit, which reports the store's error for it.
 */
function writeCopy(target: string, bytes: Buffer): boolean {
  let fd: number;
  try {
    fd = fs.openSync(target, 'wx'); // never over a file this thread did not create
  } catch {
    return false;
  }
  try {
    try {
      for (let n = 0; n < bytes.length; ) n += fs.writeSync(fd, bytes, n, bytes.length - n);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch {
    try {
      fs.rmSync(target, { force: true });
    } catch {
      // left for the end of the run (BlobStaging.close) or the next one (stale partials)
    }
    return false;
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (tasks: FileTask[]) => port.postMessage(hashAndParseFiles(tasks)));
}
