// NbiaClient: the typed NBIA client. `fetch` only, so it runs unchanged in Node and in
// browsers. It works against any NBIA server (ours, TCIA's public API): the base URL is the
// only setting, and the differences between servers are absorbed here:
// - no rows may come as `[]`, as an empty body or as `204 No Content` (the original);
// - the original answers `[{}]` for an unknown series in some endpoints: empty rows are dropped;
// - a server that ignores `format=json` and answers CSV still gives typed rows;
// - errors may be OAuth2 JSON (`{error, error_description}`) or a plain text body.
import type { AdvancedApi, CallOptions, DownloadOptions, Format, SearchCriterion, V1Api, V2Api, V4Api } from './api.js';
import { apiRoot, endpointUrl, type Family } from './base-url.js';
import { csvObjects } from './csv.js';
import { ENDPOINTS, functionName, type EndpointInfo } from './endpoints.js';
import { httpError, NbiaAuthError, NbiaNetworkError, NbiaResponseError } from './errors.js';
import { Session } from './session.js';

export interface NbiaClientOptions {
  /** Any URL of the server: its origin, `.../nbia-api/services/`, or a manifest's downloadServerUrl. */
  baseUrl: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** OAuth client id (default `NBIA`). */
  clientId?: string;
  /** The clock, for tests of token expiry. */
  now?: () => number;
}

type ParamValue = string | number | boolean | readonly string[] | readonly SearchCriterion[] | undefined;
type Params = Record<string, ParamValue>;
type Options = CallOptions & { format?: Format } & DownloadOptions;

export class NbiaClient {
  /** The API root, `<origin>/nbia-api`. */
  readonly root: string;
  readonly session: Session;
  readonly v1: V1Api;
  readonly v2: V2Api;
  readonly v4: V4Api;
  readonly advanced: AdvancedApi;
  private readonly fetchFn: typeof fetch;

  constructor(options: NbiaClientOptions | string) {
    const opts = typeof options === 'string' ? { baseUrl: options } : options;
    this.root = apiRoot(opts.baseUrl);
    // Bound so that a browser's fetch is not called with the client as `this`.
    const f = opts.fetch ?? globalThis.fetch;
    this.fetchFn = (input, init) => f(input, init);
    this.session = new Session({ fetch: this.fetchFn, root: this.root, clientId: opts.clientId, now: opts.now });
    this.v1 = this.family('v1') as unknown as V1Api;
    this.v2 = this.family('v2') as unknown as V2Api;
    this.v4 = this.family('v4') as unknown as V4Api;
    this.advanced = this.family('advanced') as unknown as AdvancedApi;
  }

  /** Logs in with a password; every later request asks as that user. */
  login(user: string, password: string): Promise<void> {
    return this.session.login(user, password);
  }

  /** Ends the session on the server and goes back to the guest. */
  logout(): Promise<void> {
    return this.session.logout();
  }

  /**
   * The Authorization header a request of `family` carries now, renewing the token when it
   * is due; undefined when it carries none (v1 and v4 answer the guest without a token; v2
   * and the unversioned endpoints need one).
   */
  async authorization(family: Family): Promise<string | undefined> {
    const needsToken = family === 'v2' || family === 'advanced' || !this.session.isGuest || this.session.hasToken;
    return needsToken ? `Bearer ${await this.session.accessToken()}` : undefined;
  }

