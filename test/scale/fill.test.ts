// The scale bench's index (bench/scale/fill.ts): NLST's shape at any size, rows that add
// up, and a server over it that answers metadata and refuses downloads cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { fillScaleIndex } from '../../bench/scale/fill.js';
import { BIG_COLLECTION, patientIdOf, seriesUidOf } from '../../bench/scale/shape.js';

for (const dialect of DIALECTS) {
  test(`${dialect}: a 20,000-image scale index adds up and is served without its files`, async () => {
    const t = await createTestStore(dialect);
    try {
      const { plan } = await fillScaleIndex(t.store, 20_000, () => {});
      assert.equal(plan.series, plan.patients * 8);
      const db = t.store.db;
      const totals = await db
        .selectFrom('series')
        .select([sql<number>`sum(image_count)`.as('images'), sql<number>`sum(total_size)`.as('bytes'), sql<number>`count(*)`.as('series')])
        .executeTakeFirstOrThrow();
      const images = await db
        .selectFrom('image')
        .select([sql<number>`count(*)`.as('n'), sql<number>`sum(file_size)`.as('bytes'), sql<number>`count(distinct sop_instance_uid)`.as('uids')])
        .executeTakeFirstOrThrow();
      assert.equal(Number(totals.images), 20_000);
      assert.equal(Number(images.n), 20_000);
      assert.equal(Number(images.uids), 20_000);
      assert.equal(Number(totals.bytes), Number(images.bytes));
      assert.equal(Number(totals.series), plan.series);
      const one = await db.selectFrom('image').select(['md5', 'crc32', 'file_size']).where('id', '=', 1234).executeTakeFirstOrThrow();
      assert.match(one.md5, /^[0-9a-f]{32}$/);
      assert.ok(one.crc32 >= 0 && one.crc32 < 2 ** 32);
      assert.ok(one.file_size > 500_000 && one.file_size < 600_000);
      // A second fill of the same index is refused: it would mix two shapes.
      await assert.rejects(fillScaleIndex(t.store, 20_000, () => {}), /already holds/);

      const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
      try {
        const patient = await app.inject(`/nbia-api/services/v1/getSeries?PatientID=${patientIdOf(3)}`);
        assert.equal(patient.statusCode, 200);
        const rows = patient.json() as Array<{ Collection: string; ImageCount: number }>;
        assert.equal(rows.length, 8);
        assert.ok(rows.every((r) => r.Collection === BIG_COLLECTION && r.ImageCount > 0));
        const counts = await app.inject('/nbia-api/services/v4/getCollectionValuesAndCounts');
        assert.equal(counts.statusCode, 200);
        assert.ok((counts.json() as Array<{ Collection: string; Count: number }>).some((c) => c.Collection === BIG_COLLECTION && c.Count > 0));
        // No files: the download is refused with a clear error before any ZIP byte.
        const zip = await app.inject(`/nbia-api/services/v1/getImage?SeriesInstanceUID=${seriesUidOf(3, 0)}`);
        assert.equal(zip.statusCode, 404);
        assert.match(zip.body, /not in this archive's file store/);
      } finally {
        await app.close();
      }
    } finally {
      await t.dispose();
    }
  });
}
