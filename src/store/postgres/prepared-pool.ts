// PostgreSQL runs the archive's queries as named prepared statements (issue 8).
//
// Kysely sends every query unnamed, so PostgreSQL parses and plans it on each execution.
// For the series-row query (four joins, 41 columns) planning is most of the cost on an
// NLST-size index: a one-patient getSeries took 2.5 ms, of which 0.5 ms was execution;
// prepared, 0.6 ms. Each pooled connection prepares a statement the first time it sees
// its text and executes it by name afterwards; after five executions PostgreSQL keeps a
// generic plan when it costs no more than the plans made for each execution's values
// (plan_cache_mode auto), so a statement whose best plan depends on its values (a big
// collection or a small one) goes on being planned per execution.
//
// Not prepared: statements other than SELECT/INSERT/UPDATE/DELETE/WITH (transactions,
// migrations' DDL), statements with long IN lists (clients' thousands of UIDs make texts
// that recur rarely), and anything past MAX_PREPARED_PER_CONNECTION, so a backend's memory
// stays bounded.
// (A transaction-mode pooler such as PgBouncer before 1.21 does not carry prepared
// statements between transactions: point --database at PostgreSQL itself or a session pool.)
import { createHash } from 'node:crypto';
import type { PostgresCursorConstructor, PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient } from 'pg';

/** Distinct statements one connection keeps prepared; later ones run unnamed. */
export const MAX_PREPARED_PER_CONNECTION = 200;
/** Statements with more parameters than this run unnamed (IN lists of UIDs). */
export const MAX_PREPARED_PARAMETERS = 64;

const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** A statement's name: a hash of its text, so one name always means one text. */
function statementName(text: string): string {
  return `nbia_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
}

/**
 * Each pooled client's wrapper, made once: Kysely keeps its connection objects by client, so
 * a new wrapper per checkout would have it build a new connection for every query.
 */
const wrappers = new WeakMap<PoolClient, PostgresPoolClient>();

function preparing(client: PoolClient): PostgresPoolClient {
  let wrapper = wrappers.get(client);
  if (!wrapper) wrappers.set(client, (wrapper = preparingWrapper(client)));
  return wrapper;
}

function preparingWrapper(client: PoolClient): PostgresPoolClient {
  /** Names this connection has prepared. */
  const prepared = new Set<string>();
  return {
    query: ((textOrCursor: string | InstanceType<PostgresCursorConstructor>, parameters?: readonly unknown[]) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
      const values = (parameters ?? []) as unknown[];
      if (values.length > MAX_PREPARED_PARAMETERS || !PREPARABLE.test(textOrCursor)) return client.query(textOrCursor, values);
      const name = statementName(textOrCursor);
      if (!prepared.has(name)) {
        if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return client.query(textOrCursor, values);
        prepared.add(name);
      }
      return client.query({ name, text: textOrCursor, values });
    }) as unknown as PostgresPoolClient['query'],
    release: () => client.release(),
  };
}

/** `pool` for Kysely's PostgresDialect, with every connection preparing its statements. */
export function preparedStatementPool(pool: Pool): PostgresPool {
  return {
    connect: async () => preparing(await pool.connect()),
    end: () => pool.end(),
  };
}