  /** Whether the server answers its health check (`services/up`). */
  async isUp(options: CallOptions = {}): Promise<boolean> {
    try {
      const res = await this.fetchFn(`${this.root}/services/up`, { signal: options.signal });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private family(family: Family): Record<string, (params?: Params, options?: Options) => Promise<unknown>> {
    return Object.fromEntries(
      ENDPOINTS.filter((e) => e.family === family).map((e) => [functionName(e), (params?: Params, options?: Options) => this.call(e, params ?? {}, options ?? {})]),
    );
  }

  /** Calls one endpoint and reads its answer as ENDPOINTS says. */
  async call(endpoint: EndpointInfo, params: Params, options: Options = {}): Promise<unknown> {
    const fields = encodeParams({ ...params, ...endpoint.fixed });
    const wantsText = options.format !== undefined && options.format !== 'json';
    if (endpoint.answer === 'rows' || endpoint.answer === 'csv-rows') {
      if (wantsText) fields.push(['format', options.format!]);
      // getSeriesMetadata answers CSV unless told; the others JSON. Sent explicitly for both.
      else if (endpoint.answer === 'csv-rows') fields.push(['format', 'json']);
    }
    const headers: Record<string, string> = {};
    if (endpoint.answer === 'download') {
      if (options.offset !== undefined && options.offset > 0) {
        headers.range = `bytes=${options.offset}-`;
        if (options.ifRange) headers['if-range'] = options.ifRange;
      }
    }
    const res = await this.send(endpoint, fields, headers, options.signal);
    if (endpoint.answer === 'download') return res;
    const text = await res.text();
    if (endpoint.answer === 'text' || wantsText) return text;
    if (endpoint.answer === 'json') {
      if (text.trim() === '') throw new NbiaResponseError(`${endpoint.name} answered an empty body`);
      return parseJson(text, endpoint);
    }
    return readRows(text, res.headers.get('content-type') ?? '', endpoint);
  }

  /** Sends the request with the session's bearer where needed; one retry after a refused token. */
  private async send(endpoint: EndpointInfo, fields: Array<[string, string]>, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const base = endpointUrl(this.root, endpoint.family, endpoint.name);
    const query = new URLSearchParams(fields).toString();
    const url = endpoint.method === 'GET' && query ? `${base}?${query}` : base;
    for (let attempt = 0; ; attempt++) {
      const h: Record<string, string> = { ...headers };
      const authorization = await this.authorization(endpoint.family);
      if (authorization) h.authorization = authorization;
      if (endpoint.method === 'POST') h['content-type'] = 'application/x-www-form-urlencoded';
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: endpoint.method, headers: h, body: endpoint.method === 'POST' ? query : undefined, signal });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new NbiaNetworkError(`${endpoint.family}/${endpoint.name}: ${(err as Error).message}`, base, { cause: err });
      }
      if (res.ok) return res;
      const error = await errorOf(res, base);
      // A token the server no longer knows (revoked, server restarted on a fresh database): renew once.
      if (error instanceof NbiaAuthError && res.status === 401 && authorization && attempt === 0) {
        this.session.invalidate();
        continue;
      }
      throw error;
    }
  }
}

/** Form or query fields: arrays comma-joined (NBIA's `list`), criteria as criteriaType<N>/value<N>/... */
function encodeParams(params: Params): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (name === 'criteria' && Array.isArray(value)) {
      (value as readonly SearchCriterion[]).forEach((c, i) => {
        fields.push([`criteriaType${i}`, c.type]);
        if (c.value !== undefined) fields.push([`value${i}`, c.value]);
        if (c.fromDate !== undefined) fields.push([`fromDate${i}`, c.fromDate]);
        if (c.toDate !== undefined) fields.push([`toDate${i}`, c.toDate]);
        if (c.from !== undefined) fields.push([`from${i}`, String(c.from)]);
        if (c.to !== undefined) fields.push([`to${i}`, String(c.to)]);
      });
    } else if (Array.isArray(value)) {
      fields.push([name, (value as readonly string[]).join(',')]);
    } else {
      fields.push([name, String(value)]);
    }
  }
  return fields;
}

async function errorOf(res: Response, url: string): Promise<Error> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the body broke: the status says enough
  }
  let code: string | undefined;
  let message = text.trim() || res.statusText || `HTTP ${res.status}`;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json.error === 'string') code = json.error;
    if (typeof json.error_description === 'string') message = json.error_description;
    else if (typeof json.message === 'string') message = json.message;
  } catch {
    // a text body (the Java original's messages) is the message
  }
  return httpError(res.status, code, message, url);
}

function parseJson(text: string, endpoint: EndpointInfo): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NbiaResponseError(`${endpoint.family}/${endpoint.name} answered a body that is not JSON: ${text.slice(0, 80)}`);
  }
}

function readRows(text: string, contentType: string, endpoint: EndpointInfo): unknown[] {
  if (text.trim() === '') return []; // the original's empty body (or 204) for no rows
  if (/csv/i.test(contentType)) return csvObjects(text);
  const value = parseJson(text, endpoint);
  const rows = Array.isArray(value) ? value : [value];
  // The original's `[{}]` for an unknown series is no row.
  return rows.filter((r) => !(r !== null && typeof r === 'object' && Object.keys(r as object).length === 0));
}
