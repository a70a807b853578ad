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
// stays bounded. A statement's name is a hash of its text, so one name always means one text.
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

/** Names this process gave to statement texts, bounded: the hot texts stay, others are hashed again. */
const names = new Map<string, string>();
const NAME_CACHE_SIZE = 1000;

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `nbia_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
    if (names.size >= NAME_CACHE_SIZE) names.delete(names.keys().next().value!);
    names.set(text, name);
  }
  return name;
}

/** Statement names each connection has prepared (a connection is a pooled client). */
const preparedOn = new WeakMap<PoolClient, Set<string>>();

function preparing(client: PoolClient): PostgresPoolClient {
  return {
    query: ((textOrCursor: string | InstanceType<PostgresCursorConstructor>, parameters?: readonly unknown[]) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
      const values = (parameters ?? []) as unknown[];
      if (values.length > MAX_PREPARED_PARAMETERS || !PREPARABLE.test(textOrCursor)) return client.query(textOrCursor, values);
      let prepared = preparedOn.get(client);
      if (!prepared) preparedOn.set(client, (prepared = new Set()));
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

