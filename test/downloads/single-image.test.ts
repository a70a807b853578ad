// getSingleImage on both dialects: the stored Part 10 bytes as application/dicom, 404 for
// an unknown, invisible or mismatched SOP, 400 naming the missing parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { fakeDicom, query, request, seedSeries, startServer } from './fixture.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';

const get = (series?: string, sop?: string) =>
  `/nbia-api/services/v4/getSingleImage?${query({ ...(series ? { SeriesInstanceUID: series } : {}), ...(sop ? { SOPInstanceUID: sop } : {}) })}`;

for (const dialect of DIALECTS) {
  test(`${dialect}: getSingleImage returns the stored bytes, 404 for unknown, invisible or mismatched, 400 naming what is missing`, async () => {
    const t = await createTestStore(dialect);
    const s = await startServer(t);
    try {
      await seedSeries(t, { collection: { name: 'Pub' }, seriesInstanceUid: '7.7.1', images: [{ sopInstanceUid: '7.7.1.1', instanceNumber: 1 }, { sopInstanceUid: '7.7.1.2', instanceNumber: 2 }] });
      await seedSeries(t, { collection: { name: 'Pub' }, seriesInstanceUid: '7.7.2', images: [{ sopInstanceUid: '7.7.2.1', instanceNumber: 1 }] });
      await seedSeries(t, { collection: { name: 'Hidden', isPublic: false }, seriesInstanceUid: '7.7.3', images: [{ sopInstanceUid: '7.7.3.1', instanceNumber: 1 }] });

      const ok = await request(`${s.base}${get('7.7.1', '7.7.1.2')}`);
      assert.equal(ok.status, 200);
      assert.ok(ok.body.equals(fakeDicom('7.7.1.2')));
      assert.equal(ok.headers['content-type'], 'application/dicom');
      assert.equal(ok.headers['content-disposition'], 'attachment; filename=7.7.1.2.dcm');
      assert.equal(Number(ok.headers['content-length']), fakeDicom('7.7.1.2').length);
      assert.equal(ok.headers.etag, `"md5-${createHash('md5').update(fakeDicom('7.7.1.2')).digest('hex')}"`);
      const v1 = await request(`${s.base}/nbia-api/v1/getSingleImage?SeriesInstanceUID=7.7.1&SOPInstanceUID=7.7.1.1&extra=1`);
      assert.ok(v1.body.equals(fakeDicom('7.7.1.1')));

      const unknown = await request(`${s.base}${get('7.7.1', '7.7.1.99')}`);
      const mismatch = await request(`${s.base}${get('7.7.1', '7.7.2.1')}`);
      const hidden = await request(`${s.base}${get('7.7.3', '7.7.3.1')}`);
      for (const r of [unknown, mismatch, hidden]) {
        assert.equal(r.status, 404);
        assert.match(String(r.headers['content-type']), /^application\/json/);
        assert.equal(JSON.parse(r.body.toString()).error, 'not_found');
      }
      assert.equal(hidden.body.toString().replaceAll('7.7.3', 'X'), unknown.body.toString().replace('7.7.1.99', 'X.1').replace('7.7.1', 'X'));

      const noSop = await request(`${s.base}${get('7.7.1')}`);
      assert.equal(noSop.status, 400);
      assert.deepEqual(JSON.parse(noSop.body.toString()), { error: 'invalid_request', error_description: 'SOPInstanceUID is required' });
      const none = await request(`${s.base}${get()}`);
      assert.equal(JSON.parse(none.body.toString()).error_description, 'SeriesInstanceUID and SOPInstanceUID are required');
    } finally {
      await s.close();
      await t.dispose();
    }
  });
}

test('a blob store other than the local one is read through its openRead', async () => {
  const t = await createTestStore('sqlite');
  let reads = 0;
  const other: BlobStore = {
    putFile: (key, source) => t.blobs.putFile(key, source),
    stat: (key, inPlace) => t.blobs.stat(key, inPlace),
    openRead: (key, inPlace, range) => {
      reads++;
      return t.blobs.openRead(key, inPlace, range);
    },
  };
  const s = await startServer(t, other);
  try {
    await seedSeries(t, { collection: { name: 'Pub' }, seriesInstanceUid: '8.8.1', images: [{ sopInstanceUid: '8.8.1.1', instanceNumber: 1 }] });
    const r = await request(`${s.base}${get('8.8.1', '8.8.1.1')}`);
    assert.ok(r.body.equals(fakeDicom('8.8.1.1')));
    assert.equal(reads, 1);
  } finally {
    await s.close();
    await t.dispose();
  }
});
