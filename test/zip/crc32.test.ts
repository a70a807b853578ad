// The CRC-32 engines: crc32Combine agrees with zlib over any split; the helper thread gives
// zlib's values for any chunking, with shared and plain chunks mixed and jobs interleaved;
// a chunk is released only once the helper is done with it; streamPieces with the helper
// still holds an item's last piece until its check passed and recycles every chunk it read
// exactly once; a dead helper fails the jobs in flight (not as an integrity error) and
// later jobs run inline. streamBody, which hands its buffers to the consumer to keep,
// recycles none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { crc32, crc32Combine, CRC32_IMPLEMENTATION, INLINE_CRC32, OFFLOAD_MIN_SIZE, WorkerCrc32 } from '../../src/zip/crc32.js';
import { planZip, type ZipEntryInput } from '../../src/zip/plan.js';
import { ItemIntegrityError, streamBody, streamPieces, type OpenItem } from '../../src/zip/stream-body.js';
import { readAhead } from '../../src/zip/read-ahead.js';

const shared = (bytes: Buffer) => {
  const b = Buffer.from(new SharedArrayBuffer(bytes.length + 100), 50, bytes.length); // not at offset 0
  bytes.copy(b);
  return b;
};

const split = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

async function crcOf(engine: WorkerCrc32, chunks: Buffer[]): Promise<number> {
  const job = engine.begin(chunks.reduce((n, c) => n + c.length, 0));
  const released = chunks.map((c) => job.update(c));
  const crc = await job.digest();
  await Promise.all(released);
  return crc;
}

test('crc32() is the fast implementation here, and gives what zlib gives: any length, any start value, any kind of view', () => {
  // The binary for this platform ships with the dependency: a silent fallback to zlib would cost the speed it is there for.
  if (process.platform === 'linux' && process.arch === 'x64') assert.equal(CRC32_IMPLEMENTATION, '@node-rs/crc32');
  const data = randomBytes(70_000);
  for (const length of [0, 1, 3, 15, 16, 63, 64, 65, 255, 4096, 65_535, 70_000]) {
    const part = data.subarray(0, length);
    assert.equal(crc32(part), zlib.crc32(part) >>> 0, `length ${length}`);
    for (const initial of [1, 0x7fffffff, 0xffffffff, 0xdeadbeef]) assert.equal(crc32(part, initial), zlib.crc32(part, initial) >>> 0, `length ${length} from ${initial}`);
  }
  // Continued chunk by chunk, as the downloads do; on shared memory (the helper's buffers) and on plain Uint8Arrays.
  let running = 0;
  for (const c of split(data, 9_999)) running = crc32(c, running);
  assert.equal(running, zlib.crc32(data) >>> 0);
  assert.equal(crc32(shared(data)), zlib.crc32(data) >>> 0);
  assert.equal(crc32(new Uint8Array(data.buffer, data.byteOffset + 7, 1000)), zlib.crc32(data.subarray(7, 1007)) >>> 0);
});

test('crc32Combine gives the CRC-32 zlib gives for the whole, for every kind of split', () => {
  const data = randomBytes(5000);
  const whole = zlib.crc32(data) >>> 0;
  for (const at of [0, 1, 2, 3, 4, 7, 8, 100, 2500, 4095, 4999, 5000]) {
    const a = data.subarray(0, at);
    const b = data.subarray(at);
    assert.equal(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length), whole, `split at ${at}`);
  }
  // Lengths past 32 bits (a ZIP64 entry): the zero bytes' CRC, by zlib in 1 MiB steps,
  // against the combination of one 1 MiB block's CRC with itself 2^n times over.
  const block = Buffer.alloc(1024 * 1024);
  let zeros = zlib.crc32(block) >>> 0;
  let length = block.length;
  for (let i = 0; i < 12; i++) {
    zeros = crc32Combine(zeros, zeros, length);
    length *= 2;
  }
  assert.equal(length, 4 * 1024 ** 3);
  let byZlib = 0;
  for (let i = 0; i < length / block.length; i++) byZlib = zlib.crc32(block, byZlib);
  assert.equal(zeros, byZlib >>> 0);
  assert.equal(crc32Combine(0x12345678, 0x9abcdef0, 0), (0x12345678 ^ 0x9abcdef0) >>> 0, 'an empty B only adds its CRC');
});

