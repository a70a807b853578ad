// getImage and getImageWithMD5Hash on both dialects: the ZIP layout (§9), checked by
// unzip -t, Python's zipfile, a streaming walk and yauzl; headers; errors; HEAD; audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';
import { downloadEvents, fakeDicom, query, request, seedSeries, startServer, type TestServer } from './fixture.js';
import { readWithAll } from './readers.js';
import { endpointPaths } from '../../src/nbia/families.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const SERIES = '1.3.6.1.4.1.9328.50.1.100';
const COLLECTION = { name: 'LIDC-Test', licenseName: 'Creative Commons Attribution 4.0 International', licenseUri: 'https://creativecommons.org/licenses/by/4.0/', licenseText: 'You may share and adapt the data.' };

// Instance numbers out of insertion order, one null (it sorts first), two acquisitions.
const IMAGES = [
  { sop: `${SERIES}.3`, instance: 3, acquisition: 2, extra: 2 },
  { sop: `${SERIES}.1`, instance: 1, acquisition: 1, extra: 0 },
  { sop: `${SERIES}.9`, instance: null, acquisition: 1, extra: 5 },
  { sop: `${SERIES}.2`, instance: 2, acquisition: 1, extra: 1 },
];
/** Archive order worked out by hand: null first, then 1, 2, 3. */
const ORDER = [`${SERIES}.9`, `${SERIES}.1`, `${SERIES}.2`, `${SERIES}.3`];
const bytesOf = (sop: string) => fakeDicom(sop, IMAGES.find((i) => i.sop === sop)!.extra);

async function seedArchive(t: TestStore) {
  await seedSeries(t, {
    collection: COLLECTION,
    seriesInstanceUid: SERIES,
    seriesDate: '2001-02-03',
    images: IMAGES.map((i) => ({ sopInstanceUid: i.sop, instanceNumber: i.instance, acquisitionNumber: i.acquisition, bytes: bytesOf(i.sop) })),
  });
  await seedSeries(t, {
    collection: { name: 'Restricted', isPublic: false },
    seriesInstanceUid: '9.9.9',
    images: [{ sopInstanceUid: '9.9.9.1', instanceNumber: 1 }],
  });
}

