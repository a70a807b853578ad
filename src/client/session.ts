// Who the client asks as. The guest by default (NBIA's `nbia_guest`, any password), logged
// in lazily the first time an endpoint needs a bearer (v2 and the unversioned family); or a
// user after login(). The access token is refreshed shortly before it expires (NBIA clients
// all refresh by clock: the server's expires_in is truthful); when the refresh token is gone
// too (expired, used, or the server revoked the session) the session logs in again with the
// password it was given. logout() ends the session on the server.
import { httpError, NbiaNetworkError, NbiaResponseError } from './errors.js';

export const GUEST = 'nbia_guest';

/** What a token endpoint answers (the superset api-policy.md lists; only these fields are read). */
interface TokenReply {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  refresh_expires_in?: unknown;
}

interface Tokens {
  access: string;
  accessExpiresAt: number;
  refresh: string | undefined;
  refreshExpiresAt: number;
}

export interface SessionOptions {
  fetch: typeof fetch;
  /** The API root, `.../nbia-api`. */
  root: string;
  /** The OAuth client id sent with every grant; NBIA accepts `NBIA`. */
  clientId?: string;
  /** The clock (ms since the epoch), replaceable in tests. */
  now?: () => number;
}

/** Refresh this long before the access token expires (or at 90% of a short lifetime). */
const REFRESH_MARGIN_MS = 60_000;

export class Session {
  private user = GUEST;
  private password = '';
  private tokens: Tokens | undefined;
  private pending: Promise<string> | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly root: string;
  private readonly clientId: string;
  private readonly now: () => number;

  constructor(options: SessionOptions) {
    this.fetchFn = options.fetch;
    this.root = options.root;
    this.clientId = options.clientId ?? 'NBIA';
    this.now = options.now ?? (() => Date.now());
  }

  /** The account asked as: `nbia_guest` unless logged in. */
  get userName(): string {
    return this.user;
  }

  get isGuest(): boolean {
    return this.user === GUEST;
  }

  /** Whether a token is held now (the guest has none until an endpoint needs one). */
  get hasToken(): boolean {
    return this.tokens !== undefined;
  }

  /**
   * Logs in as `user` (checking the password at once); later requests ask as that user.
   * A refused login leaves the session as it was.
   */
  async login(user: string, password: string): Promise<void> {
    const before = { user: this.user, password: this.password, tokens: this.tokens };
    this.user = user;
    this.password = password;
    this.tokens = undefined;
    this.pending = undefined;
    try {
      await this.accessToken();
    } catch (err) {
      ({ user: this.user, password: this.password, tokens: this.tokens } = before);
      throw err;
    }
  }

  /** Ends the session on the server (when one is held) and goes back to the guest. */
  async logout(): Promise<void> {
    const tokens = this.tokens;
    this.tokens = undefined;
    this.pending = undefined;
    this.user = GUEST;
    this.password = '';
    if (!tokens) return;
    const url = `${this.root}/logout`;
    let res: Response;
    try {
      res = await this.fetchFn(url, { method: 'GET', headers: { authorization: `Bearer ${tokens.access}` } });
    } catch (err) {
      throw new NbiaNetworkError(`logout failed: ${(err as Error).message}`, url, { cause: err });
    }
    await res.body?.cancel();
    // A token the server already forgot is logged out all the same.
    if (!res.ok && res.status !== 401) throw httpError(res.status, undefined, `logout failed: ${res.statusText}`, url);
  }

  /** Forgets the access token, so the next request refreshes or logs in (after a 401). */
  invalidate(): void {
    if (this.tokens) this.tokens.accessExpiresAt = 0;
  }

  /** A valid access token: the one held, a refreshed one, or one from a new login. */
  async accessToken(): Promise<string> {
    const t = this.tokens;
    if (t && this.now() < t.accessExpiresAt) return t.access;
    // One refresh at a time: parallel requests share it (a refresh token works once).
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async renew(): Promise<string> {
    const t = this.tokens;
    if (t?.refresh && this.now() < t.refreshExpiresAt) {
      try {
        return this.keep(await this.grant({ grant_type: 'refresh_token', refresh_token: t.refresh }));
      } catch (err) {
        // A refused refresh (expired, used, revoked) means a new login; a network error does not.
        if (err instanceof NbiaNetworkError) throw err;
      }
    }
    return this.keep(await this.grant({ grant_type: 'password', username: this.user, password: this.password }));
  }

  private keep(reply: TokenReply): string {
    if (typeof reply.access_token !== 'string' || reply.access_token === '') {
      throw new NbiaResponseError('the token endpoint answered without an access_token');
    }
    const now = this.now();
    const lifetimeMs = secondsToMs(reply.expires_in, 300);
    const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10);
    this.tokens = {
      access: reply.access_token,
      accessExpiresAt: now + lifetimeMs - margin,
      refresh: typeof reply.refresh_token === 'string' && reply.refresh_token !== '' ? reply.refresh_token : undefined,
      // Some servers do not say how long the refresh token lives: then try it and see.
      refreshExpiresAt: now + secondsToMs(reply.refresh_expires_in, Number.MAX_SAFE_INTEGER / 2000) - margin,
    };
    return reply.access_token;
  }

  private async grant(fields: Record<string, string>): Promise<TokenReply> {
    const url = `${this.root}/oauth/token`;
    const body = new URLSearchParams({ ...fields, client_id: this.clientId });
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
      });
    } catch (err) {
      throw new NbiaNetworkError(`the token endpoint could not be reached: ${(err as Error).message}`, url, { cause: err });
    }
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const code = typeof json?.error === 'string' ? json.error : undefined;
      const message = typeof json?.error_description === 'string' ? json.error_description : text || res.statusText;
      throw httpError(res.status, code, message, url);
    }
    if (!json) throw new NbiaResponseError(`the token endpoint answered ${res.status} without a JSON body (${url})`);
    return json;
  }
}

function secondsToMs(value: unknown, fallbackSeconds: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return (Number.isFinite(n) && n > 0 ? n : fallbackSeconds) * 1000;
}