test('the helper thread gives the CRC-32 zlib gives, shared and plain chunks mixed, jobs interleaved', async () => {
  const engine = new WorkerCrc32();
  try {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const expected = zlib.crc32(data) >>> 0;
    assert.equal(await crcOf(engine, [shared(data)]), expected);
    assert.equal(await crcOf(engine, split(data, 1024 * 1024).map(shared)), expected);
    assert.equal(await crcOf(engine, split(data, 100_000)), expected, 'plain buffers: checked inline');
    assert.equal(await crcOf(engine, split(data, 70_000).map((c, i) => (i % 3 === 0 ? c : shared(c)))), expected, 'mixed');
    // Twenty jobs at once, their chunks interleaved.
    const items = Array.from({ length: 20 }, (_, i) => randomBytes(OFFLOAD_MIN_SIZE + i * 4099));
    const jobs = items.map((b) => ({ job: engine.begin(b.length), parts: split(b, 20_000).map(shared) }));
    for (let round = 0; jobs.some((j) => round < j.parts.length); round++) {
      for (const j of jobs) if (round < j.parts.length) void j.job.update(j.parts[round]!);
    }
    assert.deepEqual(await Promise.all(jobs.map((j) => j.job.digest())), items.map((b) => zlib.crc32(b) >>> 0));
    const empty = engine.begin(OFFLOAD_MIN_SIZE);
    assert.equal(await empty.digest(), 0);
  } finally {
    await engine.close();
  }
});

test('a chunk is released only once the helper is done with it; small items are checked inline', async () => {
  const engine = new WorkerCrc32();
  try {
    const small = engine.begin(OFFLOAD_MIN_SIZE - 1);
    assert.equal(small.update(shared(Buffer.from('abc'))), undefined, 'inline: nothing to wait for');
    assert.equal(await small.digest(), zlib.crc32('abc') >>> 0);

    const chunk = shared(randomBytes(2 * 1024 * 1024));
    const expected = zlib.crc32(chunk) >>> 0;
    const job = engine.begin(chunk.length * 2);
    let released = false;
    const inUse = job.update(chunk)!;
    assert.ok(inUse instanceof Promise);
    void inUse.then(() => (released = true));
    assert.equal(released, false, 'not released while the helper may read it');
    await inUse;
    // Once released, the caller may reuse the buffer: the CRC must not change.
    chunk.fill(0);
    const second = shared(randomBytes(1000));
    await job.update(second);
    assert.equal(await job.digest(), zlib.crc32(second, expected) >>> 0);
  } finally {
    await engine.close();
  }
});

test('a stopped helper fails the jobs in flight with an error that blames no file; later jobs run inline', async () => {
  const engine = new WorkerCrc32();
  const data = shared(randomBytes(1024 * 1024));
  const job = engine.begin(data.length * 2);
  const inUse = job.update(data);
  await engine.close();
  await inUse; // released: nothing reads it any more
  await assert.rejects(job.digest(), (err: unknown) => !(err instanceof ItemIntegrityError) && /stopped/.test((err as Error).message));
  const later = engine.begin(data.length);
  assert.equal(later.update(data), undefined, 'inline now');
  assert.equal(await later.digest(), zlib.crc32(data) >>> 0);
});

/** Items whose sources hand out shared buffers and count what comes back through recycle. */
function recyclingSource(served: Map<string, Buffer>, chunkSize: number) {
  const handedOut = new Set<Buffer>();
  let recycledTwice = 0;
  const open: OpenItem<string> = async (key) => {
    const data = served.get(key)!;
    async function* chunks() {
      for (let i = 0; i < data.length; i += chunkSize) {
        const c = shared(data.subarray(i, i + chunkSize));
        handedOut.add(c);
        yield c;
      }
    }
    return {
      chunks: chunks(),
      close: () => {},
      recycle: (c: Buffer) => {
        if (!handedOut.delete(c)) recycledTwice++;
      },
    };
  };
  return { open, outstanding: () => handedOut.size, recycledTwice: () => recycledTwice };
}

