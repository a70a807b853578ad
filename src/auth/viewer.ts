// Who is asking: turns the request's bearer token into a Viewer under the family's rules.
// v1 and v4 take a request without a token as the guest; v2 and the unversioned endpoints
// need one. A token that is sent is always checked, in every family: a client holding a
// malformed, unknown, expired or revoked token (or a refresh token) gets a 401 that says
// so, instead of silently seeing less.
import type { FastifyRequest } from 'fastify';
import { GUEST, GUEST_NAME, type Viewer } from '../archive/access.js';
import { allowsAnonymous, type Family } from '../nbia/families.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { findToken, type TokenHolder } from './tokens.js';

const REALM = 'nbia-api';

/** A 401 with the RFC 6750 challenge; `presented` says whether a token came with the request. */
export function invalidToken(message: string, presented: boolean): ApiError {
  const challenge = presented
    ? `Bearer realm="${REALM}", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`
    : `Bearer realm="${REALM}"`;
  return new ApiError('invalid_token', message, { 'WWW-Authenticate': challenge });
}

/**
 * The bearer token of a request, or undefined when there is none. `Bearer undefined` (sent
 * by clients that never logged in) and an empty value count as none, and so does another
 * scheme (the header may belong to a proxy in front of us).
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^\s*bearer(?:\s+(.*))?$/i.exec(header);
  if (!match) return undefined;
  const token = (match[1] ?? '').trim();
  if (token === '' || token.toLowerCase() === 'undefined' || token.toLowerCase() === 'null') return undefined;
  return token;
}

/** The holder of a live access token, or a 401 saying what is wrong with it. */
export async function authenticateAccessToken(ctx: AppContext, token: string, nowMs = Date.now()): Promise<TokenHolder> {
  const holder = await findToken(ctx.store.db, token);
  if (!holder) throw invalidToken('the access token is not one this server issued (log in again at /nbia-api/oauth/token)', true);
  if (holder.kind !== 'access') throw invalidToken('a refresh token cannot be used as an access token; send the access_token', true);
  if (holder.revoked) throw invalidToken('the access token has been revoked (logged out); log in again', true);
  if (holder.expiresAtMs <= nowMs) throw invalidToken('the access token has expired; refresh it or log in again', true);
  return holder;
}

export async function resolveViewer(ctx: AppContext, request: FastifyRequest, family: Family): Promise<Viewer> {
  const token = bearerToken(request);
  if (token === undefined) {
    if (allowsAnonymous(family)) return GUEST;
    throw invalidToken('this endpoint needs a bearer token: log in at /nbia-api/oauth/token (nbia_guest with an empty password for public data)', false);
  }
  const holder = await authenticateAccessToken(ctx, token);
  // A public-only host serves public collections to everyone, whoever the token names.
  if (ctx.options.publicOnly || holder.userName === GUEST_NAME) return GUEST;
  return { kind: 'user', userId: holder.userId, name: holder.userName };
}
