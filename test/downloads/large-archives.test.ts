// [slow] The two archives that need ZIP64: a series over 4 GiB (a zero-filled sparse file,
// so entry sizes and later offsets pass 0xFFFFFFFF) and a series of 65,536 images (more
// entries than the classic end record can count). Each is streamed to a file and checked
// with unzip -t, Python's zipfile, a streaming walk and yauzl. Together they take a few
// tens of seconds; they are slow on purpose and never skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { createTestStore, tempDir } from '../helpers/stores.js';
import { query, seedSeries, startServer } from './fixture.js';
import { downloadInChildProcess, readWithAll } from './readers.js';

const GiB = 1024 ** 3;

/**
 * Where to put the 4 GiB archive: a RAM-backed /dev/shm when it has room (writing 4 GiB
 * through the page cache to disk is throttled to disk speed), else the temp folder.
 */
function roomyScratchDir(): string {
  try {
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > 6 * GiB) return fs.mkdtempSync(path.join('/dev/shm', 'nbia-4g-'));
  } catch {
    // no /dev/shm here
  }
  return tempDir('nbia-4g-');
}

/** CRC-32 of `size` zero bytes, computed once with zlib in 1 MiB steps. */
function crc32OfZeros(size: number): number {
  const block = Buffer.alloc(1024 * 1024);
  let crc = 0;
  let left = size;
  while (left > 0) {
    const n = Math.min(left, block.length);
    crc = zlib.crc32(n === block.length ? block : block.subarray(0, n), crc);
    left -= n;
  }
  return crc;
}

test('[slow] a series over 4 GiB streams as a ZIP64 archive every reader accepts, in flat memory', async (tt) => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  const dir = roomyScratchDir();
  try {
    const bigSize = 4 * GiB + 4321;
    const big = path.join(dir, 'zeros.dcm');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, bigSize); // sparse: no disk used, reads as zeros
    const small = (i: number) => Buffer.from(`small file ${i} `.repeat(10 + i));
    await seedSeries(t, {
      collection: { name: 'Huge', licenseName: 'CC BY 4.0' },
      seriesInstanceUid: '4.294.967.296',
      images: [
        { sopInstanceUid: '4.294.1', instanceNumber: 1, bytes: small(1) },
        // getImage without IncludeMD5 never reads this MD5, so it is not computed here (it would cost seconds).
        { sopInstanceUid: '4.294.2', instanceNumber: 2, inPlace: { path: big, size: bigSize, crc32: crc32OfZeros(bigSize), md5: '0'.repeat(32) } },
        // These two start past 4 GiB: their offsets need ZIP64 fields in the central directory.
        { sopInstanceUid: '4.294.3', instanceNumber: 3, bytes: small(3) },
        { sopInstanceUid: '4.294.4', instanceNumber: 4, bytes: small(4) },
      ],
    });

    let peakRss = 0;
    const baseline = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const out = path.join(dir, 'huge.zip');
    const started = Date.now();
    const r = await downloadInChildProcess(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=4.294.967.296`, out);
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    const bytes = fs.statSync(out).size;
    assert.equal(r.status, 200);
    assert.equal(r.contentLength, bytes);
    assert.ok(bytes > bigSize);
    // The server (this process) never holds the body.
    assert.ok(peakRss - baseline < 150 * 1024 * 1024, `RSS grew by ${((peakRss - baseline) / 2 ** 20).toFixed(0)} MiB while streaming ${(bytes / GiB).toFixed(2)} GiB`);

    const readStarted = Date.now();
    const read = await readWithAll(out, { md5: false });
    const readSeconds = (Date.now() - readStarted) / 1000;
    assert.deepEqual(read.names, ['LICENSE', '00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm']);
    assert.deepEqual(read.members.slice(1).map((m) => m.size), [small(1).length, bigSize, small(3).length, small(4).length]);
    // Every reader checked each entry's CRC against the one computed above from the bytes
    // (zlib, for the zeros; the fixture, for the small files), so the contents are right too.
    tt.diagnostic(`${(bytes / GiB).toFixed(2)} GiB served in ${seconds.toFixed(1)} s (RSS +${((peakRss - baseline) / 2 ** 20).toFixed(0)} MiB); readers took ${readSeconds.toFixed(1)} s`);
  } finally {
    await s.close();
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('[slow] a series of 65,536 images is a ZIP64 archive of 65,538 entries every reader accepts', async (tt) => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  const dir = tempDir('nbia-64k-');
  try {
    const content = Buffer.from('tiny DICOM stand-in shared by every image\n');
    const shared = path.join(dir, 'tiny.dcm');
    fs.writeFileSync(shared, content);
    const md5 = createHash('md5').update(content).digest('hex');
    const count = 65_536;
    await seedSeries(t, {
      collection: { name: 'Many' },
      seriesInstanceUid: '6.5.5.3.6',
      images: Array.from({ length: count }, (_, i) => ({
        sopInstanceUid: `6.5.5.3.6.${i + 1}`,
        instanceNumber: i + 1,
        inPlace: { path: shared, size: content.length, crc32: zlib.crc32(content), md5 },
      })),
    });
    const out = path.join(dir, 'many.zip');
    const started = Date.now();
    const r = await downloadInChildProcess(`${s.base}/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: '6.5.5.3.6', IncludeMD5: 'Yes' })}`, out);
    const seconds = (Date.now() - started) / 1000;
    const bytes = fs.statSync(out).size;
    assert.equal(r.status, 200);
    assert.equal(r.contentLength, bytes);

    const readStarted = Date.now();
    const read = await readWithAll(out);
    const readSeconds = (Date.now() - readStarted) / 1000;
    assert.equal(read.names.length, count + 2);
    assert.equal(read.names[0], 'LICENSE');
    assert.equal(read.names[1], '00000001.dcm');
    assert.equal(read.names[count], '00065536.dcm');
    assert.equal(read.names[count + 1], 'md5hashes.csv');
    for (const m of read.members.slice(1, count + 1)) assert.equal(m.md5, md5);

    // The end of the file, by hand: ZIP64 end record, locator, and a classic end record whose
    // entry counts hold the 0xFFFF marker.
    const zip = fs.readFileSync(out);
    const end = zip.subarray(zip.length - 22);
    assert.equal(end.readUInt32LE(0), 0x06054b50);
    assert.equal(end.readUInt16LE(8), 0xffff);
    assert.equal(end.readUInt16LE(10), 0xffff);
    const locator = zip.subarray(zip.length - 42, zip.length - 22);
    assert.equal(locator.readUInt32LE(0), 0x07064b50);
    const zip64End = zip.subarray(Number(locator.readBigUInt64LE(8)));
    assert.equal(zip64End.readUInt32LE(0), 0x06064b50);
    assert.equal(zip64End.readBigUInt64LE(32), BigInt(count + 2));
    tt.diagnostic(`${(bytes / 2 ** 20).toFixed(1)} MiB, 65,538 entries served in ${seconds.toFixed(1)} s; readers took ${readSeconds.toFixed(1)} s`);
  } finally {
    await s.close();
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
