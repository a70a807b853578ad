// The S3 file store against a real S3 endpoint (s3rver, started here): uploads whole and
// in parts, checked by MD5 and atomic; positioned reads; and series downloads served from
// it through the same read path as the local store (ZIP64 layout, exact Content-Length,
// ranges, integrity), including an endpoint that dies mid-download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestStore, tempDir } from '../helpers/stores.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { query, request, seedSeries, startServer } from './fixture.js';
import { readWithAll } from './readers.js';
import { openBlobReader } from '../../src/blobs/blob-reader.js';
import type { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MIB = 1024 * 1024;

let s3: TestS3;
before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.dispose();
});

async function objectBytes(store: S3BlobStore, key: string): Promise<Buffer | null> {
  const reader = await openBlobReader(store, key, false);
  if (!reader) return null;
  try {
    const buf = Buffer.alloc(reader.size! + 1);
    const n = await reader.read(buf, 0);
    return buf.subarray(0, n);
  } finally {
    reader.close();
  }
}

test('putFile: whole and multipart uploads land byte for byte with their MD5; a file that no longer matches leaves nothing', async () => {
  const dir = tempDir();
  try {
    const store = s3.store('put/', { partSize: 5 * MIB, multipartThreshold: 5 * MIB });
    const small = randomBytes(100_000);
    const big = randomBytes(11 * MIB + 123); // three parts: 5, 5 and 1 MiB + 123
    fs.writeFileSync(path.join(dir, 'small'), small);
    fs.writeFileSync(path.join(dir, 'big'), big);
    await store.putFile('s/small.dcm', path.join(dir, 'small'), { size: small.length, md5: md5(small) });
    await store.putFile('s/big.dcm', path.join(dir, 'big'), { size: big.length, md5: md5(big) });
    await store.putFile('s/unchecked.dcm', path.join(dir, 'big')); // no expectation: MD5 computed first
    assert.deepEqual(await store.head('s/small.dcm'), { size: small.length, md5: md5(small) });
    assert.deepEqual(await store.head('s/big.dcm'), { size: big.length, md5: md5(big) });
    assert.deepEqual(await store.head('s/unchecked.dcm'), { size: big.length, md5: md5(big) });
    assert.ok((await objectBytes(store, 's/small.dcm'))!.equals(small));
    assert.ok((await objectBytes(store, 's/big.dcm'))!.equals(big));
    assert.deepEqual(await store.stat('s/big.dcm', false), { size: big.length });

    // The file changed after it was hashed: refused, whole or in parts, and nothing under the key.
    const other = Buffer.from(big);
    other[6 * MIB] = other[6 * MIB]! ^ 1;
    fs.writeFileSync(path.join(dir, 'big'), other);
    await assert.rejects(store.putFile('s/changed.dcm', path.join(dir, 'big'), { size: big.length, md5: md5(big) }), /changed since it was hashed \(MD5/);
    assert.equal(await store.head('s/changed.dcm'), null);
    fs.writeFileSync(path.join(dir, 'small'), randomBytes(100_000));
    await assert.rejects(store.putFile('s/changed-small.dcm', path.join(dir, 'small'), { size: small.length, md5: md5(small) }), /changed since it was hashed/);
    await assert.rejects(store.putFile('s/shorter.dcm', path.join(dir, 'small'), { size: 99, md5: md5(small) }), /100000 bytes now/);
    assert.equal(await store.head('s/changed-small.dcm'), null);
    assert.equal(await store.stat('s/missing.dcm', false), null);
    await assert.rejects(store.putFile('../escape', path.join(dir, 'small')), /not a blob key/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('positioned reads: size from the first response, reads that follow on, a jump, the end; a changed object fails a jump', async () => {
  const store = s3.store('reads/');
  const blob = randomBytes(3 * MIB + 5);
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'reads/a', Body: blob }));
  const reader = (await store.openForRead('a', false))!;
  assert.equal(reader.size, blob.length);
  const buf = Buffer.alloc(MIB);
  assert.equal(await reader.read(buf, 0), MIB);
  assert.ok(buf.equals(blob.subarray(0, MIB)));
  assert.equal(await reader.read(buf, MIB), MIB);
  assert.ok(buf.equals(blob.subarray(MIB, 2 * MIB)));
  assert.equal(await reader.read(buf.subarray(0, 10), 100), 10, 'a jump back');
  assert.ok(buf.subarray(0, 10).equals(blob.subarray(100, 110)));
  assert.equal(await reader.read(buf, 3 * MIB), 5, 'the end');
  assert.equal(await reader.read(buf, blob.length), 0, 'past the end');
  // Replaced by another version: a read that needs a new request refuses to mix the two.
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'reads/a', Body: randomBytes(blob.length) }));
  await assert.rejects(reader.read(buf, 0));
  reader.close();
  await assert.rejects(reader.read(buf, 0), /closed/);
  assert.equal(await store.openForRead('missing', false), null);
  // A ranged stream (what getDicomTags reads).
  const chunks: Buffer[] = [];
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'reads/b', Body: blob }));
  for await (const c of store.openRead('b', false, { start: 10, end: 19 })) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(blob.subarray(10, 20)));
});

test('files read to the end hand their connection back: one connection serves many files in turn', async () => {
  const store = s3.store('pool/');
  for (let i = 0; i < 12; i++) await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `pool/${i}`, Body: randomBytes(100_000 + i) }));
  const before = s3.connections();
  for (let i = 0; i < 12; i++) {
    const reader = (await openBlobReader(store, String(i), false))!;
    const buf = Buffer.alloc(reader.size! + 1);
    assert.equal(await reader.read(buf, 0), 100_000 + i);
    reader.close();
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(s3.connections() - before <= 1, `${s3.connections() - before} new connections for 12 files read in turn`);
});