async function fetchZip(s: TestServer, url: string) {
  const r = await request(`${s.base}${url}`);
  assert.equal(r.status, 200, r.body.toString().slice(0, 200));
  assert.equal(r.aborted, false);
  const file = path.join(tempDir('nbia-zip-'), 'body.zip');
  fs.writeFileSync(file, r.body);
  const read = await readWithAll(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { ...r, read };
}

for (const dialect of DIALECTS) {
  test(`${dialect}: series ZIPs`, async (tt) => {
    const t = await createTestStore(dialect);
    const s = await startServer(t);
    await seedArchive(t);
    try {
      await tt.test(`getImage is LICENSE then 00000001.dcm... in InstanceNumber order; byte sums equal FileSize`, async () => {
        const r = await fetchZip(s, `/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: SERIES })}`);
        assert.deepEqual(r.read.names, ['LICENSE', '00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm']);
        const dicoms = r.read.members.slice(1);
        assert.deepEqual(dicoms.map((m) => m.md5), ORDER.map((sop) => md5(bytesOf(sop))));
        const series = await t.store.db.selectFrom('series').select('total_size').where('series_instance_uid', '=', SERIES).executeTakeFirstOrThrow();
        assert.equal(dicoms.reduce((n, m) => n + m.size, 0), Number(series.total_size));
        assert.equal(series.total_size, ORDER.reduce((n, sop) => n + bytesOf(sop).length, 0));

        const zipText = r.body.toString('latin1');
        const license = zipText.slice(zipText.indexOf('License information'), zipText.indexOf('PK\x03\x04', 10));
        assert.match(license, /the LIDC-Test collection is distributed under the Creative Commons Attribution 4\.0 International \(https:\/\/creativecommons\.org\/licenses\/by\/4\.0\/\)/);
        assert.match(license, /You may share and adapt the data\.\n$/);

        assert.equal(r.headers['content-type'], 'application/zip');
        assert.equal(r.headers['content-length'], String(r.body.length));
        assert.equal(r.headers['content-disposition'], `attachment; filename="${SERIES}.zip"`);
        assert.equal(r.headers['accept-ranges'], 'bytes');
        assert.match(String(r.headers.etag), /^"[^"]+"$/);
        // The same request gives the same bytes (fixed timestamps), so the tag is stable.
        const again = await request(`${s.base}/nbia-api/v4/getImage?${query({ SeriesInstanceUID: SERIES })}`);
        assert.ok(again.body.equals(r.body));
        assert.equal(again.headers.etag, r.headers.etag);
    });

      await tt.test(`getImageWithMD5Hash has no LICENSE and ends with md5hashes.csv in archive order`, async () => {
        for (const family of ['v1', 'v4']) {
          const r = await fetchZip(s, `/nbia-api/services/${family}/getImageWithMD5Hash?${query({ SeriesInstanceUID: SERIES })}`);
          assert.deepEqual(r.read.names, ['00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm', 'md5hashes.csv']);
          const csv = extract(r.body, 'md5hashes.csv');
          const expected = 'Filename,MD5Hash\n' + ORDER.map((sop, i) => `0000000${i + 1}.dcm,${md5(bytesOf(sop))}\n`).join('');
          assert.equal(csv, expected);
          // What the Data Retriever and nbiatoolkit check: every listed name is an entry with that MD5.
          for (const line of csv.trim().split('\n').slice(1)) {
            const [name, hash] = line.split(',');
            assert.equal(r.read.members.find((m) => m.name === name)?.md5, hash);
          }
        }
    });

      await tt.test(`getImage with IncludeMD5=yes and NewFileNames=YES (any case): descriptive names, LICENSE first, md5hashes.csv last`, async () => {
        const r = await fetchZip(s, `/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: SERIES, IncludeMD5: 'yes', NewFileNames: 'YES', format: 'json', tool: 'x' })}`);
        // Sorted by instance: null(acq 1), 1(acq 1), 2(acq 1), 3(acq 2). One change of acquisition →
        // A width 1; instance changes from the first (null→0): 1,2,3 → 4 → width 1.
        const names = ['1-1.dcm', '1-2.dcm', '1-3.dcm', '2-1.dcm'];
        assert.deepEqual(r.read.names, ['LICENSE', ...names, 'md5hashes.csv']);
        assert.equal(extract(r.body, 'md5hashes.csv'), 'Filename,MD5Hash\n' + ORDER.map((sop, i) => `${names[i]},${md5(bytesOf(sop))}\n`).join(''));
        // IncludeMD5 other than yes: no md5 file.
        const plain = await fetchZip(s, `/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: SERIES, IncludeMD5: 'no' })}`);
        assert.equal(plain.read.names.at(-1), '00000004.dcm');
    });

      await tt.test(`missing SeriesInstanceUID is 400 naming it; unknown and restricted series are the same 404`, async () => {
        for (const name of ['getImage', 'getImageWithMD5Hash']) {
          const missing = await request(`${s.base}/nbia-api/services/v1/${name}?NewFileNames=Yes`);
          assert.equal(missing.status, 400);
          assert.match(String(missing.headers['content-type']), /^application\/json/);
          assert.deepEqual(JSON.parse(missing.body.toString()), { error: 'invalid_request', error_description: 'SeriesInstanceUID is required' });
          const blank = await request(`${s.base}/nbia-api/services/v1/${name}?SeriesInstanceUID=`);
          assert.equal(blank.status, 400);

          const unknown = await request(`${s.base}/nbia-api/services/v4/${name}?SeriesInstanceUID=1.2.3.4.5`);
          const restricted = await request(`${s.base}/nbia-api/services/v4/${name}?SeriesInstanceUID=9.9.9`);
          assert.equal(unknown.status, 404);
          assert.equal(restricted.status, 404);
          assert.match(String(restricted.headers['content-type']), /^application\/json/);
          assert.equal(restricted.body.toString().replace('9.9.9', 'UID'), unknown.body.toString().replace('1.2.3.4.5', 'UID'));
          assert.equal(JSON.parse(restricted.body.toString()).error, 'not_found');
        }
    });

      await tt.test(`HEAD answers the GET headers without a body and is not recorded; GET is recorded with its bytes`, async () => {
        await new Promise((r) => setTimeout(r, 50));
        await t.store.db.deleteFrom('download_event').execute(); // rows of the downloads above
        const urls = [
          `/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: SERIES })}`,
          `/nbia-api/services/v1/getImageWithMD5Hash?${query({ SeriesInstanceUID: SERIES })}`,
          `/nbia-api/v4/getSingleImage?${query({ SeriesInstanceUID: SERIES, SOPInstanceUID: `${SERIES}.2` })}`,
        ];
        for (const url of urls) {
          const head = await request(`${s.base}${url}`, { method: 'HEAD' });
          assert.equal(head.status, 200, url);
          assert.equal(head.body.length, 0);
          const get = await request(`${s.base}${url}`);
          for (const h of ['content-type', 'content-length', 'content-disposition', 'accept-ranges', 'etag']) {
            assert.equal(head.headers[h], get.headers[h], `${h} of ${url}`);
          }
          assert.equal(Number(head.headers['content-length']), get.body.length);
        }
        const head404 = await request(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=9.9.9`, { method: 'HEAD' });
        assert.equal(head404.status, 404);

        const events = await downloadEvents(t, 3);
        await new Promise((r) => setTimeout(r, 50)); // a HEAD row, if one were written, would be there by now
        const all = await t.store.db.selectFrom('download_event').selectAll().orderBy('id').execute();
        assert.equal(all.length, 3, 'one row per GET, none per HEAD');
        assert.deepEqual(
          events.map((e) => [e.user_name, e.series_instance_uid, e.endpoint, e.address]),
          [
            ['nbia_guest', SERIES, 'v4/getImage', '127.0.0.1'],
            ['nbia_guest', SERIES, 'v1/getImageWithMD5Hash', '127.0.0.1'],
            ['nbia_guest', SERIES, 'v4/getSingleImage', '127.0.0.1'],
          ],
        );
        assert.equal(Number(events[2]!.bytes), bytesOf(`${SERIES}.2`).length);
        const zip = await request(`${s.base}${urls[0]}`, { method: 'HEAD' });
        assert.equal(Number(events[0]!.bytes), Number(zip.headers['content-length']));
        assert.match(events[0]!.at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      });
    } finally {
      await s.close();
      await t.dispose();
    }
  });
}

test('a one-image series (LICENSE and one file) and an empty series (LICENSE only) are whole ZIPs', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    await seedSeries(t, { collection: { name: 'Solo' }, seriesInstanceUid: '5.5.5', images: [{ sopInstanceUid: '5.5.5.1', instanceNumber: 7 }] });
    await seedSeries(t, { collection: { name: 'Solo' }, seriesInstanceUid: '5.5.6', images: [] });
    const one = await fetchZip(s, `/nbia-api/services/v1/getImage?SeriesInstanceUID=5.5.5`);
    assert.deepEqual(one.read.names, ['LICENSE', '00000001.dcm']);
    assert.equal(one.read.members[1]!.md5, md5(fakeDicom('5.5.5.1')));
    assert.match(extract(one.body, 'LICENSE'), /no license has been recorded for the Solo collection/);
    const md5only = await fetchZip(s, `/nbia-api/services/v1/getImageWithMD5Hash?SeriesInstanceUID=5.5.5`);
    assert.equal(extract(md5only.body, 'md5hashes.csv'), `Filename,MD5Hash\n00000001.dcm,${md5(fakeDicom('5.5.5.1'))}\n`);
    const empty = await fetchZip(s, `/nbia-api/services/v1/getImage?SeriesInstanceUID=5.5.6`);
    assert.deepEqual(empty.read.names, ['LICENSE']);
  } finally {
    await s.close();
    await t.dispose();
  }
});

test('every family and path form is routed for GET and HEAD; v1 and v4 answer anonymously', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    for (const family of ['v1', 'v2', 'v4'] as const) {
      for (const name of ['getImage', 'getImageWithMD5Hash', 'getSingleImage']) {
        for (const url of endpointPaths(family, name)) {
          assert.ok(s.app.hasRoute({ method: 'GET', url }), `GET ${url}`);
          assert.ok(s.app.hasRoute({ method: 'HEAD', url }), `HEAD ${url}`);
        }
      }
    }
    await seedSeries(t, { collection: { name: 'Solo' }, seriesInstanceUid: '5.5.5', images: [{ sopInstanceUid: '5.5.5.1', instanceNumber: 7 }] });
    for (const url of [...endpointPaths('v1', 'getImage'), ...endpointPaths('v4', 'getImage')]) {
      const r = await request(`${s.base}${url}?SeriesInstanceUID=5.5.5`);
      assert.equal(r.status, 200, url);
    }
    const post = await request(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=5.5.5`, { method: 'POST' });
    assert.equal(post.status, 405);
  } finally {
    await s.close();
    await t.dispose();
  }
});

/** The bytes of a stored entry, found through its local header (entries are stored, so no inflating). */
function extract(zip: Buffer, name: string): string {
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const size = zip.readUInt32LE(at + 22);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const entryName = zip.subarray(at + 30, at + 30 + nameLength).toString('utf8');
    const dataStart = at + 30 + nameLength + extraLength;
    if (entryName === name) return zip.subarray(dataStart, dataStart + size).toString('utf8');
    at = dataStart + size;
  }
  throw new Error(`no entry ${name}`);
}