function plan(contents: Map<string, Buffer>, indexCrc?: Map<string, number>) {
  const entries: ZipEntryInput<string>[] = [...contents].map(([name, data]) => ({
    name,
    size: data.length,
    crc32: indexCrc?.get(name) ?? zlib.crc32(data),
    modified: { date: 0x5c64, time: 0 },
    content: { external: name },
  }));
  return planZip(entries);
}

test('streamPieces with the helper: same bytes as inline, every chunk recycled once, the last piece of a bad item never released', async () => {
  const engine = new WorkerCrc32();
  try {
    const contents = new Map([
      ['a.dcm', randomBytes(300_000)],
      ['b.dcm', randomBytes(100)],
      ['c.dcm', randomBytes(1_000_000)],
    ]);
    const p = plan(contents);
    const collect = async (iter: AsyncIterable<Buffer>) => {
      const parts: Buffer[] = [];
      for await (const c of iter) parts.push(Buffer.from(c));
      return Buffer.concat(parts);
    };
    const inlineSource = recyclingSource(contents, 65_536);
    const whole = await collect(streamBody(p, { start: 0, end: p.totalSize }, { open: inlineSource.open, crc32: INLINE_CRC32 }));
    assert.equal(whole.length, p.totalSize);

    // The HTTP path: pieces through readAhead, each sent after its check, recycled after.
    for (const [start, end] of [[0, p.totalSize], [400_000, 500_000], [10, 20]]) {
      const src = recyclingSource(contents, 65_536);
      const parts: Buffer[] = [];
      const pieces = readAhead(streamPieces(p, { start: start!, end: end! }, { open: src.open, crc32: engine }), 256 * 1024, {
        sizeOf: (x) => x.data.length,
        discard: (x) => x.recycle?.(),
      });
      for await (const piece of pieces) {
        if (piece.verified) await piece.verified;
        parts.push(Buffer.from(piece.data));
        piece.recycle?.();
      }
      assert.ok(Buffer.concat(parts).equals(whole.subarray(start, end)), `[${start}, ${end})`);
      await new Promise((r) => setTimeout(r, 20)); // recycles wait for the helper's release
      assert.equal(src.outstanding(), 0, `every chunk recycled for [${start}, ${end})`);
      assert.equal(src.recycledTwice(), 0);
    }

    // c.dcm's index CRC is wrong: its bytes before the last piece go out, the last never.
    const badCrc = new Map([['c.dcm', (zlib.crc32(contents.get('c.dcm')!) ^ 1) >>> 0]]);
    const bad = plan(contents, badCrc);
    const entry = bad.entries[2]!;
    for (const viaPieces of [false, true]) {
      const src = recyclingSource(contents, 65_536);
      let sent = 0;
      await assert.rejects(
        (async () => {
          if (!viaPieces) {
            for await (const c of streamBody(bad, { start: 0, end: bad.totalSize }, { open: src.open, crc32: engine })) sent += c.length;
            return;
          }
          // As the HTTP pump consumes them: wait for the check, send, recycle.
          for await (const piece of streamPieces(bad, { start: 0, end: bad.totalSize }, { open: src.open, crc32: engine })) {
            try {
              if (piece.verified) await piece.verified;
              sent += piece.data.length;
            } finally {
              piece.recycle?.();
            }
          }
        })(),
        (err: unknown) => err instanceof ItemIntegrityError && err.item === entry && /CRC-32/.test(err.reason),
      );
      assert.ok(sent < entry.dataOffset + entry.size, `sent ${sent}: the item's end is held back`);
      assert.ok(sent >= entry.dataOffset, 'the item started going out while its CRC was computed');
      if (viaPieces) {
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(src.outstanding(), 0, 'chunks of the failed item are recycled too');
      }
    }

    // A consumer that stops early: whatever was read ahead is recycled.
    const early = recyclingSource(contents, 65_536);
    let n = 0;
    const stopping = readAhead(streamPieces(p, { start: 0, end: p.totalSize }, { open: early.open, crc32: engine }), 512 * 1024, {
      sizeOf: (x) => x.data.length,
      discard: (x) => x.recycle?.(),
    });
    for await (const piece of stopping) {
      piece.recycle?.();
      if (++n === 3) break;
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(early.outstanding(), 0);
  } finally {
    await engine.close();
  }
});
