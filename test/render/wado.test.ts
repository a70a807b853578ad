// WADO-URI and the series thumbnail on both dialects: stored bytes and renderings of real
// instances, PS3.18's parameters, the access policy (a restricted instance does not exist
// for one who may not see it), clear refusals, and a thumbnail cache that an ingest into the
// series cannot leave stale.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import { addUser, grantCollection } from '../../src/auth/accounts.js';
import { ApiError } from '../../src/errors.js';
import { renderPixels } from '../../src/render/render.js';
import { seriesThumbnail } from '../../src/render/thumbnail.js';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { authHeaderFor } from '../nbia/auth-helper.js';
import { seedSeries, startServer } from '../downloads/fixture.js';

const RENDER = join(import.meta.dirname, '../fixtures/render');
const CORPUS = join(import.meta.dirname, '../fixtures/dicom/files');
const CT = readFileSync(join(RENDER, 'ct16s_3f.dcm')); // 48×40, 3 frames, signed, windowed
const RGB = readFileSync(join(RENDER, 'rgb8.jpeg-baseline.dcm'));
const JPEG12 = readFileSync(join(RENDER, 'mono12_m1.jpeg-extended.dcm'));
const NO_PIXELS = readFileSync(join(CORPUS, 'chrSQEncoding.dcm'));
const MONO8 = readFileSync(join(RENDER, 'mono8.dcm'));

const STUDY = '1.2.826.0.1.9';
const SERIES = `${STUDY}.1`;
const HIDDEN_STUDY = '1.2.826.0.1.8';
const HIDDEN = `${HIDDEN_STUDY}.1`;
const ACTOR = { address: null, description: 'wado test' };

/** Decodes a PNG or JPEG body; a grey file decodes to one channel (sharp would give three). */
async function raw(body: ArrayBuffer) {
  const metadata = await sharp(Buffer.from(body)).metadata();
  let decoder = sharp(Buffer.from(body));
  if (metadata.channels === 1) decoder = decoder.extractChannel(0);
  const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: metadata.channels, format: metadata.format };
}

