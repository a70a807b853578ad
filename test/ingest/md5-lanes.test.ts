// MD5 computed side by side in SIMD lanes (src/ingest/md5-lanes.ts) against Node's own MD5,
// on the lengths where MD5's padding changes shape, lanes of different lengths in one pass,
// a message filling its lane, and a hashing thread's group of files of every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { MD5_LANES, Md5Lanes } from '../../src/ingest/md5-lanes.js';
import { hashAndParseFiles } from '../../src/ingest/worker.js';
import type { FileResult } from '../../src/ingest/types.js';
import { crc32 } from '../../src/zip/crc32.js';
import { ctInstance } from './dicom-files.js';
import { tempDir } from '../helpers/stores.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

function lanesOf(capacity: number): Md5Lanes {
  const lanes = Md5Lanes.create(capacity);
  // Node 20 has WebAssembly SIMD: a missing kernel here would hide behind the fallback.
  assert.ok(lanes, 'the SIMD kernel compiles on this Node.js');
  return lanes;
}

/** Puts each message in its lane and returns the lanes' digests next to Node's. */
function compare(lanes: Md5Lanes, messages: Buffer[]): { got: (string | undefined)[]; want: string[] } {
  messages.forEach((m, j) => m.copy(lanes.region(j)));
  return { got: lanes.digest(messages.map((m) => m.length)), want: messages.map(md5) };
}

test('each lane gives the MD5 of its message, at every length where the padding changes shape', () => {
  const lanes = lanesOf(64 * 1024);
  // 55 is the longest message whose padding fits its last block, 56 the shortest that needs
  // one more; 64 is a whole block with a whole padding block after it.
  const edges = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 65_535, 64 * 1024];
  for (let start = 0; start < edges.length; start += MD5_LANES) {
    const messages = edges.slice(start, start + MD5_LANES).map((n) => randomBytes(n));
    const { got, want } = compare(lanes, messages);
    assert.deepEqual(got, want, `lengths ${messages.map((m) => m.length).join(', ')}`);
  }
  assert.equal(compare(lanes, [Buffer.from('abc')]).got[0], '900150983cd24fb0d6963f7d28e17f72', 'RFC 1321 test suite');
});

test('lanes of different lengths in one pass: each stops at its own end; any number of lanes', () => {
  const lanes = lanesOf(256 * 1024);
  for (let used = 1; used <= MD5_LANES; used++) {
    const messages = Array.from({ length: used }, () => randomBytes(Math.floor(Math.random() * 256 * 1024)));
    const { got, want } = compare(lanes, messages);
    assert.deepEqual(got, want, `${used} lanes of ${messages.map((m) => m.length).join(', ')} bytes`);
  }
  // The longest message in the last lane, the others short: the short lanes read past their
  // ends for many blocks, and those blocks must change nothing.
  const mixed = Array.from({ length: MD5_LANES }, (_, j) => randomBytes(j === MD5_LANES - 1 ? 256 * 1024 : j * 7));
  const { got, want } = compare(lanes, mixed);
  assert.deepEqual(got, want);
  // A lane left out (undefined) is not hashed and leaves the others as they are.
  const gap = mixed.map((m, j) => (j % 3 === 1 ? undefined : m.length));
  assert.deepEqual(
    lanes.digest(gap),
    gap.map((length, j) => (length === undefined ? undefined : want[j])),
  );
});

test('a message filling its lane, in every lane; a later pass is not touched by an earlier one', () => {
  const capacity = 10_000;
  const lanes = lanesOf(capacity);
  const full = Array.from({ length: MD5_LANES }, () => randomBytes(capacity));
  const whole = compare(lanes, full);
  assert.deepEqual(whole.got, whole.want);
  // Shorter messages over the longer ones' bytes: only each message's own bytes count.
  const shorter = Array.from({ length: MD5_LANES }, (_, j) => randomBytes(j * 100));
  const after = compare(lanes, shorter);
  assert.deepEqual(after.got, after.want);
});

test('lengths and lanes out of range are refused, not hashed from whatever is there', () => {
  const lanes = lanesOf(1000);
  assert.throws(() => lanes.digest([1001]), RangeError);
  assert.throws(() => lanes.digest([-1]), RangeError);
  assert.throws(() => lanes.digest([1.5]), RangeError);
  assert.throws(() => lanes.digest(Array.from({ length: MD5_LANES + 1 }, () => 0)), RangeError);
  assert.throws(() => lanes.region(MD5_LANES), RangeError);
  assert.throws(() => lanes.region(-1), RangeError);
  assert.equal(lanes.region(0).length, 1000);
});

test('a hashing thread\'s group: lanes, a file too large for a lane, a long file among short ones, a skipped and a missing file', () => {
  const dir = tempDir('nbia-lanes-');
  try {
    const write = (name: string, bytes: Buffer) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      return file;
    };
    // Twelve CT slices of one size go through the lanes together; a 4.6 MB one does not fit
    // a lane; text is skipped; a missing file is unreadable.
    const paths = [
      ...Array.from({ length: MD5_LANES }, (_, i) => write(`slice-${i}.dcm`, ctInstance({ side: 64 }))),
      write('large.dcm', ctInstance({ side: 1520 })),
      write('notes.txt', Buffer.from('not DICOM at all, long enough to be read as something'.repeat(10))),
      path.join(dir, 'gone.dcm'),
    ];
    const staged = path.join(dir, 'copy-0.partial');
    const results = hashAndParseFiles(paths.map((p, index) => ({ index, path: p, ...(index === 0 ? { stageAs: staged } : {}) })));
    assert.deepEqual(
      results.map((r) => r.index),
      paths.map((_, i) => i),
      'one result per file, in order',
    );
    for (const [i, r] of results.entries()) {
      if (i > MD5_LANES) continue;
      assert.ok(r.ok, `${paths[i]} is accepted`);
      const bytes = fs.readFileSync(paths[i]!);
      assert.equal(r.md5, md5(bytes), `MD5 of ${paths[i]}`);
      assert.equal(r.crc32, crc32(bytes));
      assert.equal(r.size, bytes.length);
    }
    assert.deepEqual(fs.readFileSync(staged), fs.readFileSync(paths[0]!), 'the copy is the file as hashed');
    const reason = (r: FileResult | undefined) => (r && !r.ok ? r.reason : 'accepted');
    assert.equal(reason(results[MD5_LANES + 1]), 'not_dicom');
    assert.equal(reason(results[MD5_LANES + 2]), 'unreadable');

    // One long file among short ones is hashed on its own (the lanes would all wait for it);
    // every digest is right either way.
    const uneven = [...Array.from({ length: 5 }, (_, i) => write(`short-${i}.dcm`, ctInstance({ side: 16 }))), write('long.dcm', ctInstance({ side: 700 }))];
    const unevenResults = hashAndParseFiles(uneven.map((p, index) => ({ index, path: p })));
    unevenResults.forEach((r, i) => assert.equal(r.ok && r.md5, md5(fs.readFileSync(uneven[i]!))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
