// Header parse time on a 512 KiB CT file (CT_small's GE header with its pixel data grown),
// beside MD5 of the same bytes, which ingest also computes: the parse must stay a small
// share of ingest's per-file cost. And MD5 itself: Node's (OpenSSL) one file at a time,
// against ingest's SIMD lanes hashing twelve such files at once (src/ingest/md5-lanes.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseDicomFile } from '../src/dicom/parse.js';
import { MD5_LANES, Md5Lanes } from '../src/ingest/md5-lanes.js';

const SIZE = 512 * 1024;
const CT_SMALL = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'dicom', 'files', 'CT_small.dcm');

function ctFile512k(): Buffer {
  const ct = fs.readFileSync(CT_SMALL);
  // Explicit VR LE Pixel Data (7FE0,0010) OW: grow its value so the file is 512 KiB.
  const at = ct.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0]));
  if (at < 0) throw new Error('CT_small.dcm has no OW Pixel Data');
  const file = Buffer.alloc(SIZE);
  ct.copy(file, 0, 0, at + 8);
  file.writeUInt32LE(SIZE - (at + 12), at + 8);
  return file;
}

/** CPU time per call, so that other load on the machine does not inflate it. */
function microsecondsPerCall(fn: () => void, calls: number): number {
  for (let i = 0; i < 200; i++) fn();
  const started = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

export async function benchParse(): Promise<Record<string, number | string>> {
  const file = ctFile512k();
  const parse = microsecondsPerCall(() => parseDicomFile(file), 3000);
  const md5 = microsecondsPerCall(() => createHash('md5').update(file).digest(), 500);
  const lanes = Md5Lanes.create(SIZE);
  if (!lanes) throw new Error('WebAssembly SIMD is not available: the MD5 lanes cannot run');
  for (let j = 0; j < MD5_LANES; j++) file.copy(lanes.region(j));
  const lengths = Array.from({ length: MD5_LANES }, () => SIZE);
  const laned = microsecondsPerCall(() => lanes.digest(lengths), 100) / MD5_LANES;
  return {
    'header parse, µs CPU per 512 KiB CT file': parse,
    'baseline: MD5 of the same file, µs CPU': md5,
    'ratio parse / MD5': parse / md5,
    [`MD5 in ${MD5_LANES} SIMD lanes, µs CPU per file`]: laned,
    'MD5 one file at a time / in lanes': md5 / laned,
  };
}
