// The BlobStore interface as downloads use it: positioned reads through openBlobReader,
// for the local store (file descriptors) and for a store that only streams (an in-memory
// store below, standing in for an object store); whole downloads served from the
// in-memory store and checked by independent ZIP readers; and the local store's cleanup of
// partial copies left by a process killed mid-copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestStore, tempDir } from '../helpers/stores.js';
import { query, request, seedSeries, startServer } from './fixture.js';
import { readWithAll } from './readers.js';
import type { BlobReader, BlobStat, BlobStore } from '../../src/blobs/blob-store.js';
import { openBlobReader } from '../../src/blobs/blob-reader.js';
import { FsBlobStore, PARTIALS_DIR } from '../../src/blobs/fs/fs-blob-store.js';
import { READ_BUFFERS } from '../../src/nbia/downloads.js';
import { sharedFileReadThread } from '../../src/blobs/fs/read-thread.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/**
 * Blobs in a Map, read only as streams (in chunks of an awkward size, so reads cross chunk
 * boundaries). Counts the streams it opens. No openForRead: the generic reader is used.
 */
class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();
  streamsOpened = 0;
  constructor(private readonly chunkSize = 7777) {}

  async putFile(key: string, sourcePath: string): Promise<void> {
    this.blobs.set(key, fs.readFileSync(sourcePath));
  }

  async stat(key: string): Promise<BlobStat | null> {
    const blob = this.blobs.get(key);
    return blob ? { size: blob.length } : null;
  }

  openRead(key: string, _inPlace: boolean, range?: { start: number; end: number }): Readable {
    this.streamsOpened++;
    const blob = this.blobs.get(key);
    if (!blob) {
      const failing = new Readable({ read() {} });
      process.nextTick(() => failing.destroy(new Error(`no blob ${key}`)));
      return failing;
    }
    const bytes = range ? blob.subarray(range.start, range.end + 1) : blob;
    const size = this.chunkSize;
    return Readable.from((function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })());
  }
}

/** The same blobs, with positioned reads of its own (so openForRead is what downloads call). */
class PositionedMemoryStore extends MemoryBlobStore {
  positionedReads = 0;
  async openForRead(key: string): Promise<BlobReader | null> {
    const blob = this.blobs.get(key);
    if (!blob) return null;
    return {
      size: blob.length,
      read: async (buffer, position) => {
        this.positionedReads++;
        return blob.copy(buffer, 0, Math.min(position, blob.length), Math.min(position + buffer.length, blob.length));
      },
      close: () => {},
    };
  }
}

test('openBlobReader over a store that only streams: sequential reads, a jump, the end, a missing blob', async () => {
  const store = new MemoryBlobStore(1000);
  const blob = randomBytes(10_000);
  store.blobs.set('a', blob);
  const reader = (await openBlobReader(store, 'a', false))!;
  assert.equal(reader.size, 10_000);
  const buf = Buffer.alloc(4096);
  // Front to back in reads that do not line up with the stream's 1000-byte chunks.
  let position = 0;
  const got: Buffer[] = [];
  for (;;) {
    const n = await reader.read(buf, position);
    if (n === 0) break;
    got.push(Buffer.from(buf.subarray(0, n)));
    position += n;
  }
  assert.deepEqual(got.map((g) => g.length), [4096, 4096, 1808]);
  assert.ok(Buffer.concat(got).equals(blob));
  assert.equal(store.streamsOpened, 1, 'one stream serves reads that follow on');
  // A jump backwards reopens at the new offset.
  assert.equal(await reader.read(buf.subarray(0, 10), 5000), 10);
  assert.ok(buf.subarray(0, 10).equals(blob.subarray(5000, 5010)));
  assert.equal(store.streamsOpened, 2);
  // ...and reading on from there needs no new stream.
  assert.equal(await reader.read(buf.subarray(0, 3), 5010), 3);
  assert.ok(buf.subarray(0, 3).equals(blob.subarray(5010, 5013)));
  assert.equal(store.streamsOpened, 2);
  assert.equal(await reader.read(buf, 10_000), 0, 'past the end');
  reader.close();
  reader.close(); // twice is fine
  await assert.rejects(reader.read(buf, 0), /closed/);
  assert.equal(await openBlobReader(store, 'missing', false), null);
});

