// A stored file that vanished, or changed with the same size, since ingest: the download
// breaks (the client never gets a body that looks whole), the server logs the SOP UID and
// the reason, and everything else keeps being served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestStore, tempDir } from '../helpers/stores.js';
import { downloadEvents, query, request, seedSeries, startServer } from './fixture.js';
import { readWithAll } from './readers.js';
import { sharedFileReadThread } from '../../src/blobs/fs/read-thread.js';

const run = promisify(execFile);

test('a vanished file and a same-size changed file abort the download and are logged; the rest is still served', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    const mk = (series: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ sopInstanceUid: `${series}.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(300 * 1024 + i) }));
    const a = await seedSeries(t, { collection: { name: 'Int' }, seriesInstanceUid: '6.6.1', images: mk('6.6.1', 4) });
    const b = await seedSeries(t, { collection: { name: 'Int' }, seriesInstanceUid: '6.6.2', images: mk('6.6.2', 3) });
    const c = await seedSeries(t, { collection: { name: 'Int' }, seriesInstanceUid: '6.6.3', images: mk('6.6.3', 2) });

    // Series A: its second image vanished from disk.
    fs.rmSync(a.files.get('6.6.1.2')!);
    // Series B: its last image has the same size but one changed byte.
    const changedFile = b.files.get('6.6.2.3')!;
    const bytes = fs.readFileSync(changedFile);
    bytes[1000] = bytes[1000]! ^ 0x55;
    fs.writeFileSync(changedFile, bytes);
    // Series C: its first image vanished: found before anything goes out, so a clear error.
    fs.rmSync(c.files.get('6.6.3.1')!);

    const cases = [
      { url: `/nbia-api/services/v4/getImage?SeriesInstanceUID=6.6.1`, sop: '6.6.1.2', reason: /missing/ },
      { url: `/nbia-api/services/v1/getImageWithMD5Hash?SeriesInstanceUID=6.6.2`, sop: '6.6.2.3', reason: /CRC-32/ },
      { url: `/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.6.2', SOPInstanceUID: '6.6.2.3' })}`, sop: '6.6.2.3', reason: /CRC-32/ },
    ];
    for (const [i, k] of cases.entries()) {
      const r = await request(`${s.base}${k.url}`);
      assert.equal(r.status, 200, k.url);
      assert.equal(r.aborted, true, `${k.url}: the transfer must break`);
      assert.ok(r.body.length < Number(r.headers['content-length']), `${k.url}: got ${r.body.length} of ${r.headers['content-length']}`);
      const logged = s.errors.filter((e) => e.sopInstanceUid === k.sop);
      assert.ok(logged.length >= 1, `${k.url}: an error naming ${k.sop} is logged`);
      assert.match(String(logged.at(-1)!.reason), k.reason);
      assert.match(String(logged.at(-1)!.msg), new RegExp(k.sop.replaceAll('.', '\\.')));
      if (k.url.includes('getImage')) {
        // What the client holds is not a ZIP any reader accepts.
        const file = path.join(t.dataDir, `broken-${i}.zip`);
        fs.writeFileSync(file, r.body);
        await assert.rejects(run('unzip', ['-t', file]));
      }
    }
    const gone = await request(`${s.base}/nbia-api/services/v4/getImageWithMD5Hash?SeriesInstanceUID=6.6.3`);
    assert.equal(gone.status, 404);
    assert.equal(gone.aborted, false);
    assert.match(gone.body.toString(), /"error":"not_found".*series 6\.6\.3 .*image 6\.6\.3\.1 is missing/);
    // The aborted downloads are recorded with the bytes that went out, less than announced.
    const events = await downloadEvents(t, cases.length);
    assert.equal(events.length, cases.length);
    const changedEvent = events.find((e) => e.endpoint === 'v1/getImageWithMD5Hash')!;
    assert.ok(Number(changedEvent.bytes) < 3 * 300 * 1024);

    // The same server still serves intact data: another series, and intact images of A.
    await seedSeries(t, { collection: { name: 'Int' }, seriesInstanceUid: '6.6.4', images: mk('6.6.4', 3) });
    const good = await request(`${s.base}/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: '6.6.4', IncludeMD5: 'Yes' })}`);
    assert.equal(good.status, 200);
    assert.equal(good.aborted, false);
    const file = path.join(t.dataDir, 'good.zip');
    fs.writeFileSync(file, good.body);
    assert.deepEqual((await readWithAll(file)).names, ['LICENSE', '00000001.dcm', '00000002.dcm', '00000003.dcm', 'md5hashes.csv']);
    const intact = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.6.1', SOPInstanceUID: '6.6.1.3' })}`);
    assert.equal(intact.aborted, false);
    assert.ok(intact.body.equals(fs.readFileSync(a.files.get('6.6.1.3')!)));
    // A range that stops before the changed byte still fails: the whole file is checked.
    const ranged = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.6.2', SOPInstanceUID: '6.6.2.3' })}`, {
      headers: { Range: 'bytes=0-99' },
    });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.aborted, true);
  } finally {
    await s.close();
    await t.dispose();
  }
});

