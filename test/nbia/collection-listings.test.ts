// Collection listings with the Collection filter resolved to ids first (collection-ids.ts)
// and read through the (collection_id, id) indexes of migration 0006: the same rows as
// before in the same order (id order across every collection the name matches, names
// compared ignoring case, restricted collections only for those granted them), page by
// page, and plans that read a collection from its index, in page order, on both dialects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';
import { AccessScope, GUEST, type Viewer } from '../../src/archive/access.js';
import { findSeries, findSeriesPages, findSeriesQuery } from '../../src/archive/queries/series.js';
import { listPatientPages, listPatients, listPatientsQuery } from '../../src/archive/queries/patients.js';
import { visibleCollectionIdsNamed } from '../../src/archive/queries/collection-ids.js';
import type { Database } from '../../src/store/schema.js';
import { planOf } from '../../bench/plan.js';

const NOW = '2025-01-01 00:00:00.000';

/**
 * Four collections whose patients and series are inserted in turn, so each collection's ids
 * interleave with the others': "Mixed" and "MIXED" (public, one name but for case),
 * "mixed" (restricted, granted to one user) and "Other" (public).
 */
async function seed(db: Kysely<Database>): Promise<Viewer> {
  const names = [['Mixed', 1], ['MIXED', 1], ['mixed', 0], ['Other', 1]] as const;
  const ids: number[] = [];
  for (const [name, isPublic] of names) {
    const c = await db.insertInto('collection').values({ name, is_public: isPublic, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
    ids.push(Number(c.id));
  }
  for (let p = 0; p < 5; p++) {
    for (const [ci, [name]] of names.entries()) {
      const patient = await db.insertInto('patient').values({ collection_id: ids[ci]!, patient_id: `${name}-P${p}` }).returning('id').executeTakeFirstOrThrow();
      const study = await db.insertInto('study').values({ patient_pk: patient.id, study_instance_uid: `1.2.9.${ci}.${p}` }).returning('id').executeTakeFirstOrThrow();
      for (let se = 0; se < 2; se++) {
        await db
          .insertInto('series')
          .values({ study_pk: study.id, patient_pk: patient.id, collection_id: ids[ci]!, series_instance_uid: `1.2.9.${ci}.${p}.${se}`, modality: se === 0 ? 'CT' : 'SEG', image_count: 0, total_size: 0 })
          .execute();
      }
    }
  }
  const user = await db.insertInto('app_user').values({ name: 'carol', password_hash: null, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('collection_grant').values({ user_id: user.id, collection_id: ids[2]!, created_at: NOW }).execute();
  return { kind: 'user', userId: Number(user.id), name: 'carol' };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of pages) rows.push(...page);
  return rows;
}

const withoutKey = <T extends object>(rows: T[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'pageKey')));

for (const dialect of DIALECTS) {
  test(`${dialect}: a Collection filter lists every matching visible collection's rows in id order, page by page`, async () => {
    const t = await createTestStore(dialect);
    try {
      const carol = await seed(t.store.db);
      const guest = new AccessScope(t.store.db, GUEST);
      const granted = new AccessScope(t.store.db, carol);

      const guestSeries = await findSeries(guest, { collection: 'mIxEd' });
      // Series 1.2.9.<collection>.<patient>.<n>: the guest sees Mixed (0) and MIXED (1) interleaved as inserted.
      const expectedGuest = [0, 1, 2, 3, 4].flatMap((p) => [0, 1].flatMap((ci) => [0, 1].map((se) => `1.2.9.${ci}.${p}.${se}`)));
      assert.deepEqual(guestSeries.map((r) => r.seriesInstanceUid), expectedGuest);
      assert.deepEqual(new Set(guestSeries.map((r) => r.collection)), new Set(['Mixed', 'MIXED']));
      const grantedSeries = await findSeries(granted, { collection: 'MIXED' });
      assert.deepEqual(
        grantedSeries.map((r) => r.seriesInstanceUid),
        [0, 1, 2, 3, 4].flatMap((p) => [0, 1, 2].flatMap((ci) => [0, 1].map((se) => `1.2.9.${ci}.${p}.${se}`))),
        'the granted restricted "mixed" too, in id order among the others',
      );
      assert.deepEqual(await findSeries(guest, { collection: 'no such collection' }), []);
      assert.deepEqual(await findSeries(guest, { collection: '' }), [], 'an empty name is a name: nothing matches');

      // Other filters still apply on top of the resolved collection.
      assert.deepEqual(
        (await findSeries(granted, { collection: 'mixed', patientId: 'MIXED-p3', modality: 'seg' })).map((r) => r.seriesInstanceUid),
        ['1.2.9.0.3.1', '1.2.9.1.3.1', '1.2.9.2.3.1'],
        'PatientID and Modality ignore case too: patient P3 of each of the three collections, its SEG series',
      );

      for (const size of [1, 2, 3, 1000]) {
        assert.deepEqual(withoutKey(await collect(findSeriesPages(guest, { collection: 'mixed' }, size))), guestSeries);
        assert.deepEqual(withoutKey(await collect(findSeriesPages(granted, { collection: 'Mixed' }, size))), grantedSeries);
      }
      assert.deepEqual(await collect(findSeriesPages(guest, { collection: 'Other ' }, 2)), [], 'names match whole, not by prefix or trimmed');

      const guestPatients = await listPatients(guest, { collection: 'MiXeD' });
      assert.deepEqual(guestPatients.map((r) => r.patientId), [0, 1, 2, 3, 4].flatMap((p) => [`Mixed-P${p}`, `MIXED-P${p}`]));
      const grantedPatients = await listPatients(granted, { collection: 'mixed' });
      assert.deepEqual(grantedPatients.map((r) => r.patientId), [0, 1, 2, 3, 4].flatMap((p) => [`Mixed-P${p}`, `MIXED-P${p}`, `mixed-P${p}`]));
      assert.deepEqual((await listPatients(guest, { collection: 'mixed', patientId: 'mixed-p2' })).map((r) => r.patientId), ['Mixed-P2', 'MIXED-P2']);
      for (const size of [1, 2, 1000]) {
        assert.deepEqual(withoutKey(await collect(listPatientPages(guest, { collection: 'mixed' }, size))), guestPatients);
        assert.deepEqual(withoutKey(await collect(listPatientPages(granted, { collection: 'mixed' }, size))), grantedPatients);
      }
      assert.deepEqual(await listPatients(guest, { collection: 'nothing' }), []);
      assert.deepEqual(await collect(listPatientPages(guest, { collection: 'nothing' }, 1)), []);
    } finally {
      await t.dispose();
    }
  });

  test(`${dialect}: a collection's series and patients are read from its (collection_id, id) index, already in page order`, async () => {
    const t = await createTestStore(dialect);
    try {
      await seed(t.store.db);
      const scope = new AccessScope(t.store.db, GUEST);
      const ids = await visibleCollectionIdsNamed(scope, 'Other');
      assert.equal(ids.length, 1);
      const series = findSeriesQuery(scope, { collection: 'Other' }, ids).where('series.id', '>', 3).limit(2);
      const patients = listPatientsQuery(scope, { collection: 'Other' }, ids).where('patient.id', '>', 1).limit(2);
      const seriesPlan = (await plan(t, series)).join('\n');
      const patientPlan = (await plan(t, patients)).join('\n');
      assert.match(seriesPlan, /series_collection_keyset/, seriesPlan);
      assert.match(patientPlan, /patient_collection_keyset/, patientPlan);
      // No sort of the collection's rows: the index gives them in id order.
      for (const p of [seriesPlan, patientPlan]) assert.doesNotMatch(p, /TEMP B-TREE FOR ORDER BY|Sort/, p);
    } finally {
      await t.dispose();
    }
  });
}

/**
 * The plan of `query`. A test archive is tiny, and PostgreSQL rightly reads a few rows of a
 * tiny table whole and sorts them; with sequential scans, bitmap scans and sorts priced out
 * (for this one connection) it shows the path it would take on a large one. SQLite's planner
 * takes the index on an equality anyway.
 */
async function plan(t: TestStore, query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<string[]> {
  if (t.dialect === 'sqlite') return planOf(t.store.db as Kysely<unknown>, 'sqlite', query);
  return t.store.db.connection().execute(async (c) => {
    await sql`SET enable_seqscan = off`.execute(c);
    await sql`SET enable_bitmapscan = off`.execute(c);
    await sql`SET enable_sort = off`.execute(c);
    try {
      return await planOf(c as Kysely<unknown>, 'postgres', query);
    } finally {
      await sql`RESET ALL`.execute(c);
    }
  });
}
