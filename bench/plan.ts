// The database's own plan for a query builder: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN`
// (or `EXPLAIN ANALYZE`, which runs the query and shows the rows and time of each step) on
// PostgreSQL. The benches print these so a figure comes with the reason for it.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../src/store/dialect.js';

export async function planOf(
  db: Kysely<unknown>,
  dialect: DialectName,
  query: { compile(): { sql: string; parameters: readonly unknown[] } },
  options: { analyze?: boolean } = {},
): Promise<string[]> {
  const { sql: text, parameters } = query.compile();
  const prefix = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : options.analyze ? 'EXPLAIN ANALYZE ' : 'EXPLAIN ';
  const result = await sql.raw<Record<string, unknown>>(prefix + inline(text, parameters, dialect)).execute(db);
  return result.rows.map((r) => String(dialect === 'sqlite' ? r.detail : r['QUERY PLAN']).trimEnd());
}

/** Literal parameters for EXPLAIN (which takes no bound parameters on PostgreSQL). */
function inline(text: string, params: readonly unknown[], dialect: DialectName): string {
  let i = 0;
  const quote = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return dialect === 'sqlite'
    ? text.replace(/\?/g, () => quote(params[i++]))
    : text.replace(/\$(\d+)/g, (_, n: string) => quote(params[Number(n) - 1]));
}
