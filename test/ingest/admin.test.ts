// Collection and cart administration on both dialects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestStore, DIALECTS, tempDir } from '../helpers/stores.js';
import { listCollections, setCollection } from '../../src/archive/collections.js';
import { createCart } from '../../src/archive/carts.js';
import { ApiError } from '../../src/errors.js';
import { writeSeries } from './dicom-files.js';
import { ingestInto } from './helpers.js';

const isBadRequest = (pattern: RegExp) => (err: unknown) => err instanceof ApiError && err.status === 400 && pattern.test(err.message);

for (const dialect of DIALECTS) {
  test(`${dialect}: setCollection creates restricted collections and changes only what it is given`, async () => {
    const t = await createTestStore(dialect);
    try {
      const db = t.store.db;
      const created = await setCollection(db, 'Head-Neck', {});
      assert.equal(created.is_public, 0);
      assert.equal(created.description_updated_at, null);
      const pub = await setCollection(db, 'Open-CT', { public: true });
      assert.equal(pub.is_public, 1);

      const described = await setCollection(db, 'head-neck', { description: '<p>Head and neck CT</p>', licenseName: 'CC BY 4.0', licenseUri: 'https://creativecommons.org/licenses/by/4.0/' });
      assert.equal(described.id, created.id, 'names match case-insensitively');
      assert.equal(described.name, 'Head-Neck');
      assert.equal(described.is_public, 0, 'access unchanged when not given');
      assert.ok(described.description_updated_at);
      const stamp = described.description_updated_at;

      await new Promise((r) => setTimeout(r, 5));
      const same = await setCollection(db, 'Head-Neck', { description: '<p>Head and neck CT</p>', public: true });
      assert.equal(same.description_updated_at, stamp, 'the same description does not move the date');
      assert.equal(same.is_public, 1);
      const changed = await setCollection(db, 'Head-Neck', { description: 'Updated', licenseName: '' });
      assert.notEqual(changed.description_updated_at, stamp);
      assert.equal(changed.license_name, null, 'an empty value clears');
      assert.equal(changed.license_uri, 'https://creativecommons.org/licenses/by/4.0/');
      const restricted = await setCollection(db, 'Head-Neck', { public: false });
      assert.equal(restricted.is_public, 0);

      const stored = await db.selectFrom('collection').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.deepEqual(stored, restricted);
      assert.equal((await db.selectFrom('collection').select('id').execute()).length, 2);
      await assert.rejects(setCollection(db, '   ', {}), isBadRequest(/must not be empty/));
    } finally {
      await t.dispose();
    }
  });

  test(`${dialect}: listCollections counts patients, series, images and bytes`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const a = writeSeries(path.join(src, 'a'), { count: 3, patientId: 'P1' });
      const b = writeSeries(path.join(src, 'b'), { count: 2, patientId: 'P2' });
      await ingestInto(t, [src], { collection: 'Counted', public: true });
      await setCollection(t.store.db, 'Empty', { licenseName: 'TCIA Restricted' });
      const rows = await listCollections(t.store.db);
      const bytes = [...a.files, ...b.files].reduce((n, f) => n + fs.statSync(f.path).size, 0);
      assert.deepEqual(
        rows.map((r) => [r.name, r.isPublic, r.patients, r.series, r.images, r.bytes, r.licenseName]),
        [
          ['Counted', true, 2, 2, 5, bytes, null],
          ['Empty', false, 0, 0, 0, 0, 'TCIA Restricted'],
        ],
      );
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: createCart stores the series in order and refuses duplicates and unknown series`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const a = writeSeries(path.join(src, 'a'), { count: 1 });
      const b = writeSeries(path.join(src, 'b'), { count: 1 });
      await ingestInto(t, [src], { collection: 'Carts' });
      const db = t.store.db;
      const cart = await createCart(db, 'My-Lung-Cart', [b.seriesUid, a.seriesUid, b.seriesUid], 'alice', { description: 'two series', url: 'https://example.org/c' });
      assert.deepEqual(cart.seriesInstanceUids, [b.seriesUid, a.seriesUid]);
      const row = await db.selectFrom('cart').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([row.name, row.name_key, row.owner_name, row.description, row.url], ['My-Lung-Cart', 'my-lung-cart', 'alice', 'two series', 'https://example.org/c']);
      const members = await db.selectFrom('cart_series').selectAll().orderBy('position').execute();
      assert.deepEqual(members.map((m) => [Number(m.cart_id), m.position, m.series_instance_uid]), [
        [Number(row.id), 1, b.seriesUid],
        [Number(row.id), 2, a.seriesUid],
      ]);

      await assert.rejects(createCart(db, 'my-LUNG-cart', [a.seriesUid], 'bob'), isBadRequest(/Duplicate list name.*My-Lung-Cart/));
      await assert.rejects(createCart(db, 'Other', [a.seriesUid, '1.2.3.999'], 'bob'), isBadRequest(/unknown SeriesInstanceUID: 1\.2\.3\.999/));
      await assert.rejects(createCart(db, ' ', [a.seriesUid], 'bob'), isBadRequest(/name must not be empty/));
      await assert.rejects(createCart(db, 'None', [], 'bob'), isBadRequest(/at least one SeriesInstanceUID/));
      assert.equal((await db.selectFrom('cart').select('id').execute()).length, 1, 'refused carts leave nothing behind');
      assert.equal((await db.selectFrom('cart_series').select('cart_id').execute()).length, 2);
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
}
