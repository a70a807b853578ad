// One NBIA endpoint, declared once: its name, families, method, parameters (for the docs
// and the required-parameter check) and a handler that receives an AccessScope — never the
// database — and returns a Table (rendered in the requested format) or a raw body.
// registerEndpoint() is the only way an endpoint reaches the router, and it resolves the
// viewer before the handler runs, so no endpoint can skip the access policy.
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessScope } from '../archive/access.js';
import { FIRST_PAGE_SIZE } from '../archive/queries/paging.js';
import { resolveViewer } from '../auth/viewer.js';
import { scopeFor, type AppContext } from '../context.js';
import { CONTENT_TYPE, parseFormat, render, renderPages, type Format } from '../formats/index.js';
import type { PagedTable, Row, Table } from '../formats/table.js';
import { allowsAnonymous, endpointPaths, type Family } from './families.js';
import { Params, requireAll } from './params.js';

export interface ParamDef {
  name: string;
  description: string;
  required?: boolean;
}

export interface RawBody {
  raw: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
  status?: number;
}

export type EndpointResult = Table | PagedTable | RawBody;

/**
 * A JSON answer an endpoint builds itself (objects, or arrays whose null values must stay
 * `null` the way the original's Jackson writes them). Tables go through the format writers
 * instead, which omit nulls as NBIA's row endpoints do.
 */
export function jsonBody(value: unknown): RawBody {
  return { raw: JSON.stringify(value), contentType: CONTENT_TYPE.json };
}

export interface EndpointCall {
  scope: AccessScope;
  family: Family;
  params: Params;
  ctx: AppContext;
  request: FastifyRequest;
}

export interface EndpointDef {
  name: string;
  families: readonly Family[];
  method: 'GET' | 'POST';
  summary: string;
  params: readonly ParamDef[];
  /** Whether `format` applies, and its default (v4 getSeriesMetadata answers CSV by default). */
  format?: { default: Format } | false;
  handler(call: EndpointCall): Promise<EndpointResult>;
}

function isRaw(result: EndpointResult): result is RawBody {
  return (result as RawBody).raw !== undefined;
}

export function registerEndpoint(app: FastifyInstance, ctx: AppContext, def: EndpointDef): void {
  for (const family of def.families) {
    endpointPaths(family, def.name).forEach((url, i) => {
      const paramSchema = {
        type: 'object',
        additionalProperties: true,
        properties: Object.fromEntries(
          [...def.params, ...(def.format === false ? [] : [{ name: 'format', description: 'json (default), csv, xml or html' }])].map(
            (p) => [p.name, { description: (p as ParamDef).required ? `${p.description} (required)` : p.description, anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }],
          ),
        ),
      };
      app.route({
        method: def.method,
        url,
        schema: {
          summary: def.summary,
          tags: [family],
          // The /nbia-api/<family>/ aliases are the same resources: document each endpoint once.
          hide: i > 0,
          ...(allowsAnonymous(family) ? {} : { security: [{ bearer: [] }] }),
          ...(def.method === 'GET' ? { querystring: paramSchema } : { body: paramSchema, consumes: ['application/x-www-form-urlencoded'] }),
        },
        // Parameters are checked by the handler (with NBIA's own messages), not by the schema.
        validatorCompiler: () => () => true,
        handler: (request, reply) => handle(ctx, def, family, request, reply),
      });
    });
  }
}

async function handle(ctx: AppContext, def: EndpointDef, family: Family, request: FastifyRequest, reply: FastifyReply) {
  const viewer = await resolveViewer(ctx, request, family);
  const params = new Params(
    def.method === 'POST' ? (request.body as Record<string, unknown> | undefined) : undefined,
    request.query as Record<string, unknown>,
  );
  const format = def.format === false ? 'json' : parseFormat(params.get('format'), def.format?.default ?? 'json');
  requireAll(params, def.params.filter((p) => p.required).map((p) => p.name));
  const result = await def.handler({ scope: scopeFor(ctx, viewer), family, params, ctx, request });
  if (isRaw(result)) {
    return reply.code(result.status ?? 200).headers(result.headers ?? {}).type(result.contentType).send(result.raw);
  }
  reply.type(CONTENT_TYPE[format]);
  if (!('pages' in result)) return reply.send(render(result, format));
  return sendPaged(reply, result, format);
}

/**
 * A paged listing. Its first page is read before anything is sent, so that a failing query
 * is still a clean error answer and a short listing (the usual case: one page) goes out
 * whole like any other. A longer one is streamed page by page: the stream waits for the
 * socket (memory stays at a page or two whatever the listing's length), and each page after
 * the first waits its turn behind the requests that came meanwhile (setImmediate runs after
 * pending I/O), so a 200,000-row listing never stalls other clients.
 */
/** Rows rendered and written in one turn of a streamed listing. */
const SLICE_ROWS = 200;

function* slices(rows: readonly Row[]): Generator<readonly Row[]> {
  for (let i = 0; i < rows.length; i += SLICE_ROWS) yield rows.slice(i, i + SLICE_ROWS);
}

async function sendPaged(reply: FastifyReply, table: PagedTable, format: Format) {
  const pages = table.pages[Symbol.asyncIterator]();
  const first = await pages.next();
  // A full first page (FIRST_PAGE_SIZE rows, see paging.ts) means more may follow: stream
  // at once rather than wait for a second page's query before the first byte (a
  // 200,000-series listing must start within 100 ms). A shorter one is the whole listing,
  // or the last page of one whose pages are smaller.
  const second = first.done || first.value.length >= FIRST_PAGE_SIZE ? undefined : await pages.next();
  if (first.done || second?.done) return reply.send(render({ columns: table.columns, rows: first.done ? [] : first.value }, format));
  // Written a slice at a time, other requests taking their turn between slices: on SQLite a
  // page's query runs on the event loop itself, so only short turns keep the others' waits
  // short (the page's query, then one slice, never a whole page's rendering on top).
  const rest: AsyncIterable<readonly Row[]> = {
    [Symbol.asyncIterator]: async function* () {
      yield* slices(first.value);
      if (second !== undefined) yield* slices(second.value);
      for (let next = await pages.next(); !next.done; next = await pages.next()) yield* slices(next.value);
    },
  };
  const body = Readable.from(renderPages({ columns: table.columns, pages: rest }, format, () => nextTurn()), { objectMode: false });
  return reply.send(body);
}
