import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from './helpers/stores.js';
import { openStore } from '../src/store/db.js';
import { UserError } from '../src/errors.js';

for (const dialect of DIALECTS) {
  test(`${dialect}: migrations create the archive tables and are idempotent`, async () => {
    const t = await createTestStore(dialect);
    try {
      const tables = (await t.store.db.introspection.getTables()).map((x) => x.name).sort();
      for (const name of ['collection', 'patient', 'study', 'series', 'image', 'cart', 'app_user', 'collection_grant', 'token']) {
        assert.ok(tables.includes(name), `${name} exists in ${tables.join(',')}`);
      }
      // Opening the same database again applies nothing new and keeps the data.
      await t.store.db.insertInto('collection').values({ name: 'X', is_public: 1, created_at: '2026-01-01 00:00:00.000' }).execute();
      const again = await openStore(t.databaseUrl);
      const rows = await again.db.selectFrom('collection').select('name').execute();
      await again.close();
      assert.deepEqual(rows, [{ name: 'X' }]);
    } finally {
      await t.dispose();
    }
  });
}

test('an unsupported database URL is a clear user error', async () => {
  await assert.rejects(openStore('mysql://x'), (err: unknown) => err instanceof UserError && /sqlite:<path> or postgres/.test(err.message));
});
