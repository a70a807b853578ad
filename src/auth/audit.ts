// The audit trail: who logged in (or failed to), from where, and every change to
// accounts, grants and tokens. Read back by `nbia audit`.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { nowTimestamp } from '../store/db.js';

export type AuditEvent =
  | 'login'
  | 'login_failed'
  | 'login_throttled'
  | 'refresh'
  | 'refresh_failed'
  | 'logout'
  | 'user_add'
  | 'user_remove'
  | 'passwd'
  | 'user_unlock'
  | 'grant'
  | 'revoke'
  | 'tokens_revoke';

export interface AuditEntry {
  event: AuditEvent;
  /** The account the event is about (the name tried, for a failed login). */
  user: string | null;
  /** The client address, or null for an action taken on the command line. */
  address: string | null;
  detail?: string | null;
  at?: string;
}

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      at: entry.at ?? nowTimestamp(),
      event: entry.event,
      user_name: entry.user,
      address: entry.address,
      detail: entry.detail ?? null,
    })
    .execute();
}

export interface AuditFilter {
  user?: string;
  /** Index timestamp (`YYYY-MM-DD HH:MM:SS.mmm`, UTC): events at or after it. */
  since?: string;
  /** The most recent N events. */
  limit: number;
}

/** The most recent matching events, oldest first (as a log reads). */
export async function listAuditEvents(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom('audit_event').select(['id', 'at', 'event', 'user_name', 'address', 'detail']);
  if (filter.user !== undefined) query = query.where('user_name', '=', filter.user);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.reverse();
}

/** The most recent matching downloads, oldest first. */
export async function listDownloadEvents(db: Kysely<Database>, filter: AuditFilter) {
  let query = db
    .selectFrom('download_event')
    .select(['id', 'at', 'user_name', 'endpoint', 'series_instance_uid', 'bytes', 'address']);
  if (filter.user !== undefined) query = query.where('user_name', '=', filter.user);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.reverse();
}
