// Login throttling, per account and per client address, kept in the database so that
// every API node counts the same failures. The first few failures cost nothing; after
// that each failure locks the key for a time that doubles (1 s, 2 s, 4 s ... at most
// 15 minutes), during which logins are refused with 429 and Retry-After. A lock always
// ends by itself, a success clears the account's count, and failures are forgotten after
// an hour without any, so the real user is slowed by an attack but never locked out for good.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { epochMs, timestampAt } from './time.js';

export interface ThrottleKey {
  key: string;
  /** Failures allowed before locks start. */
  freeFailures: number;
}

export const ACCOUNT_FREE_FAILURES = 5;
/** Higher than per account: many honest users may share one address (a campus NAT). */
export const ADDRESS_FREE_FAILURES = 20;
export const FIRST_LOCK_MS = 1000;
export const MAX_LOCK_MS = 15 * 60 * 1000;
export const FORGET_AFTER_MS = 60 * 60 * 1000;

export function accountKey(userName: string): ThrottleKey {
  // Case variants of a name share one count, so `Alice` cannot be used to go around `alice`.
  return { key: `user:${userName.toLowerCase()}`, freeFailures: ACCOUNT_FREE_FAILURES };
}

export function addressKey(address: string): ThrottleKey {
  return { key: `addr:${address}`, freeFailures: ADDRESS_FREE_FAILURES };
}

/** How long a key stays locked after its `failures`-th failure. */
export function lockMs(failures: number, freeFailures: number): number {
  if (failures <= freeFailures) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (failures - freeFailures - 1), MAX_LOCK_MS);
}

/** Milliseconds until the longest lock among `keys` ends; 0 when a login may be tried now. */
export async function lockRemainingMs(db: Kysely<Database>, keys: ThrottleKey[], nowMs: number): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .selectFrom('login_failure')
    .select(['throttle_key', 'failures', 'last_failure_at'])
    .where('throttle_key', 'in', keys.map((k) => k.key))
    .execute();
  let remaining = 0;
  for (const row of rows) {
    const free = keys.find((k) => k.key === row.throttle_key)?.freeFailures ?? 0;
    const lastMs = epochMs(row.last_failure_at);
    if (nowMs - lastMs > FORGET_AFTER_MS) continue;
    remaining = Math.max(remaining, lastMs + lockMs(row.failures, free) - nowMs);
  }
  return remaining;
}

/**
 * Counts one failure against every key (atomically, so concurrent nodes never lose a
 * count) and returns the longest lock that failure started, in milliseconds.
 */
export async function recordLoginFailure(db: Kysely<Database>, keys: ThrottleKey[], nowMs: number): Promise<number> {
  const now = timestampAt(nowMs);
  const forgetBefore = timestampAt(nowMs - FORGET_AFTER_MS);
  let longest = 0;
  for (const { key, freeFailures } of keys) {
    const row = await db
      .insertInto('login_failure')
      .values({ throttle_key: key, failures: 1, last_failure_at: now })
      .onConflict((oc) =>
        oc.column('throttle_key').doUpdateSet({
          failures: sql<number>`case when login_failure.last_failure_at < ${forgetBefore} then 1 else login_failure.failures + 1 end`,
          last_failure_at: now,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    longest = Math.max(longest, lockMs(Number(row.failures), freeFailures));
  }
  return longest;
}

export async function clearLoginFailures(db: Kysely<Database>, key: ThrottleKey): Promise<number> {
  const result = await db.deleteFrom('login_failure').where('throttle_key', '=', key.key).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function pruneLoginFailures(db: Kysely<Database>, nowMs: number): Promise<void> {
  await db.deleteFrom('login_failure').where('last_failure_at', '<', timestampAt(nowMs - FORGET_AFTER_MS)).execute();
}
