// The OAuth2 token endpoint's grants (password and refresh_token), answering with the
// field set every NBIA client reads (Keycloak's superset), and logout.
import type { AppContext } from '../context.js';
import { GUEST_NAME } from '../archive/access.js';
import { ApiError, badRequest } from '../errors.js';
import { recordAudit } from './audit.js';
import { ensureGuestUser, findUser, userNameProblem } from './accounts.js';
import { verifyPassword } from './passwords.js';
import {
  accountKey,
  addressKey,
  clearLoginFailures,
  lockRemainingMs,
  pruneLoginFailures,
  recordLoginFailure,
  type ThrottleKey,
} from './throttle.js';
import { findToken, issueTokens, pruneExpiredTokens, revokeSession, rotateRefreshToken, type IssuedTokens, type Lifetimes } from './tokens.js';
import { invalidToken } from './viewer.js';

/** The client ids NBIA clients send: the Data Retriever and nbiatoolkit, tcia_utils 2.x/3.0, tcia_utils 1.x. */
export const CLIENT_IDS: ReadonlySet<string> = new Set(['NBIA', 'nbia', 'nbiaRestAPIClient']);

export interface TokenReply {
  access_token: string;
  expires_in: number;
  refresh_expires_in: number;
  refresh_token: string;
  token_type: 'Bearer';
  id_token: string;
  'not-before-policy': 0;
  session_state: string;
  scope: string;
}

export interface TokenRequest {
  /** The form fields (parsed body). */
  fields: unknown;
  /** The client address, for throttling and the audit trail. */
  address: string;
  /** A client id sent with HTTP Basic authentication, if any. */
  basicClientId?: string;
}

type Fields = Record<string, unknown>;

