// Opens the index on either dialect from one URL, applies pending migrations, and hands
// back a typed Kysely instance. SQLite is the embedded default; PostgreSQL for scale.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import type { DialectName } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import { UserError } from '../errors.js';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export function describeDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export async function openStore(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: DialectName;
  if (databaseUrl.startsWith('postgres://') || databaseUrl.startsWith('postgresql://')) {
    dialect = 'postgres';
    // Each driver loads only when its dialect is used: pg alone costs a command on the
    // embedded default about a sixth of its start-up.
    const [{ default: pg }, { preparedStatementPool }] = await Promise.all([import('pg'), import('./postgres/prepared-pool.js')]);
    // BIGINT (sizes, CRCs, ids) as numbers: every value we keep is far below 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    // An idle connection that the server drops (a restart, a terminated backend) must not
    // crash the process: the pool replaces it on the next query, so log and go on.
    pool.on('error', (err) => process.stderr.write(`nbia: PostgreSQL connection lost (${err.message}); reconnecting on the next query\n`));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatementPool(pool) }) });
  } else if (databaseUrl.startsWith('sqlite:')) {
    dialect = 'sqlite';
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const [{ default: SQLite }, { ArchiveSqliteDialect }] = await Promise.all([import('better-sqlite3'), import('./sqlite/sqlite-driver.js')]);
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    db = new Kysely<Database>({ dialect: new ArchiveSqliteDialect(sqlite) });
  } else {
    throw new UserError(
      `unsupported database URL "${describeDatabaseUrl(databaseUrl)}": use sqlite:<path> or postgres://user@host:port/db`,
    );
  }
  try {
    if (options.migrate !== false) await migrate(db);
  } catch (err) {
    await db.destroy();
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot open the index at ${describeDatabaseUrl(databaseUrl)}: ${message}`);
  }
  return { db, dialect, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>): Promise<void> {
  // Migrations were numbered by parallel work and land in any order: an index that already
  // ran a later one must still take an earlier one that arrives after it.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Timestamps in the index: UTC, `YYYY-MM-DD HH:MM:SS.mmm`, so text order is time order. */
export function nowTimestamp(date = new Date()): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