test('openBlobReader over the local store: file descriptors, no size before reading, missing is null', async () => {
  const dir = tempDir();
  try {
    const store = new FsBlobStore(dir);
    const source = path.join(dir, 'source.bin');
    const bytes = randomBytes(300_000);
    fs.writeFileSync(source, bytes);
    await store.putFile('x/y.dcm', source);
    const reader = (await openBlobReader(store, 'x/y.dcm', false))!;
    assert.equal(reader.size, undefined);
    const buf = Buffer.alloc(bytes.length + 1);
    assert.equal(await reader.read(buf, 0), bytes.length);
    assert.ok(buf.subarray(0, bytes.length).equals(bytes));
    assert.equal(await reader.read(buf.subarray(0, 5), 100), 5);
    assert.ok(buf.subarray(0, 5).equals(bytes.subarray(100, 105)));
    reader.close();
    // In place: the key is the file's own path.
    const inPlace = (await openBlobReader(store, source, true))!;
    assert.equal(await inPlace.read(buf.subarray(0, 8), 0), 8);
    assert.ok(buf.subarray(0, 8).equals(bytes.subarray(0, 8)));
    inPlace.close();
    assert.equal(await openBlobReader(store, 'x/missing.dcm', false), null);
    assert.throws(() => store.pathOf('../escape', false), /escapes the store/);
    assert.throws(() => store.pathOf(`${PARTIALS_DIR}/1.1.partial`, false), /partial-copy folder/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const [label, makeStore] of [
  ['a store that only streams', () => new MemoryBlobStore()],
  ['a store with its own positioned reads', () => new PositionedMemoryStore()],
] as const) {
  test(`downloads from ${label}: whole ZIPs every reader accepts, ranges, and a changed blob breaks the transfer`, async () => {
    const t = await createTestStore('sqlite');
    const store = makeStore();
    const s = await startServer(t, store);
    try {
      // Sizes on every read path: small (read when opened), one read, several 1 MiB chunks.
      const sizes = [1000, 70_000, 700_000, 2 * 1024 * 1024 + 3];
      const images = sizes.map((size, i) => ({ sopInstanceUid: `5.5.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(size) }));
      const seeded = await seedSeries(t, { collection: { name: 'Mem', licenseName: 'CC BY 4.0' }, seriesInstanceUid: '5.5', images });
      // Move every blob from disk into the store under test: the disk no longer has them.
      for (const image of images) {
        const file = seeded.files.get(image.sopInstanceUid)!;
        await store.putFile(`5.5/${image.sopInstanceUid}.dcm`, file);
        fs.rmSync(file);
      }

      const url = `${s.base}/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: '5.5', IncludeMD5: 'Yes' })}`;
      const whole = await request(url);
      assert.equal(whole.status, 200);
      assert.equal(whole.aborted, false);
      assert.equal(Number(whole.headers['content-length']), whole.body.length);
      const file = path.join(t.dataDir, 'mem.zip');
      fs.writeFileSync(file, whole.body);
      const read = await readWithAll(file);
      assert.deepEqual(read.names, ['LICENSE', '00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm', 'md5hashes.csv']);
      assert.deepEqual(read.members.slice(1, 5).map((m) => m.md5), images.map((i) => md5(i.bytes)));
      if (store instanceof PositionedMemoryStore) {
        assert.ok(store.positionedReads >= 5, `positioned reads: ${store.positionedReads}`);
        assert.equal(store.streamsOpened, 0, 'openRead is not used when openForRead exists');
      } else {
        assert.equal(store.streamsOpened, images.length, 'one stream per image');
      }

      // A range in the middle of the biggest image equals the same slice of the whole.
      const range = await request(url, { headers: { Range: 'bytes=1500000-1600000' } });
      assert.equal(range.status, 206);
      assert.ok(range.body.equals(whole.body.subarray(1_500_000, 1_600_001)));

      // One flipped byte in the biggest blob (same size): the transfer breaks before its end.
      const biggest = store.blobs.get('5.5/5.5.4.dcm')!;
      biggest[1000] = biggest[1000]! ^ 0xff;
      const broken = await request(url);
      assert.equal(broken.aborted, true);
      assert.ok(broken.body.length < whole.body.length);
      const logged = s.errors.filter((e) => e.sopInstanceUid === '5.5.4');
      assert.match(String(logged.at(-1)?.reason), /CRC-32/);
      // A blob the store reports with another size fails before its bytes are sent.
      store.blobs.set('5.5/5.5.2.dcm', randomBytes(70_001));
      const single = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '5.5', SOPInstanceUID: '5.5.2' })}`);
      assert.equal(single.aborted, true);
      assert.equal(single.body.length, 0);
      assert.match(String(s.errors.filter((e) => e.sopInstanceUid === '5.5.2').at(-1)?.reason), /70001 bytes, the index records 70000/);
    } finally {
      await s.close();
      await t.dispose();
    }
  });
}

test('downloads close every file they open and give back every shared read buffer: whole, ranged, broken off, failed', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  const elsewhere = tempDir();
  try {
    const sizes = [100, 70_000, 600_000, 1_500_000];
    const images = Array.from({ length: 24 }, (_, i) => {
      const bytes = randomBytes(sizes[i % sizes.length]!);
      if (i % 2 === 0) return { sopInstanceUid: `8.1.${i + 1}`, instanceNumber: i + 1, bytes };
      const file = path.join(elsewhere, `${i}.dcm`);
      fs.writeFileSync(file, bytes);
      return { sopInstanceUid: `8.1.${i + 1}`, instanceNumber: i + 1, inPlace: { path: file, size: bytes.length, crc32: zlib.crc32(bytes), md5: md5(bytes) } };
    });
    await seedSeries(t, { collection: { name: 'Fds' }, seriesInstanceUid: '8.1', images });
    const openFds = () => fs.readdirSync('/proc/self/fd').length;
    const url = `${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=8.1`;
    await request(url); // the first request opens what the server keeps (database, sockets)
    await new Promise((r) => setTimeout(r, 100));
    const before = openFds();
    const whole = await request(url);
    assert.equal(whole.aborted, false);
    await request(url, { headers: { Range: 'bytes=1000000-2000000' } });
    // A client that leaves after the first megabyte.
    await new Promise<void>((resolve, reject) => {
      const req = http.get(url, { agent: false }, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 1024 * 1024) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    // One file changed since ingest: that download breaks.
    const changed = fs.readFileSync(path.join(elsewhere, '3.dcm'));
    changed[10] = changed[10]! ^ 1;
    fs.writeFileSync(path.join(elsewhere, '3.dcm'), changed);
    assert.equal((await request(url)).aborted, true);
    let after = openFds();
    for (let i = 0; i < 50 && (after > before || READ_BUFFERS.sharedFree < READ_BUFFERS.sharedMade); i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = openFds();
    }
    // (Idle keep-alive sockets may close meanwhile: fewer is fine, more is a leak.)
    assert.ok(after <= before, `open descriptors: ${before} before, ${after} after`);
    assert.ok(READ_BUFFERS.sharedMade > 0, 'shared read buffers were used');
    assert.equal(READ_BUFFERS.sharedFree, READ_BUFFERS.sharedMade, 'every shared read buffer is back in the pool');
  } finally {
    await s.close();
    await t.dispose();
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a series of files under 1 MiB in the local store is read on the reading thread, several files to a message', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    const images = Array.from({ length: 40 }, (_, i) => ({ sopInstanceUid: `8.2.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(100_000 + i) }));
    await seedSeries(t, { collection: { name: 'Batches' }, seriesInstanceUid: '8.2', images });
    const before = { ...sharedFileReadThread().sent };
    const r = await request(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=8.2`);
    assert.equal(r.aborted, false);
    const file = path.join(t.dataDir, 'batches.zip');
    fs.writeFileSync(file, r.body);
    const read = await readWithAll(file);
    assert.deepEqual(read.members.slice(1, 41).map((m) => m.md5), images.map((i) => md5(i.bytes)));
    const files = sharedFileReadThread().sent.files - before.files;
    const batches = sharedFileReadThread().sent.batches - before.batches;
    assert.equal(files, 40, 'every file went to the reading thread');
    assert.ok(batches <= 21, `${files} files in ${batches} messages`);
  } finally {
    await s.close();
    await t.dispose();
  }
});

test('putFile leaves no partial copy behind, whether it succeeds or fails', async () => {
  const dir = tempDir();
  try {
    const store = new FsBlobStore(dir);
    const source = path.join(dir, 'source.bin');
    fs.writeFileSync(source, 'some bytes');
    await store.putFile('a/b.dcm', source);
    assert.equal(fs.readFileSync(store.pathOf('a/b.dcm', false), 'utf8'), 'some bytes');
    await assert.rejects(store.putFile('a/c.dcm', path.join(dir, 'no-such-file')));
    assert.deepEqual(fs.readdirSync(path.join(store.root, PARTIALS_DIR)), []);
    assert.equal(fs.existsSync(store.pathOf('a/c.dcm', false)), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const FS_BLOB_STORE = fileURLToPath(new URL('../../src/blobs/fs/fs-blob-store.ts', import.meta.url));

/** Runs node with tsx on a snippet; resolves with the child once it has started. */
function nodeSnippet(code: string) {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

test('removeStalePartials deletes the partial a killed copy left, and keeps those a live process may still write', async () => {
  const dir = tempDir();
  const children: ReturnType<typeof spawn>[] = [];
  try {
    const store = new FsBlobStore(dir);
    const partials = path.join(store.root, PARTIALS_DIR);
    assert.equal(await store.removeStalePartials(), 0, 'no folder yet: nothing to do');

    // A real copy killed midway: a large sparse source copies for seconds; kill the process
    // as soon as its partial has bytes in it.
    const source = path.join(dir, 'big-sparse.bin');
    fs.closeSync(fs.openSync(source, 'w'));
    fs.truncateSync(source, 8 * 1024 ** 3);
    const copier = nodeSnippet(`import { FsBlobStore } from ${JSON.stringify(FS_BLOB_STORE)}; await new FsBlobStore(${JSON.stringify(dir)}).putFile('s/big.dcm', ${JSON.stringify(source)});`);
    children.push(copier);
    let left: string | undefined;
    for (let i = 0; i < 600 && !left; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const names = fs.existsSync(partials) ? fs.readdirSync(partials) : [];
      if (names.length > 0 && fs.statSync(path.join(partials, names[0]!)).size > 0) left = names[0];
    }
    assert.ok(left, 'the copy started');
    copier.kill('SIGKILL');
    await exited(copier);
    assert.match(left, new RegExp(`^${copier.pid}\\.\\d+\\.partial$`));
    assert.equal(fs.existsSync(store.pathOf('s/big.dcm', false)), false, 'nothing under the key');

    // Partials of a live process (another ingest running now) and of this process written
    // since it started are kept; this process's from before it started (a reused pid) go.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(sleeper);
    const live = `${sleeper.pid}.1.partial`;
    const mineFresh = `${process.pid}.900.partial`;
    const mineOld = `${process.pid}.901.partial`;
    const unrelated = 'notes.txt';
    for (const name of [live, mineFresh, mineOld, unrelated]) fs.writeFileSync(path.join(partials, name), 'x');
    const longAgo = new Date(Date.now() - 24 * 3600 * 1000 - process.uptime() * 1000);
    fs.utimesSync(path.join(partials, mineOld), longAgo, longAgo);

    assert.equal(await store.removeStalePartials(), 2);
    assert.deepEqual(fs.readdirSync(partials).sort(), [live, mineFresh, unrelated].sort());
    assert.equal(await store.removeStalePartials(), 0, 'running it again finds nothing more');

    // Once the live process is gone, its partial is stale too.
    sleeper.kill('SIGKILL');
    await exited(sleeper);
    assert.equal(await store.removeStalePartials(), 1);
    assert.deepEqual(fs.readdirSync(partials).sort(), [mineFresh, unrelated].sort());
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
