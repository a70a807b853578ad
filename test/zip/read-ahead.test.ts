// readAhead: order kept, bounded by its byte budget, a source error delivered after the
// chunks read before it, and a consumer that stops early closes the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAhead } from '../../src/zip/read-ahead.js';
import { BufferPool } from '../../src/zip/buffer-pool.js';

test('chunks come out in order, and the source runs at most the budget (plus one chunk) ahead', async () => {
  let produced = 0;
  let consumed = 0;
  let maxAhead = 0;
  async function* source() {
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setImmediate(r));
      produced += 10;
      maxAhead = Math.max(maxAhead, produced - consumed);
      yield Buffer.from([i, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
  }
  const seen: number[] = [];
  for await (const chunk of readAhead(source(), 35)) {
    await new Promise((r) => setTimeout(r, 1)); // a slow socket
    consumed += chunk.length;
    seen.push(chunk[0]!);
  }
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
  assert.ok(maxAhead <= 35 + 10 + 10, `ran ${maxAhead} bytes ahead`);
  assert.ok(maxAhead >= 30, 'it does read ahead');
});

test('an error of the source arrives after the chunks before it', async () => {
  async function* source() {
    yield Buffer.from('a');
    yield Buffer.from('b');
    throw new Error('disk on fire');
  }
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const c of readAhead(source(), 1024)) seen.push(c.toString());
    })(),
    /disk on fire/,
  );
  assert.deepEqual(seen, ['a', 'b']);
});

test('a consumer that stops early makes the source finish (its cleanup runs)', async () => {
  let cleaned = false;
  async function* source() {
    try {
      for (let i = 0; ; i++) yield Buffer.alloc(100, i);
    } finally {
      cleaned = true;
    }
  }
  let n = 0;
  for await (const _ of readAhead(source(), 1000)) if (++n === 5) break;
  assert.equal(cleaned, true);
});

test('BufferPool: a returned buffer is handed out again for a similar size; foreign and small buffers are ignored', () => {
  const pool = new BufferPool(1024 * 1024, 2);
  const a = pool.take(512 * 1024 + 1);
  assert.equal(a.length, 512 * 1024 + 1);
  assert.equal(a.buffer.byteLength, 576 * 1024); // rounded up to 64 KiB
  pool.give(a);
  const b = pool.take(520 * 1024);
  assert.equal(b.buffer, a.buffer, 'recycled');
  const c = pool.take(100 * 1024);
  assert.notEqual(c.buffer, a.buffer);
  pool.give(b);
  const d = pool.take(200 * 1024); // free one is more than twice as large: not used
  assert.notEqual(d.buffer, a.buffer);
  pool.give(Buffer.alloc(100)); // not ours: ignored
  pool.give(b); // already returned: ignored
  const e = pool.take(530 * 1024);
  assert.equal(e.buffer, a.buffer);
  const f = pool.take(530 * 1024);
  assert.notEqual(f.buffer, a.buffer, 'handed out once at a time');
  assert.equal(pool.take(100).length, 100);
  assert.equal(pool.take(2 * 1024 * 1024).length, 2 * 1024 * 1024);
});

test('BufferPool with a shared budget: SharedArrayBuffers first, sized like the others and kept whatever `keep` says; ordinary ones past the budget', () => {
  const KiB = 1024;
  const pool = new BufferPool(1024 * KiB, 0, 2048 * KiB);
  const a = pool.take(512 * KiB + 1);
  const b = pool.take(100 * KiB);
  const c = pool.take(700 * KiB);
  const d = pool.take(700 * KiB);
  assert.ok(a.buffer instanceof SharedArrayBuffer && a.buffer.byteLength === 576 * KiB, 'a shared buffer rounded up to 64 KiB');
  assert.ok(b.buffer instanceof SharedArrayBuffer && b.buffer.byteLength === 128 * KiB);
  assert.ok(c.buffer instanceof SharedArrayBuffer && c.buffer.byteLength === 704 * KiB);
  assert.ok(!(d.buffer instanceof SharedArrayBuffer), 'past the 2 MiB budget');
  assert.equal(pool.sharedMade, (576 + 128 + 704) * KiB);
  pool.give(d); // keep = 0: an ordinary buffer is let go
  pool.give(a.subarray(10, 20)); // any view returns the whole buffer
  pool.give(b);
  pool.give(c);
  assert.equal(pool.sharedFree, pool.sharedMade, 'all shared buffers are back');
  assert.ok(!(pool.take(1024 * KiB).buffer instanceof SharedArrayBuffer), 'no free shared buffer fits, and a new one would pass the budget');
  assert.equal(pool.take(600 * KiB).buffer, c.buffer, 'a free shared buffer that fits');
  assert.equal(pool.take(100 * KiB).buffer, b.buffer);
  assert.equal(pool.take(520 * KiB).buffer, a.buffer);
  assert.equal(pool.sharedMade, (576 + 128 + 704) * KiB, 'nothing new was made');
  assert.equal(pool.take(100).buffer instanceof SharedArrayBuffer, false, 'small reads are never pooled');
});
