// PostgreSQL connections run the archive's queries as named prepared statements, within
// bounds (src/store/postgres/prepared-pool.ts). Checked on the real server through
// pg_prepared_statements, which lists what the asking connection has prepared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import { MAX_PREPARED_PARAMETERS, MAX_PREPARED_PER_CONNECTION } from '../../src/store/postgres/prepared-pool.js';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import { findSeries } from '../../src/archive/queries/series.js';
import { createTestStore } from '../helpers/stores.js';

/** Runs `work` on one pooled connection and answers the statements it has prepared by then. */
async function onOneConnection(db: Kysely<Database>, work: (conn: Kysely<Database>) => Promise<void>): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await work(conn);
    const { rows } = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(conn);
    return rows.map((r) => r.statement);
  });
}

test('PostgreSQL: queries run as prepared statements, one per text, and answer as before', async (t) => {
  const ts = await createTestStore('postgres');
  t.after(() => ts.dispose());
  const db = ts.store.db;
  await db.insertInto('collection').values({ name: 'C1', is_public: 1, created_at: '2026-01-01 00:00:00.000' }).execute();

  const statements = await onOneConnection(db, async (conn) => {
    const scope = new AccessScope(conn, GUEST);
    for (const patientId of ['P1', 'P2', 'P1']) assert.deepEqual(await findSeries(scope, { patientId }), []);
    const names = await conn.selectFrom('collection').select('name').where('is_public', '=', 1).execute();
    assert.deepEqual(names, [{ name: 'C1' }]);
  });
  const seriesQueries = statements.filter((s) => s.includes('"series"."series_instance_uid" as "seriesInstanceUid"'));
  assert.equal(seriesQueries.length, 1, 'the same query text with other values is one prepared statement');
  assert.ok(statements.some((s) => /from "collection" where "is_public" = \$1/.test(s)), statements.join('\n'));
});

test('PostgreSQL: long IN lists and statements past the per-connection bound run unnamed', async (t) => {
  const ts = await createTestStore('postgres');
  t.after(() => ts.dispose());
  const db = ts.store.db;

  const statements = await onOneConnection(db, async (conn) => {
    const many = Array.from({ length: MAX_PREPARED_PARAMETERS + 1 }, (_, i) => `uid-${i}`);
    assert.deepEqual(await conn.selectFrom('series').select('id').where('series_instance_uid', 'in', many).execute(), []);
    // Distinct texts, more than one connection keeps.
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 10; i++) {
      const { rows } = await sql<{ n: number }>`SELECT ${sql.lit(i)}::int + ${1}::int AS n`.execute(conn);
      assert.equal(rows[0]!.n, i + 1);
    }
  });
  assert.ok(!statements.some((s) => s.includes('"series_instance_uid" in')), 'a long IN list is not prepared');
  assert.equal(statements.length, MAX_PREPARED_PER_CONNECTION, 'a connection keeps at most the bound');
});
