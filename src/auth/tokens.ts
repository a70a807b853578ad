// Opaque bearer tokens. A token is 32 random bytes (base64url); the database keeps only
// its SHA-256, so a copy of the database lets nobody act as a user. Every node reads the
// same rows, so a token works on every node, survives a restart, and a revocation is
// seen by the next request anywhere. Checking a token is one indexed lookup (no argon2).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { compiledOnce } from '../store/compiled-query.js';
import { epochMs, timestampAt } from './time.js';

/** What a token we issued looks like: anything else is malformed, without a database trip. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export interface Lifetimes {
  accessSeconds: number;
  refreshSeconds: number;
}

/** One login: an access token and the refresh token issued with it, sharing a session id. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Opaque, like the others, but never stored: clients only check that it is a string. */
  idToken: string;
  sessionId: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

export async function issueTokens(
  db: Kysely<Database>,
  userId: number,
  lifetimes: Lifetimes,
  nowMs: number,
  sessionId: string = randomUUID(),
): Promise<IssuedTokens> {
  const accessToken = newToken();
  const refreshToken = newToken();
  const issuedAt = timestampAt(nowMs);
  await db
    .insertInto('token')
    .values([
      {
        token_hash: tokenHash(accessToken),
        kind: 'access',
        user_id: userId,
        session_id: sessionId,
        issued_at: issuedAt,
        expires_at: timestampAt(nowMs + lifetimes.accessSeconds * 1000),
        revoked_at: null,
      },
      {
        token_hash: tokenHash(refreshToken),
        kind: 'refresh',
        user_id: userId,
        session_id: sessionId,
        issued_at: issuedAt,
        expires_at: timestampAt(nowMs + lifetimes.refreshSeconds * 1000),
        revoked_at: null,
      },
    ])
    .execute();
  return {
    accessToken,
    refreshToken,
    idToken: newToken(),
    sessionId,
    expiresIn: lifetimes.accessSeconds,
    refreshExpiresIn: lifetimes.refreshSeconds,
  };
}

export interface TokenHolder {
  kind: 'access' | 'refresh';
  userId: number;
  userName: string;
  sessionId: string;
  expiresAtMs: number;
  revoked: boolean;
}

/** The token's row and its user's, by the token's hash: every authenticated request runs it. */
const tokenByHash = compiledOnce((db: Kysely<Database>, hash: string) =>
  db
    .selectFrom('token')
    .innerJoin('app_user', 'app_user.id', 'token.user_id')
    .select(['token.kind', 'token.session_id', 'token.expires_at', 'token.revoked_at', 'app_user.id as user_id', 'app_user.name'])
    .where('token.token_hash', '=', hash),
);

/** The token's row with its account, or null when the token is malformed or unknown. */
export async function findToken(db: Kysely<Database>, token: string): Promise<TokenHolder | null> {
  if (!isWellFormedToken(token)) return null;
  const [row] = await tokenByHash(db, tokenHash(token));
  if (!row) return null;
  return {
    kind: row.kind,
    userId: Number(row.user_id),
    userName: row.name,
    sessionId: row.session_id,
    expiresAtMs: epochMs(row.expires_at),
    revoked: row.revoked_at !== null,
  };
}

/**
 * Spends a refresh token and issues the next pair in the same session. Returns null when
 * the token was spent or revoked meanwhile (another node or request got there first):
 * a refresh token works once.
 */
export async function rotateRefreshToken(
  db: Kysely<Database>,
  refreshToken: string,
  holder: TokenHolder,
  lifetimes: Lifetimes,
  nowMs: number,
): Promise<IssuedTokens | null> {
  return db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable('token')
      .set({ revoked_at: timestampAt(nowMs) })
      .where('token_hash', '=', tokenHash(refreshToken))
      .where('kind', '=', 'refresh')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) return null;
    return issueTokens(trx, holder.userId, lifetimes, nowMs, holder.sessionId);
  });
}

/** Revokes every token of a session (logout): the access and refresh tokens alike. */
export async function revokeSession(db: Kysely<Database>, sessionId: string, nowMs: number): Promise<number> {
  const result = await db
    .updateTable('token')
    .set({ revoked_at: timestampAt(nowMs) })
    .where('session_id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live token of an account; returns how many were still live. */
export async function revokeUserTokens(db: Kysely<Database>, userId: number, nowMs: number): Promise<number> {
  const result = await db
    .updateTable('token')
    .set({ revoked_at: timestampAt(nowMs) })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', timestampAt(nowMs))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Rows of tokens that expired a day ago tell nobody anything any more. */
export async function pruneExpiredTokens(db: Kysely<Database>, nowMs: number): Promise<void> {
  await db.deleteFrom('token').where('expires_at', '<', timestampAt(nowMs - 86_400_000)).execute();
}