test('every read path catches a file that grew, shrank or changed: small and medium (read whole on the reading thread), small in place (read when opened), large (chunks)', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  const readOnThread = sharedFileReadThread().sent.files;
  const elsewhere = tempDir();
  try {
    const kinds = [
      { label: 'small', size: 10 * 1024, inPlace: false },
      { label: 'medium', size: 700 * 1024, inPlace: false },
      { label: 'large', size: 2 * 1024 * 1024 + 12345, inPlace: false },
      { label: 'small in place', size: 10 * 1024, inPlace: true },
    ];
    const images = kinds.flatMap(({ label, size, inPlace }, i) =>
      ['grew', 'shrank', 'changed', 'intact'].map((change, j) => {
        const sopInstanceUid = `6.7.${i}.${j}`;
        const bytes = randomBytes(size);
        const common = { sopInstanceUid, instanceNumber: i * 10 + j, bytes, label, change };
        if (!inPlace) return common;
        const file = path.join(elsewhere, `${sopInstanceUid}.dcm`);
        fs.writeFileSync(file, bytes);
        return { ...common, inPlace: { path: file, size, crc32: zlib.crc32(bytes), md5: createHash('md5').update(bytes).digest('hex') } };
      }),
    );
    const seeded = await seedSeries(t, { collection: { name: 'Paths' }, seriesInstanceUid: '6.7', images });
    for (const image of images) {
      const file = seeded.files.get(image.sopInstanceUid)!;
      if (image.change === 'grew') fs.appendFileSync(file, 'x');
      if (image.change === 'shrank') fs.truncateSync(file, image.bytes.length - 1);
      if (image.change === 'changed') {
        const b = fs.readFileSync(file);
        b[b.length - 2] = b[b.length - 2]! ^ 1;
        fs.writeFileSync(file, b);
      }
    }
    for (const image of images) {
      const r = await request(`${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '6.7', SOPInstanceUID: image.sopInstanceUid })}`);
      const what = `${image.label} file that ${image.change}`;
      assert.equal(r.status, 200, what);
      if (image.change === 'intact') {
        assert.equal(r.aborted, false, what);
        assert.ok(r.body.equals(image.bytes), what);
        continue;
      }
      assert.equal(r.aborted, true, what);
      const logged = s.errors.filter((e) => e.sopInstanceUid === image.sopInstanceUid);
      assert.equal(logged.length, 1, what);
      assert.match(String(logged[0]!.reason), image.change === 'changed' ? /CRC-32/ : /bytes, the index records/, what);
    }
    assert.equal(sharedFileReadThread().sent.files - readOnThread, 8, 'the small and medium stored files were read on the reading thread');
  } finally {
    await s.close();
    await t.dispose();
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});
