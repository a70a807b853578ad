// The SQLite driver's turn-taking and statement cache (src/store/sqlite/sqlite-driver.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { FifoLock } from '../../src/store/sqlite/sqlite-driver.js';
import { createTestStore } from '../helpers/stores.js';

test('FifoLock: waiters get the lock in the order they asked, one at a time', async () => {
  const lock = new FifoLock();
  const order: number[] = [];
  let holders = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      await lock.acquire();
      holders++;
      most = Math.max(most, holders);
      order.push(i);
      await new Promise((r) => setImmediate(r));
      holders--;
      lock.release();
    }),
  );
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(most, 1);
  assert.equal(lock.waiting, 0);
});

test('sqlite store: concurrent queries and a transaction interleave without mixing, and cached statements see new rows', async () => {
  const t = await createTestStore('sqlite');
  try {
    const db = t.store.db;
    const now = '2026-01-01 00:00:00.000';
    // A transaction that yields between its statements must not see other queries run inside it.
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto('collection').values({ name: 'A', is_public: 1, created_at: now }).execute();
      await new Promise((r) => setTimeout(r, 20));
      await trx.insertInto('collection').values({ name: 'B', is_public: 1, created_at: now }).execute();
    });
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => db.selectFrom('collection').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
    );
    await tx;
    // Each count ran before or after the transaction, never between its two inserts.
    for (const { n } of counts) assert.ok(Number(n) === 0 || Number(n) === 2, `a query saw ${n} collections mid-transaction`);
    const again = await db.selectFrom('collection').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(again.n), 2, 'the cached statement answers from the current data');
    // A failing statement is an error for its caller and leaves the connection usable.
    await assert.rejects(db.insertInto('collection').values({ name: 'A', is_public: 1, created_at: now }).execute(), /UNIQUE/);
    const rows = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.equal(rows.rows[0]!.one, 1);
  } finally {
    await t.dispose();
  }
});

test('sqlite store: a whole-number LIMIT is written into the SQL, other limits stay bound, and both limit the rows', async () => {
  const t = await createTestStore('sqlite');
  try {
    const db = t.store.db;
    const now = '2026-01-01 00:00:00.000';
    await db.insertInto('collection').values(['A', 'B', 'C'].map((name) => ({ name, is_public: 1, created_at: now }))).execute();
    const literal = db.selectFrom('collection').select('name').orderBy('id').limit(2);
    const compiled = literal.compile();
    assert.match(compiled.sql, /limit 2$/);
    assert.deepEqual(compiled.parameters, []);
    assert.deepEqual(await literal.execute(), [{ name: 'A' }, { name: 'B' }]);
    const bound = db.selectFrom('collection').select('name').orderBy('id').limit(sql<number>`${1} + ${0}`);
    assert.match(bound.compile().sql, /limit \? \+ \?$/);
    assert.deepEqual(await bound.execute(), [{ name: 'A' }]);
  } finally {
    await t.dispose();
  }
});
