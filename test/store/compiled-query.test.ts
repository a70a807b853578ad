// compiledOnce on both dialects: each call runs with its own values, the query is built
// once per Kysely instance, transactions work, and a query that does not take an argument
// as a parameter is refused instead of running with a stale value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { compiledOnce } from '../../src/store/compiled-query.js';
import { setCollection } from '../../src/archive/collections.js';
import type { Database } from '../../src/store/schema.js';

for (const dialect of DIALECTS) {
  test(`${dialect}: a query compiled once runs with each call's values, in and out of transactions`, async () => {
    const t = await createTestStore(dialect);
    try {
      for (const [name, isPublic] of [['Alpha', true], ['Beta', false], ['Gamma', true]] as const) await setCollection(t.store.db, name, { public: isPublic });
      let built = 0;
      const byNameAndAccess = compiledOnce((db: Kysely<Database>, name: string, isPublic: number) => {
        built++;
        return db.selectFrom('collection').select(['name', 'is_public']).where('name', '=', name).where('is_public', '=', isPublic);
      });
      assert.deepEqual(await byNameAndAccess(t.store.db, 'Alpha', 1), [{ name: 'Alpha', is_public: 1 }]);
      assert.deepEqual(await byNameAndAccess(t.store.db, 'Beta', 0), [{ name: 'Beta', is_public: 0 }]);
      assert.deepEqual(await byNameAndAccess(t.store.db, 'Beta', 1), [], 'the second value is a parameter too');
      assert.deepEqual(await byNameAndAccess(t.store.db, "Gamma' OR '1'='1", 1), [], 'values are bound, never spliced into the SQL');
      assert.equal(built, 1, 'built and compiled once for this database');

      const inTransaction = await t.store.db.transaction().execute((trx) => byNameAndAccess(trx, 'Gamma', 1));
      assert.deepEqual(inTransaction, [{ name: 'Gamma', is_public: 1 }]);

      const other = await createTestStore(dialect);
      try {
        await setCollection(other.store.db, 'Elsewhere', { public: true });
        assert.deepEqual(await byNameAndAccess(other.store.db, 'Elsewhere', 1), [{ name: 'Elsewhere', is_public: 1 }]);
        assert.deepEqual(await byNameAndAccess(other.store.db, 'Alpha', 1), [], 'each database its own compiled query, its own rows');
      } finally {
        await other.dispose();
      }
    } finally {
      await t.dispose();
    }
  });
}

test('a query that does not take an argument as a parameter is refused', async () => {
  const t = await createTestStore('sqlite');
  try {
    await setCollection(t.store.db, 'Alpha', { public: true });
    // Branching on an argument: compiled with a placeholder, the SQL would be fixed for ever.
    const branching = compiledOnce((db: Kysely<Database>, name: string) => db.selectFrom('collection').select('name').where('name', '=', name ? 'Alpha' : 'Beta'));
    await assert.rejects(branching(t.store.db, ''), /argument 0 is not a parameter/);
  } finally {
    await t.dispose();
  }
});
