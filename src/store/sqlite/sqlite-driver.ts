// The SQLite driver the store runs on: Kysely's own dialect (compiler, adapter,
// introspector) with a driver of ours underneath, for two reasons measured under load
// (issue 7, `npm run bench -- peers`):
//
// - Fair turns. SQLite has one connection, so requests take turns on it. Kysely's driver
//   guards it with a lock whose release wakes every waiter at once and lets whichever runs
//   first take it: with 64 clients each release costs 64 wake-ups, and an unlucky request
//   can lose again and again (p99 of 1.6 s under 64 connections against a median of 20 ms).
//   Here waiters queue and the release hands the connection to the oldest one, one wake-up.
// - Prepared statements are kept. better-sqlite3 compiles SQL text on every prepare(); the
//   archive sends the same few statements over and over, so compiled statements are cached
//   by their text (a few hundred at most; the least recently used is dropped).
//
// - LIMIT is written into the SQL. With `LIMIT ?` SQLite keeps the top rows in an ephemeral
//   index rather than sorting them, and a one-patient getSeries' first page (LIMIT 200)
//   took 100 µs instead of 45. There are few page sizes, so few statement texts. (Not on
//   PostgreSQL, where a literal LIMIT 200 made the planner walk the big collection's series
//   in id order for a small collection's first page: 10 ms became 37.)
//
// better-sqlite3 is synchronous: a statement runs to its end before anything else on the
// event loop. Long listings are therefore read in pages (see archive/queries/paging.ts),
// each page a short statement, so the connection is free between pages.
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteDialect,
  SqliteQueryCompiler,
  ValueNode,
  type LimitNode,
  type QueryCompiler,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

const STATEMENT_CACHE_SIZE = 256;

/** Kysely's SQLite dialect on our driver. */
export class ArchiveSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new FairSqliteDriver(this.database);
  }

  override createQueryCompiler(): QueryCompiler {
    return new LiteralLimitCompiler();
  }
}

/** SQLite's compiler, but a whole-number LIMIT is written as a literal (see above). */
class LiteralLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const limit = node.limit;
    if (ValueNode.is(limit) && Number.isSafeInteger(limit.value)) this.append(`limit ${limit.value as number}`);
    else super.visitLimit(node);
  }
}

/** A first-in, first-out lock: release hands the lock straight to the oldest waiter. */
export class FifoLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // stays held: ownership passes to `next`
    else this.held = false;
  }

  /** Requests waiting for the lock (for tests and diagnostics). */
  get waiting(): number {
    return this.waiters.length;
  }
}

class FairSqliteDriver implements Driver {
  private readonly lock = new FifoLock();
  private readonly connection: CachingSqliteConnection;

  constructor(private readonly database: BetterSqlite3.Database) {
    this.connection = new CachingSqliteConnection(database);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.lock.release();
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly database: BetterSqlite3.Database) {}

  private statement(text: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(text);
    if (stmt) {
      // Most recently used last, so the first key is the one to drop.
      this.statements.delete(text);
    } else {
      stmt = this.database.prepare(text);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(text, stmt);
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.statement(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error('the SQLite driver streams SELECT queries only');
    // A statement being iterated cannot run again until done: stream on a fresh one.
    const iterator = this.database.prepare(compiled.sql).iterate(compiled.parameters as unknown[]) as IterableIterator<R>;
    let rows: R[] = [];
    for (const row of iterator) {
      rows.push(row);
      if (rows.length >= chunkSize) {
        yield { rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { rows };
  }
}
