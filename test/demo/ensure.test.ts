// The demo archive made on first start, on both dialects: an empty index gets the four
// collections with their licences and access, every planned image, and the shared cart;
// an index that has a collection is left alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { ensureDemoArchive } from '../../src/demo/index.js';
import { DEMO_COLLECTIONS } from '../../src/demo/collections.js';
import { countDemoFiles, planDemoArchive } from '../../src/demo/plan.js';
import { listCollections, setCollection } from '../../src/archive/collections.js';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import type { Opened } from '../../src/cli/common.js';

const plans = planDemoArchive();

for (const dialect of DIALECTS) {
  describe(`ensureDemoArchive (${dialect})`, () => {
    it('fills an empty index with the demo collections, their licences, every image and the demo cart', async () => {
      const t = await createTestStore(dialect);
      try {
        const opened: Opened = { config: { dataDir: t.dataDir, databaseUrl: t.databaseUrl }, store: t.store, blobs: t.blobs };
        const lines: string[] = [];
        assert.equal(await ensureDemoArchive(opened, (l) => lines.push(l)), true);
        assert.ok(lines.length >= 1 && lines.length <= 3, lines.join('\n'));
        assert.match(lines.at(-1)!, /demo archive ready .*40 patients, 175 series, 1691 images/);

        const listed = await listCollections(t.store.db);
        assert.deepEqual(listed.map((c) => c.name), DEMO_COLLECTIONS.map((c) => c.name).sort());
        for (const c of DEMO_COLLECTIONS) {
          const row = listed.find((l) => l.name === c.name)!;
          const plan = plans.find((p) => p.name === c.name)!;
          assert.equal(row.isPublic, c.public, c.name);
          assert.equal(row.licenseName, c.licenseName);
          assert.equal(row.licenseUri, c.licenseUri);
          assert.equal(row.description, c.description);
          assert.equal(row.patients, plan.patients.length, c.name);
          assert.equal(row.series, plan.patients.reduce((n, p) => n + p.studies.reduce((m, s) => m + s.series.length, 0), 0), c.name);
          assert.equal(row.images, countDemoFiles([plan]), c.name);
        }
        assert.ok(fs.existsSync(path.join(t.dataDir, 'demo-source', 'DEMO-CT-LUNG')), 'the generated files stay under <data>/demo-source');

        // The guest sees the public collections only.
        const visible = await new AccessScope(t.store.db, GUEST).collections().select('name').orderBy('name').execute();
        assert.deepEqual(visible.map((r) => r.name), DEMO_COLLECTIONS.filter((c) => c.public).map((c) => c.name).sort());

        const cart = await t.store.db.selectFrom('cart').select(['id', 'name']).where('name_key', '=', 'demo-cart').executeTakeFirst();
        assert.ok(cart, 'demo-cart exists');
        const cartSeries = await t.store.db.selectFrom('cart_series').select('series_instance_uid').where('cart_id', '=', cart.id).execute();
        assert.ok(cartSeries.length >= 3);
        const stored = await t.store.db
          .selectFrom('series')
          .innerJoin('collection', 'collection.id', 'series.collection_id')
          .select(['series.series_instance_uid', 'collection.is_public'])
          .where('series.series_instance_uid', 'in', cartSeries.map((r) => r.series_instance_uid))
          .execute();
        assert.equal(stored.length, cartSeries.length, 'every cart series is in the archive');
        assert.ok(stored.every((r) => Number(r.is_public) === 1), 'the cart holds public series only');

        // A second start finds collections and does nothing.
        const again: string[] = [];
        assert.equal(await ensureDemoArchive(opened, (l) => again.push(l)), false);
        assert.deepEqual(again, []);
        const images = await t.store.db.selectFrom('image').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(images.n), countDemoFiles(plans));
      } finally {
        await t.dispose();
      }
    });

    it('leaves an index that already has a collection alone', async () => {
      const t = await createTestStore(dialect);
      try {
        await setCollection(t.store.db, 'MINE', { public: true });
        const opened: Opened = { config: { dataDir: t.dataDir, databaseUrl: t.databaseUrl }, store: t.store, blobs: t.blobs };
        assert.equal(await ensureDemoArchive(opened, () => assert.fail('nothing to log')), false);
        assert.deepEqual((await listCollections(t.store.db)).map((c) => c.name), ['MINE']);
        assert.equal(fs.existsSync(path.join(t.dataDir, 'demo-source')), false);
      } finally {
        await t.dispose();
      }
    });
  });
}