function field(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once, as text`);
  return value;
}

function requiredField(fields: Fields, name: string, why: string): string {
  const value = field(fields, name);
  if (value === undefined || value === '') throw badRequest(`${name} is required ${why}`);
  return value;
}

const invalidGrant = (message: string) => new ApiError('invalid_grant', message);

function tooManyAttempts(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError('too_many_requests', `too many failed logins: try again in ${seconds} s`, { 'Retry-After': String(seconds) });
}

function lifetimes(ctx: AppContext): Lifetimes {
  return { accessSeconds: ctx.options.tokenLifetimeSeconds, refreshSeconds: ctx.options.refreshLifetimeSeconds };
}

function reply(tokens: IssuedTokens): TokenReply {
  return {
    access_token: tokens.accessToken,
    expires_in: tokens.expiresIn,
    refresh_expires_in: tokens.refreshExpiresIn,
    refresh_token: tokens.refreshToken,
    token_type: 'Bearer',
    id_token: tokens.idToken,
    'not-before-policy': 0,
    session_state: tokens.sessionId,
    scope: 'openid profile email',
  };
}

/** Housekeeping of expired rows, at most once a minute per database handle. */
const lastPrune = new WeakMap<object, number>();
async function pruneNowAndThen(ctx: AppContext, nowMs: number): Promise<void> {
  if (nowMs - (lastPrune.get(ctx.store.db) ?? 0) < 60_000) return;
  lastPrune.set(ctx.store.db, nowMs);
  await pruneExpiredTokens(ctx.store.db, nowMs);
  await pruneLoginFailures(ctx.store.db, nowMs);
}

export async function handleTokenRequest(ctx: AppContext, request: TokenRequest): Promise<TokenReply> {
  const fields: Fields = request.fields !== null && typeof request.fields === 'object' ? (request.fields as Fields) : {};
  const grantType = requiredField(fields, 'grant_type', '(password or refresh_token)');
  const clientId = field(fields, 'client_id') ?? request.basicClientId;
  if (clientId !== undefined && clientId !== '' && !CLIENT_IDS.has(clientId)) {
    throw new ApiError('invalid_client', `unknown client_id "${clientId}": use NBIA`, { 'WWW-Authenticate': 'Basic realm="nbia-api"' });
  }
  switch (grantType.toLowerCase()) {
    case 'password':
      return reply(await passwordGrant(ctx, fields, request.address, clientId));
    case 'refresh_token':
      return reply(await refreshGrant(ctx, fields, request.address));
    default:
      throw new ApiError('unsupported_grant_type', `grant_type "${grantType}" is not supported: use password or refresh_token`);
  }
}

async function passwordGrant(ctx: AppContext, fields: Fields, address: string, clientId: string | undefined): Promise<IssuedTokens> {
  const db = ctx.store.db;
  const username = requiredField(fields, 'username', 'for grant_type=password');
  const client = `client ${clientId || '-'}`;

  if (username === GUEST_NAME) {
    // The guest logs in with any password, the empty one included: it sees public data only.
    const now = Date.now();
    const tokens = await issueTokens(db, await ensureGuestUser(db), lifetimes(ctx), now);
    await recordAudit(db, { event: 'login', user: GUEST_NAME, address, detail: `${client}; session ${tokens.sessionId}` });
    await pruneNowAndThen(ctx, now);
    return tokens;
  }
  if (ctx.options.publicOnly) {
    await recordAudit(db, { event: 'login_failed', user: username.slice(0, 128), address, detail: 'public-only server' });
    throw invalidGrant(`this server is public-only: only ${GUEST_NAME} can log in`);
  }
  const password = field(fields, 'password');
  if (password === undefined) throw badRequest('password is required for grant_type=password');

  // A name no account can have gets no counter of its own (and cannot bloat the table);
  // it still costs a verification and counts against the address.
  const possibleAccount = userNameProblem(username) === null;
  const shownName = possibleAccount ? username : `${username.slice(0, 64)}...`;
  const keys: ThrottleKey[] = possibleAccount ? [accountKey(username)] : [];
  if (address) keys.push(addressKey(address));
  const waitMs = await lockRemainingMs(db, keys, Date.now());
  if (waitMs > 0) throw tooManyAttempts(waitMs);

  const user = possibleAccount ? await findUser(db, username) : undefined;
  const valid = await verifyPassword(user?.password_hash, password);
  if (!user || !valid) {
    const lockedMs = await recordLoginFailure(db, keys, Date.now());
    const notes = [client, user ? 'wrong password' : 'no such account'];
    if (lockedMs > 0) notes.push(`further logins refused for ${Math.ceil(lockedMs / 1000)} s`);
    await recordAudit(db, { event: 'login_failed', user: shownName, address, detail: notes.join('; ') });
    throw invalidGrant('Invalid user credentials');
  }
  await clearLoginFailures(db, accountKey(username));
  const now = Date.now();
  const tokens = await issueTokens(db, Number(user.id), lifetimes(ctx), now);
  await recordAudit(db, { event: 'login', user: username, address, detail: `${client}; session ${tokens.sessionId}` });
  await pruneNowAndThen(ctx, now);
  return tokens;
}

async function refreshGrant(ctx: AppContext, fields: Fields, address: string): Promise<IssuedTokens> {
  const db = ctx.store.db;
  const refreshToken = requiredField(fields, 'refresh_token', 'for grant_type=refresh_token');
  const now = Date.now();
  const holder = await findToken(db, refreshToken);
  // Refresh tokens are 256-bit random values: guessing is hopeless, so unknown ones are not audited.
  if (!holder || holder.kind !== 'refresh') throw invalidGrant('the refresh token is not one this server issued; log in again');
  const refuse = async (reason: string) => {
    await recordAudit(db, { event: 'refresh_failed', user: holder.userName, address, detail: `${reason}; session ${holder.sessionId}` });
    return invalidGrant(`${reason}; log in again`);
  };
  if (holder.revoked) throw await refuse('the refresh token has already been used or was revoked');
  if (holder.expiresAtMs <= now) throw await refuse('the refresh token has expired');
  if (ctx.options.publicOnly && holder.userName !== GUEST_NAME) throw await refuse(`this server is public-only: only ${GUEST_NAME} sessions continue`);
  const tokens = await rotateRefreshToken(db, refreshToken, holder, lifetimes(ctx), now);
  if (!tokens) throw await refuse('the refresh token has already been used or was revoked');
  await recordAudit(db, { event: 'refresh', user: holder.userName, address, detail: `session ${holder.sessionId}` });
  return tokens;
}

/**
 * Ends the session of the bearer access token: its access and refresh tokens are revoked
 * at once, on every node. An expired (but not revoked) access token may still end its
 * session, since logging out only takes rights away.
 */
export async function logout(ctx: AppContext, token: string | undefined, address: string): Promise<{ message: string; session_state: string }> {
  if (token === undefined) throw invalidToken('logout needs the session\'s access token as "Authorization: Bearer <token>"', false);
  const holder = await findToken(ctx.store.db, token);
  if (!holder) throw invalidToken('the access token is not one this server issued', true);
  if (holder.kind !== 'access') throw invalidToken('a refresh token cannot be used as an access token; send the access_token', true);
  if (holder.revoked) throw invalidToken('the access token has been revoked already (logged out)', true);
  const revoked = await revokeSession(ctx.store.db, holder.sessionId, Date.now());
  await recordAudit(ctx.store.db, { event: 'logout', user: holder.userName, address, detail: `session ${holder.sessionId}; ${revoked} token(s) revoked` });
  return { message: 'You have logged out successfully: the access and refresh tokens of this session are revoked.', session_state: holder.sessionId };
}