for (const dialect of DIALECTS) {
  test(`${dialect}: WADO-URI serves stored bytes and renderings, with PS3.18's parameters and the access policy`, async () => {
    const t = await createTestStore(dialect);
    const s = await startServer(t);
    try {
      await seedSeries(t, {
        collection: { name: 'Pub' },
        studyInstanceUid: STUDY,
        seriesInstanceUid: SERIES,
        images: [
          { sopInstanceUid: `${SERIES}.1`, instanceNumber: 1, bytes: CT },
          { sopInstanceUid: `${SERIES}.2`, instanceNumber: 2, bytes: RGB },
          { sopInstanceUid: `${SERIES}.3`, instanceNumber: 3, bytes: JPEG12 },
          { sopInstanceUid: `${SERIES}.4`, instanceNumber: 4, bytes: NO_PIXELS },
        ],
      });
      await seedSeries(t, { collection: { name: 'Hidden', isPublic: false }, studyInstanceUid: HIDDEN_STUDY, seriesInstanceUid: HIDDEN, images: [{ sopInstanceUid: `${HIDDEN}.1`, instanceNumber: 1, bytes: MONO8 }] });
      const wado = (params: Record<string, string>, init?: RequestInit) => fetch(`${s.base}/nbia-api/services/v1/wado?${new URLSearchParams({ requestType: 'WADO', ...params })}`, init);
      const ct = { studyUID: STUDY, seriesUID: SERIES, objectUID: `${SERIES}.1` };

      // application/dicom: the stored bytes.
      const dicom = await wado({ ...ct, contentType: 'application/dicom' });
      assert.equal(dicom.status, 200);
      assert.equal(dicom.headers.get('content-type'), 'application/dicom');
      assert.ok(Buffer.from(await dicom.arrayBuffer()).equals(CT));

      // Default: JPEG of frame 1 at full size.
      const jpeg = await wado(ct);
      assert.equal(jpeg.status, 200);
      assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
      const j = await raw(await jpeg.arrayBuffer());
      assert.deepEqual([j.format, j.width, j.height], ['jpeg', 48, 40]);

      // PNG of frame 2 with a requested window: exactly the renderer's pixels.
      const window = { center: 100, width: 700 };
      const png = await wado({ ...ct, contentType: 'image/png', frameNumber: '2', windowCenter: '100', windowWidth: '700' });
      assert.equal(png.status, 200);
      assert.equal(png.headers.get('content-type'), 'image/png');
      const p = await raw(await png.arrayBuffer());
      assert.deepEqual(p.data, (await renderPixels(CT, 2, window)).data);
      assert.notDeepEqual(p.data, (await renderPixels(CT, 2)).data);

      // A preference list: the first type served wins; rows × columns bound the size.
      const small = await wado({ ...ct, contentType: 'image/gif, image/png;q=0.9', rows: '20', columns: '20' });
      const sm = await raw(await small.arrayBuffer());
      assert.deepEqual([sm.format, sm.width, sm.height], ['png', 20, 17]);

      // Colour JPEG (YBR_FULL_422) renders in RGB.
      const colour = await raw(await (await wado({ studyUID: STUDY, seriesUID: SERIES, objectUID: `${SERIES}.2`, contentType: 'image/png' })).arrayBuffer());
      assert.deepEqual([colour.width, colour.height, colour.channels], [37, 29, 3]);

      // Refusals, each with a JSON reason.
      const refusals: [Record<string, string>, number, RegExp][] = [
        [{ ...ct, frameNumber: '4' }, 404, /frame 4 does not exist/],
        [{ ...ct, objectUID: `${SERIES}.3` }, 415, /12-bit precision/],
        [{ ...ct, objectUID: `${SERIES}.4` }, 404, /no Pixel Data/],
        [{ studyUID: STUDY, seriesUID: SERIES }, 400, /objectUID is required/],
        [{ ...ct, requestType: 'QIDO' }, 400, /requestType must be WADO/],
        [{ ...ct, windowCenter: '40' }, 400, /give both or neither/],
        [{ ...ct, windowCenter: '40', windowWidth: 'wide' }, 400, /windowWidth must be a decimal/],
        [{ ...ct, rows: '0' }, 400, /rows must be an integer/],
        [{ ...ct, frameNumber: '1.5' }, 400, /frameNumber must be an integer/],
        [{ ...ct, contentType: 'image/gif' }, 415, /names no type served here/],
        [{ ...ct, contentType: 'application/dicom', rows: '64' }, 400, /cannot be used with contentType application\/dicom/],
        [{ ...ct, studyUID: HIDDEN_STUDY }, 404, /no instance/],
      ];
      for (const [params, status, message] of refusals) {
        const r = await wado(params);
        assert.equal(r.status, status, JSON.stringify(params));
        const body = (await r.json()) as { error: string; error_description: string };
        assert.match(body.error_description, message, JSON.stringify(params));
      }

      // The restricted instance: absent for the anonymous guest, alike an unknown one.
      const hidden = { studyUID: HIDDEN_STUDY, seriesUID: HIDDEN, objectUID: `${HIDDEN}.1` };
      const unknown = await wado({ ...hidden, objectUID: `${HIDDEN}.9` });
      const invisible = await wado(hidden);
      assert.equal(invisible.status, 404);
      assert.equal((await invisible.text()).replace(`${HIDDEN}.1`, 'X'), (await unknown.text()).replace(`${HIDDEN}.9`, 'X'));

      // POST getWado: form parameters; the unversioned one needs a token, and a grant to see.
      await addUser(t.store.db, 'alice', 'alice-has-a-long-password', ACTOR);
      await addUser(t.store.db, 'bob', 'bob-has-a-long-password', ACTOR);
      await grantCollection(t.store.db, 'alice', 'Hidden', ACTOR);
      const alice = await authHeaderFor(s.app, 'alice', 'alice-has-a-long-password');
      const bob = await authHeaderFor(s.app, 'bob', 'bob-has-a-long-password');
      const form = (params: Record<string, string>) => new URLSearchParams({ requestType: 'WADO', ...params }).toString();
      const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${s.base}/nbia-api/${path}`, { method: 'POST', body: form(params), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
      const v1Post = await post('v1/getWado', { ...ct, contentType: 'image/png' });
      assert.equal(v1Post.status, 200);
      assert.deepEqual((await raw(await v1Post.arrayBuffer())).data, (await renderPixels(CT, 1)).data);
      assert.equal((await post('services/getWado', hidden)).status, 401);
      assert.equal((await post('services/getWado', hidden, bob)).status, 404);
      const granted = await post('services/getWado', { ...hidden, contentType: 'application/dicom' }, alice);
      assert.equal(granted.status, 200);
      assert.ok(Buffer.from(await granted.arrayBuffer()).equals(MONO8));
      const grantedImage = await post('getWado', { ...hidden, contentType: 'image/png' }, alice);
      assert.deepEqual((await raw(await grantedImage.arrayBuffer())).data, (await renderPixels(MONO8, 1)).data);
    } finally {
      await s.close();
      await t.dispose();
    }
  });

  test(`${dialect}: the series thumbnail is the middle image, cached, and renewed when the series changes`, async () => {
    const t = await createTestStore(dialect);
    try {
      const images = [CT, MONO8, RGB].map((bytes, i) => ({ sopInstanceUid: `${SERIES}.${i + 1}`, instanceNumber: i + 1, bytes }));
      const seeded = await seedSeries(t, { collection: { name: 'Pub' }, studyInstanceUid: STUDY, seriesInstanceUid: SERIES, images });
      await seedSeries(t, { collection: { name: 'Hidden', isPublic: false }, studyInstanceUid: HIDDEN_STUDY, seriesInstanceUid: HIDDEN, images: [{ sopInstanceUid: `${HIDDEN}.1`, instanceNumber: 1, bytes: MONO8 }] });
      await seedSeries(t, { collection: { name: 'Pub' }, seriesInstanceUid: `${SERIES}.99`, images: [{ sopInstanceUid: `${SERIES}.99.1`, instanceNumber: 1, bytes: NO_PIXELS }] });
      const scope = new AccessScope(t.store.db, GUEST);

      const first = await seriesThumbnail(scope, t.blobs, { studyInstanceUid: STUDY, seriesInstanceUid: SERIES });
      assert.equal(first.cached, false);
      assert.equal(first.contentType, 'image/jpeg');
      const thumb = await raw(first.body.buffer.slice(first.body.byteOffset, first.body.byteOffset + first.body.length) as ArrayBuffer);
      // The middle of three is MONO8 (64×48), scaled to fit 128: not enlarged.
      assert.deepEqual([thumb.width, thumb.height, thumb.channels], [64, 48, 1]);
      const again = await seriesThumbnail(scope, t.blobs, { seriesInstanceUid: SERIES });
      assert.equal(again.cached, true);
      assert.ok(again.body.equals(first.body));
      assert.equal(again.etag, first.etag);
      const tiny = await seriesThumbnail(scope, t.blobs, { seriesInstanceUid: SERIES, size: 32, format: 'png' });
      assert.equal(tiny.cached, false);
      const tinyImage = await raw(tiny.body.buffer.slice(tiny.body.byteOffset, tiny.body.byteOffset + tiny.body.length) as ArrayBuffer);
      assert.deepEqual([tinyImage.format, tinyImage.width, tinyImage.height], ['png', 32, 24]);

      // An ingest adds an image before the others: a new key (the middle, by floor(n / 2), is still MONO8)...
      const extra = readFileSync(join(RENDER, 'rgb8.dcm'));
      const zlib = await import('node:zlib');
      const { createHash } = await import('node:crypto');
      const key = `${SERIES}/${SERIES}.0.dcm`;
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const file = t.blobs.pathOf(key, false);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, extra);
      await t.store.db
        .insertInto('image')
        .values({
          series_pk: seeded.seriesPk, sop_instance_uid: `${SERIES}.0`, instance_number: 0, acquisition_number: null, file_size: extra.length,
          md5: createHash('md5').update(extra).digest('hex'), crc32: zlib.crc32(extra), blob_key: key, in_place: 0, ingested_at: '2026-03-04 05:06:08.000',
        })
        .execute();
      await t.store.db.updateTable('series').set({ image_count: 4 }).where('id', '=', seeded.seriesPk).execute();
      const renewed = await seriesThumbnail(scope, t.blobs, { seriesInstanceUid: SERIES });
      assert.equal(renewed.cached, false);
      assert.notEqual(renewed.etag, first.etag);
      assert.equal((await seriesThumbnail(scope, t.blobs, { seriesInstanceUid: SERIES })).cached, true);
      // ...and an ingest that replaces the middle image's file shows the new picture.
      writeFileSync(t.blobs.pathOf(`${SERIES}/${SERIES}.2.dcm`, false), CT);
      await t.store.db
        .updateTable('image')
        .set({ file_size: CT.length, md5: createHash('md5').update(CT).digest('hex'), crc32: zlib.crc32(CT) })
        .where('sop_instance_uid', '=', `${SERIES}.2`)
        .execute();
      const replaced = await seriesThumbnail(scope, t.blobs, { seriesInstanceUid: SERIES });
      assert.equal(replaced.cached, false);
      const replacedImage = await raw(replaced.body.buffer.slice(replaced.body.byteOffset, replaced.body.byteOffset + replaced.body.length) as ArrayBuffer);
      assert.deepEqual([replacedImage.width, replacedImage.height], [48, 40]); // ct16s_3f now

      // Restricted, unknown, wrong study and unrenderable series: clear errors.
      const refusal = async (request: Parameters<typeof seriesThumbnail>[2], status: number) =>
        assert.rejects(seriesThumbnail(scope, t.blobs, request), (e: unknown) => e instanceof ApiError && e.status === status);
      await refusal({ seriesInstanceUid: HIDDEN }, 404);
      await refusal({ seriesInstanceUid: '9.9.9' }, 404);
      await refusal({ studyInstanceUid: HIDDEN_STUDY, seriesInstanceUid: SERIES }, 404);
      await refusal({ seriesInstanceUid: `${SERIES}.99` }, 404);
    } finally {
      await t.dispose();
    }
  });
}
