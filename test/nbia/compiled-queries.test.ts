// Queries kept compiled per viewer (AccessScope.runCompiled, used by getCollectionValues):
// each is built once per database, name and viewer, every viewer gets its own answer, and
// a grant or revoke made after the query was kept takes effect on the next call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { AccessScope, GUEST, type Viewer } from '../../src/archive/access.js';
import { collectionValues } from '../../src/archive/queries/values.js';
import type { Database } from '../../src/store/schema.js';

const NOW = '2025-01-01 00:00:00.000';

/** Collections "Open" (public), "Closed" and "Secret" (restricted), one series each; two users. */
async function seed(db: Kysely<Database>) {
  const collections = new Map<string, number>();
  for (const [name, isPublic] of [['Open', 1], ['Closed', 0], ['Secret', 0]] as const) {
    const c = await db.insertInto('collection').values({ name, is_public: isPublic, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
    const id = Number(c.id);
    collections.set(name, id);
    const patient = await db.insertInto('patient').values({ collection_id: id, patient_id: `${name}-P` }).returning('id').executeTakeFirstOrThrow();
    const study = await db.insertInto('study').values({ patient_pk: patient.id, study_instance_uid: `1.2.7.${id}` }).returning('id').executeTakeFirstOrThrow();
    await db
      .insertInto('series')
      .values({ study_pk: study.id, patient_pk: patient.id, collection_id: id, series_instance_uid: `1.2.7.${id}.1`, modality: 'CT', image_count: 0, total_size: 0 })
      .execute();
  }
  const users: Viewer[] = [];
  for (const name of ['ana', 'ben']) {
    const u = await db.insertInto('app_user').values({ name, password_hash: null, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
    users.push({ kind: 'user', userId: Number(u.id), name });
  }
  return { collections, ana: users[0]!, ben: users[1]! };
}

const userId = (v: Viewer) => (v.kind === 'user' ? v.userId : -1);

for (const dialect of DIALECTS) {
  test(`${dialect}: a query kept compiled is built once per viewer, answers each viewer its own rows, and sees grants made after it was kept`, async () => {
    const t = await createTestStore(dialect);
    try {
      const db = t.store.db;
      const { collections, ana, ben } = await seed(db);
      await db.insertInto('collection_grant').values({ user_id: userId(ana), collection_id: collections.get('Closed')!, created_at: NOW }).execute();

      // The builder counts its calls: once per viewer, however often each asks.
      let builds = 0;
      const names = (viewer: Viewer) =>
        new AccessScope(db, viewer).runCompiled('test names', (scope) => {
          builds++;
          return scope.collections().select('collection.name').orderBy('collection.name');
        });
      for (let i = 0; i < 3; i++) {
        assert.deepEqual((await names(GUEST)).map((r) => r.name), ['Open']);
        assert.deepEqual((await names(ana)).map((r) => r.name), ['Closed', 'Open']);
        assert.deepEqual((await names(ben)).map((r) => r.name), ['Open']);
      }
      assert.equal(builds, 3, 'one build per viewer');

      // Grants read when the kept query runs: a grant to ben and a revoke from ana show at once.
      await db.insertInto('collection_grant').values({ user_id: userId(ben), collection_id: collections.get('Secret')!, created_at: NOW }).execute();
      await db.deleteFrom('collection_grant').where('user_id', '=', userId(ana)).execute();
      assert.deepEqual((await names(ben)).map((r) => r.name), ['Open', 'Secret']);
      assert.deepEqual((await names(ana)).map((r) => r.name), ['Open']);
      assert.equal(builds, 3, 'grants changed, nothing built again');

      // getCollectionValues goes through it: a collection made public later is listed at once.
      assert.deepEqual(await collectionValues(new AccessScope(db, GUEST)), ['Open']);
      await db.updateTable('collection').set({ is_public: 1 }).where('name', '=', 'Closed').execute();
      assert.deepEqual(await collectionValues(new AccessScope(db, GUEST)), ['Closed', 'Open']);
      assert.deepEqual(await collectionValues(new AccessScope(db, ben)), ['Closed', 'Open', 'Secret']);
    } finally {
      await t.dispose();
    }
  });
}