test('downloads from S3: whole ZIPs every reader accepts, ranges, and changed, resized or vanished objects break the transfer', async () => {
  const t = await createTestStore('sqlite');
  const store = s3.store('dl/');
  const s = await startServer(t, store);
  try {
    // Sizes on every read path: small (read when opened), one read, several 1 MiB chunks.
    const sizes = [1000, 70_000, 700_000, 2 * MIB + 3];
    const images = sizes.map((size, i) => ({ sopInstanceUid: `6.6.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(size) }));
    const seeded = await seedSeries(t, { collection: { name: 'S3', licenseName: 'CC BY 4.0' }, seriesInstanceUid: '6.6', images });
    for (const image of images) {
      const file = seeded.files.get(image.sopInstanceUid)!;
      await store.putFile(`6.6/${image.sopInstanceUid}.dcm`, file, { size: image.bytes.length, md5: md5(image.bytes) });
      fs.rmSync(file); // only S3 has them now
    }
    const url = `${s.base}/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: '6.6', IncludeMD5: 'Yes' })}`;
    const whole = await request(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.aborted, false);
    assert.equal(Number(whole.headers['content-length']), whole.body.length);
    const file = path.join(t.dataDir, 's3.zip');
    fs.writeFileSync(file, whole.body);
    const read = await readWithAll(file);
    assert.deepEqual(read.names, ['LICENSE', '00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm', 'md5hashes.csv']);
    assert.deepEqual(read.members.slice(1, 5).map((m) => m.md5), images.map((i) => md5(i.bytes)));

    const range = await request(url, { headers: { Range: 'bytes=1500000-1600000' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(whole.body.subarray(1_500_000, 1_600_001)));
    const single = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.6', SOPInstanceUID: '6.6.3' })}`);
    assert.equal(single.aborted, false);
    assert.ok(single.body.equals(images[2]!.bytes));

    // One flipped byte in the biggest object (same size): the transfer breaks before its end.
    const flipped = Buffer.from(images[3]!.bytes);
    flipped[1000] = flipped[1000]! ^ 0xff;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.4.dcm', Body: flipped }));
    const broken = await request(url);
    assert.equal(broken.aborted, true);
    assert.ok(broken.body.length < whole.body.length);
    assert.match(String(s.errors.filter((e) => e.sopInstanceUid === '6.6.4').at(-1)?.reason), /CRC-32/);
    // Another size: fails before any of its bytes are sent.
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.2.dcm', Body: randomBytes(70_001) }));
    const resized = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.6', SOPInstanceUID: '6.6.2' })}`);
    assert.equal(resized.aborted, true);
    assert.equal(resized.body.length, 0);
    assert.match(String(s.errors.filter((e) => e.sopInstanceUid === '6.6.2').at(-1)?.reason), /70001 bytes, the index records 70000/);
    // Gone, after the first file: the ZIP breaks where that file would be.
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.2.dcm', Body: images[1]!.bytes }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.4.dcm', Body: images[3]!.bytes }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.3.dcm' }));
    const vanished = await request(url);
    assert.equal(vanished.aborted, true);
    assert.ok(vanished.body.length < whole.body.length);
    assert.match(String(s.errors.filter((e) => e.sopInstanceUid === '6.6.3').at(-1)?.reason), /missing/);
    // Gone, the first file: a clean 404 before any byte (nothing of the series is served).
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'dl/6.6/6.6.1.dcm' }));
    const first = await request(url);
    assert.equal(first.status, 404);
    assert.equal(first.aborted, false);
  } finally {
    await s.close();
    await t.dispose();
  }
});

test('the S3 endpoint dies mid-download: the transfer breaks, never a ZIP that looks whole; after a restart it downloads whole', async () => {
  const t = await createTestStore('sqlite');
  const store = s3.store('die/');
  const s = await startServer(t, store);
  try {
    // More files than the download opens ahead, so some are requested after the endpoint died.
    const images = Array.from({ length: 16 }, (_, i) => ({ sopInstanceUid: `7.7.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(2 * MIB + i) }));
    const seeded = await seedSeries(t, { collection: { name: 'Die' }, seriesInstanceUid: '7.7', images });
    for (const image of images) {
      const file = seeded.files.get(image.sopInstanceUid)!;
      await store.putFile(`7.7/${image.sopInstanceUid}.dcm`, file, { size: image.bytes.length, md5: md5(image.bytes) });
      fs.rmSync(file);
    }
    const url = `${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=7.7`;
    const result = await new Promise<{ announced: number; received: number; complete: boolean }>((resolve, reject) => {
      const req = http.get(url, { agent: false }, (res) => {
        let received = 0;
        let killed = false;
        res.on('data', (c: Buffer) => {
          received += c.length;
          if (!killed && received > MIB) {
            killed = true;
            void s3.kill();
          }
        });
        const done = () => resolve({ announced: Number(res.headers['content-length']), received, complete: res.complete });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      req.on('error', reject);
    });
    assert.equal(result.complete, false, 'the response is cut off');
    assert.ok(result.received < result.announced, `${result.received} of ${result.announced} bytes`);
    assert.ok(s.errors.some((e) => /cannot (open|read)/.test(String(e.reason))), JSON.stringify(s.errors.at(-1)));

    await s3.restart();
    const again = await request(url);
    assert.equal(again.aborted, false);
    const file = path.join(t.dataDir, 'again.zip');
    fs.writeFileSync(file, again.body);
    const read = await readWithAll(file);
    assert.deepEqual(read.members.slice(1).map((m) => m.md5), images.map((i) => md5(i.bytes)), "LICENSE, then every image");
  } finally {
    await s.close();
    await t.dispose();
  }
});
