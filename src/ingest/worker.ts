// A hashing thread: reads each file it is given once, computes MD5 and CRC-32 of the whole
// file (downloads serve both from the index and never re-read the file for them) and
// parses the header. Runs as a worker_thread; under tsx the loader comes from execArgv.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { parentPort } from 'node:worker_threads';
import { DicomParseError, parseDicomFile } from '../dicom/parse.js';
import type { FileResult, FileTask, SkipReason } from './types.js';

export function hashAndParse(task: FileTask): FileResult {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(task.path);
  } catch (err) {
    return { index: task.index, ok: false, size: 0, reason: 'unreadable', message: `cannot read the file: ${(err as Error).message}` };
  }
  const size = bytes.length;
  try {
    const parsed = parseDicomFile(bytes);
    const md5 = createHash('md5').update(bytes).digest('hex');
    return { index: task.index, ok: true, size, md5, crc32: crc32(bytes) >>> 0, parsed };
  } catch (err) {
    if (err instanceof DicomParseError) {
      return { index: task.index, ok: false, size, reason: err.reason as SkipReason, message: err.message };
    }
    return { index: task.index, ok: false, size, reason: 'unsupported', message: `the header cannot be parsed: ${(err as Error).message}` };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (task: FileTask) => port.postMessage(hashAndParse(task)));
}
