// Queries that Kysely builds and compiles once and that are kept per database: here, those
// run with new parameter values (compiledOnce), and AccessScope.runCompiled's, kept per
// viewer. Every authenticated request looks its token up, and building and compiling that
// query cost 13 µs, more than SQLite took to run it (25 µs a lookup in all, 12 µs compiled
// once; in a loop over one SQLite index). compiledOnce is only for queries whose SQL does
// not depend on the values (no lists for `in`, no branching on an argument): `prepare`
// checks that every argument reached the parameters.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Compiled queries kept per database, by key: one per compiledOnce, runCompiled's by name and viewer. */
const KEPT = new WeakMap<Kysely<Database>, Map<string | symbol, CompiledQuery<unknown>>>();
/** Past this many in one database (runCompiled keeps one per name and account), all are dropped and compiled again as asked. */
const MAX_KEPT = 1000;

/** The query kept in `db` under `key`, compiled by `compile` the first time it is asked for. */
export function keptCompiled<R>(db: Kysely<Database>, key: string | symbol, compile: () => CompiledQuery<R>): CompiledQuery<R> {
  let kept = KEPT.get(db);
  if (!kept) KEPT.set(db, (kept = new Map()));
  let query = kept.get(key) as CompiledQuery<R> | undefined;
  if (!query) {
    if (kept.size >= MAX_KEPT) kept.clear();
    query = compile();
    kept.set(key, query);
  }
  return query;
}

/** Stands for the argument at `index` while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

type Build<A extends unknown[], R> = (db: Kysely<Database>, ...args: A) => Compilable<R>;

/**
 * Returns a function that runs the query `build` makes, compiled once per Kysely instance
 * (a transaction is compiled each time: it is a new instance), with `args` as its values.
 */
export function compiledOnce<A extends unknown[], R>(build: Build<A, R>): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  const key = Symbol('compiledOnce');
  return async (db, ...args) => {
    const query = keptCompiled(db, key, () => prepare(build, db, args.length));
    const parameters = query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}

function prepare<A extends unknown[], R>(build: Build<A, R>, db: Kysely<Database>, arity: number): CompiledQuery<R> {
  const slots = Array.from({ length: arity }, (_, i) => new Slot(i));
  const query = build(db, ...(slots as unknown as A)).compile();
  for (const slot of slots) {
    if (!query.parameters.includes(slot)) throw new Error(`compiledOnce: argument ${slot.index} is not a parameter of: ${query.sql}`);
  }
  return query;
}
