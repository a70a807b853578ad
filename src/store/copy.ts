// Copies a whole index from one store to another (SQLite to PostgreSQL, or back): every
// table in foreign-key order, rows read in primary-key order in batches and written with
// multi-row inserts, one transaction per batch, ids kept as they are (tokens, grants and
// carts refer to them). The target is migrated by opening it; its own migration table is
// not copied. A target that already holds rows is refused unless the caller asks to
// replace them.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './db.js';
import { UserError } from '../errors.js';

/** The tables, parents first, each with the columns its rows are read in order of. */
export const COPY_ORDER: ReadonlyArray<{ table: keyof Database & string; order: string[] }> = [
  { table: 'collection', order: ['id'] },
  { table: 'patient', order: ['id'] },
  { table: 'study', order: ['id'] },
  { table: 'series', order: ['id'] },
  { table: 'image', order: ['id'] },
  { table: 'cart', order: ['id'] },
  { table: 'cart_series', order: ['cart_id', 'position'] },
  { table: 'app_user', order: ['id'] },
  { table: 'collection_grant', order: ['user_id', 'collection_id'] },
  { table: 'token', order: ['token_hash'] },
  { table: 'audit_event', order: ['id'] },
  { table: 'download_event', order: ['id'] },
  { table: 'login_failure', order: ['throttle_key'] },
  // Where the files are (local or S3): the copy serves the same files as the original.
  { table: 'file_store', order: ['name'] },
];

/** Rows per read; each insert holds as many as keep it under both dialects' parameter limits. */
const READ_BATCH = 5000;
const MAX_PARAMETERS = 30_000;

type Row = Record<string, unknown>;
/** The store seen without its table types: copy works table by table, on any table. */
type AnyDb = Kysely<Record<string, Row>>;

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyReport {
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
}

async function countRows(db: AnyDb, table: string): Promise<number> {
  const r = await db.selectFrom(table).select(sql<number | string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The tables of `store` that hold rows, with their counts. */
export async function nonEmptyTables(store: Store): Promise<Array<{ table: string; rows: number }>> {
  const db = store.db as unknown as AnyDb;
  const out: Array<{ table: string; rows: number }> = [];
  for (const { table } of COPY_ORDER) {
    const rows = await countRows(db, table);
    if (rows > 0) out.push({ table, rows });
  }
  return out;
}

export async function copyStore(
  source: Store,
  target: Store,
  options: { replace?: boolean; onProgress?: (p: CopyProgress) => void } = {},
): Promise<CopyReport> {
  const started = performance.now();
  const from = source.db as unknown as AnyDb;
  const to = target.db as unknown as AnyDb;
  const occupied = await nonEmptyTables(target);
  if (occupied.length > 0) {
    if (!options.replace) {
      const list = occupied.map((o) => `${o.table} (${o.rows})`).join(', ');
      throw new UserError(`the target index is not empty: ${list}. Copy into an empty database, or add --replace to delete its rows first`, 1);
    }
    await to.transaction().execute(async (trx) => {
      for (const { table } of [...COPY_ORDER].reverse()) await trx.deleteFrom(table).execute();
    });
  }

  const rows: Record<string, number> = {};
  for (const { table, order } of COPY_ORDER) {
    const total = await countRows(from, table);
    let copied = 0;
    let last: Row | undefined;
    options.onProgress?.({ table, copied, total });
    for (;;) {
      let q = from.selectFrom(table).selectAll();
      // Keyset paging (after the last row read), so each batch is an index range, not an OFFSET scan.
      if (last) q = q.where(sql<boolean>`(${sql.join(order.map((c) => sql.ref(c)))}) > (${sql.join(order.map((c) => last![c]))})`);
      const batch = await q.orderBy(order.map((c) => sql.ref(c))).limit(READ_BATCH).execute();
      if (batch.length === 0) break;
      const perInsert = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(batch[0]!).length));
      await to.transaction().execute(async (trx) => {
        for (let i = 0; i < batch.length; i += perInsert) await trx.insertInto(table).values(batch.slice(i, i + perInsert)).execute();
      });
      copied += batch.length;
      last = batch[batch.length - 1];
      options.onProgress?.({ table, copied, total });
      if (batch.length < READ_BATCH) break;
    }
    rows[table] = copied;
  }
  if (target.dialect === 'postgres') {
    // Rows kept their ids: move each identity past them, so new rows number on from there.
    for (const { table, order } of COPY_ORDER) {
      if (order[0] !== 'id') continue;
      await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), coalesce((SELECT max(id) FROM ${sql.table(table)}), 0) + 1, false)`.execute(to);
    }
    await sql`ANALYZE`.execute(to);
  } else {
    await sql`ANALYZE`.execute(to);
  }
  return { rows, totalRows: Object.values(rows).reduce((a, b) => a + b, 0), seconds: (performance.now() - started) / 1000 };
}
