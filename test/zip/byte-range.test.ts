// Range and If-Range decisions for a 1000-byte body (RFC 9110 §14), worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRange } from '../../src/zip/byte-range.js';

const TAG = '"z1-abc"';
const d = (range: string | undefined, ifRange?: string, total = 1000) => decideRange(range, ifRange, total, TAG);

test('single ranges: closed, open-ended, suffix, clamped end', () => {
  assert.deepEqual(d(undefined), { kind: 'full' });
  assert.deepEqual(d('bytes=0-99'), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(d('bytes=500-'), { kind: 'partial', start: 500, end: 999 });
  assert.deepEqual(d('bytes=-100'), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(d('bytes=-5000'), { kind: 'partial', start: 0, end: 999 });
  assert.deepEqual(d('bytes=990-5000'), { kind: 'partial', start: 990, end: 999 });
  assert.deepEqual(d('bytes=999-999'), { kind: 'partial', start: 999, end: 999 });
  assert.deepEqual(d('Bytes = 10 - 20'), { kind: 'partial', start: 10, end: 20 });
});

test('unsatisfiable: start at or past the end, empty suffix', () => {
  assert.deepEqual(d('bytes=1000-'), { kind: 'unsatisfiable' });
  assert.deepEqual(d('bytes=1000-2000'), { kind: 'unsatisfiable' });
  assert.deepEqual(d('bytes=-0'), { kind: 'unsatisfiable' });
  assert.deepEqual(d('bytes=0-', undefined, 0), { kind: 'unsatisfiable' });
});

test('what we do not serve as a range gets the whole body: bad syntax, several ranges, other units', () => {
  for (const r of ['bytes=5-1', 'bytes=abc', 'bytes=-', 'items=0-5', 'bytes=0-1,5-9', 'bytes=', '0-5']) {
    assert.deepEqual(d(r), { kind: 'full' }, r);
  }
});

test('If-Range: the current strong tag allows the range; any other tag or a date gets the whole body', () => {
  assert.deepEqual(d('bytes=10-', TAG), { kind: 'partial', start: 10, end: 999 });
  assert.deepEqual(d('bytes=10-', '"z1-old"'), { kind: 'full' });
  assert.deepEqual(d('bytes=10-', `W/${TAG}`), { kind: 'full' });
  assert.deepEqual(d('bytes=10-', 'Sat, 28 Nov 2026 06:17:28 GMT'), { kind: 'full' });
});
