// A `fetch` for the command-line downloader, over node:http and node:https.
//
// Why not the global fetch: its body is a WHATWG stream fed by undici, and reading a 1 GiB
// series archive through it cost the downloader about twice the CPU of reading the same
// bytes from a node:http response (measured with `--cpu-prof` on `npm run bench --
// download-cli`: undici's stream controller, the web-stream queue and the garbage of a
// promise per chunk). On two cores that CPU is taken from hashing and from the server.
//
// The client library stays `fetch` only (it runs in browsers); this module gives it a fetch
// whose Responses carry, beside their web body, the node:http message they came from.
// `nodeBody(res)` hands that message to the downloader, which reads it directly; the web
// body is made only when something reads it (error bodies, JSON answers), so the two never
// compete for the bytes.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';

const MAX_REDIRECTS = 20;
/** Like undici's body timeout: a server that sends nothing for this long is given up on. */
const IDLE_TIMEOUT_MS = 300_000;

const nodeBodies = new WeakMap<Response, IncomingMessage>();

/** The node:http message behind a Response of `createHttpFetch`, unread, or undefined. */
export function nodeBody(res: Response): IncomingMessage | undefined {
  return nodeBodies.get(res);
}

export interface HttpFetch {
  fetch: typeof fetch;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function createHttpFetch(): HttpFetch {
  // Kept alive: a run asks for the metadata, then one ZIP per series, from one server.
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    let method = (init?.method ?? 'GET').toUpperCase();
    let body = init?.body ?? undefined;
    if (body !== undefined && typeof body !== 'string') throw new TypeError('this fetch sends string bodies only');
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    for (let redirects = 0; ; redirects++) {
      const msg = await send(url, method, headers, body, agents, init?.signal ?? undefined);
      const status = msg.statusCode ?? 0;
      const location = msg.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location && redirects < MAX_REDIRECTS) {
        msg.resume();
        url = new URL(location, url);
        // As fetch does: 303, and 301/302 after a POST, turn into a GET without a body.
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        continue;
      }
      return toResponse(msg, method);
    }
  };
  return {
    fetch: fetchFn as typeof fetch,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  agents: { 'http:': http.Agent; 'https:': https.Agent },
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!lib) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, agent: agents[url.protocol as 'http:' | 'https:'], signal }, resolve);
    req.on('error', reject);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.end(body);
  });
}

function toResponse(msg: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < msg.rawHeaders.length; i += 2) headers.append(msg.rawHeaders[i]!, msg.rawHeaders[i + 1]!);
  const status = msg.statusCode ?? 0;
  const bodyless = method === 'HEAD' || status === 204 || status === 304;
  if (bodyless) msg.resume();
  const res = new Response(bodyless ? null : lazyWebBody(msg), { status, statusText: msg.statusMessage, headers });
  if (!bodyless) nodeBodies.set(res, msg);
  return res;
}

/**
 * A web stream over the message that takes nothing from it until it is read: its
 * high-water mark of 0 stops the stream from pulling a first chunk ahead, which would steal
 * it from a reader of `nodeBody`.
 */
function lazyWebBody(msg: IncomingMessage): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Buffer> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= msg[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      },
      cancel() {
        msg.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
