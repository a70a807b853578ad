// The file reading thread (src/blobs/fs/read-thread.ts) and the local store's readWhole on
// it: whole files into shared buffers with the CRC-32 zlib gives, the reads of one turn in
// one message, errors with their codes, and a stopped thread that blames no file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/stores.js';
import { FileReadError, FileReadThread } from '../../src/blobs/fs/read-thread.js';
import { FsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';

const shared = (length: number) => Buffer.from(new SharedArrayBuffer(length + 16)).subarray(16); // a view at an offset

test('reads whole files into shared buffers with the CRC-32 zlib gives, the reads of one turn in one message', async () => {
  const dir = tempDir();
  const thread = new FileReadThread();
  try {
    const files = [0, 1, 65_536, 700_001, 1_048_575].map((size, i) => {
      const bytes = randomBytes(size);
      const file = path.join(dir, `${i}.dcm`);
      fs.writeFileSync(file, bytes);
      return { file, bytes };
    });
    const buffers = files.map((f) => shared(f.bytes.length + 1)); // one byte more: a file that grew shows
    const results = await Promise.all(files.map((f, i) => thread.read(f.file, buffers[i]!)));
    assert.deepEqual(thread.sent, { files: 5, batches: 1 });
    results.forEach((r, i) => {
      const { bytes } = files[i]!;
      assert.equal(r.bytes, bytes.length);
      assert.equal(r.crc32, zlib.crc32(bytes) >>> 0);
      assert.ok(buffers[i]!.subarray(0, bytes.length).equals(bytes), `file ${i} landed in its buffer`);
    });

    // A file longer than the buffer fills it; the CRC covers what was read.
    const big = files[3]!;
    const short = shared(1000);
    assert.deepEqual(await thread.read(big.file, short), { bytes: 1000, crc32: zlib.crc32(big.bytes.subarray(0, 1000)) >>> 0 });
    assert.deepEqual(thread.sent, { files: 6, batches: 2 });

    const missing = await thread.read(path.join(dir, 'gone.dcm'), shared(10)).catch((e: unknown) => e);
    assert.ok(missing instanceof FileReadError && missing.code === 'ENOENT', String(missing));
    const folder = await thread.read(dir, shared(10)).catch((e: unknown) => e);
    assert.ok(folder instanceof FileReadError && folder.code === 'EISDIR', String(folder));
    await assert.rejects(thread.read(big.file, Buffer.alloc(10)), /SharedArrayBuffer/);
    assert.equal(thread.available, true, 'failed reads do not stop the thread');
  } finally {
    await thread.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stopped thread fails the reads in flight with an error that blames no file, and is no longer available', async () => {
  const dir = tempDir();
  const thread = new FileReadThread();
  try {
    const file = path.join(dir, 'a.dcm');
    fs.writeFileSync(file, randomBytes(4 * 1024 * 1024));
    const inFlight = Array.from({ length: 8 }, () => thread.read(file, shared(4 * 1024 * 1024 + 1)).catch((e: unknown) => e));
    await new Promise((r) => setImmediate(r)); // the batch is sent
    await thread.close();
    for (const outcome of await Promise.all(inFlight)) {
      // Each read either finished before the stop or failed without blaming the file.
      if (outcome instanceof Error) assert.ok(!(outcome instanceof FileReadError), String(outcome));
      else assert.equal((outcome as { bytes: number }).bytes, 4 * 1024 * 1024);
    }
    assert.equal(thread.available, false);
    await assert.rejects(thread.read(file, shared(10)), /stopped/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('FsBlobStore.readWhole: stored files whole, missing is null; files read in place and plain buffers are left to openForRead', async () => {
  const dir = tempDir();
  try {
    const store = new FsBlobStore(dir);
    const bytes = randomBytes(300_000);
    const source = path.join(dir, 'source.dcm');
    fs.writeFileSync(source, bytes);
    await store.putFile('s/1.dcm', source);
    const into = shared(bytes.length + 1);
    assert.deepEqual(await store.readWhole('s/1.dcm', false, into), { bytes: bytes.length, crc32: zlib.crc32(bytes) >>> 0 });
    assert.ok(into.subarray(0, bytes.length).equals(bytes));
    assert.equal(await store.readWhole('s/2.dcm', false, shared(10)), null);
    assert.equal(await store.readWhole(source, true, shared(10)), undefined, 'in place: not on the shared thread');
    assert.equal(await store.readWhole('s/1.dcm', false, Buffer.alloc(10)), undefined, 'not a shared buffer');
    await assert.rejects(store.readWhole('../escape', false, shared(10)), /escapes the store/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
