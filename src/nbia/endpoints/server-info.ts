// v1 endpoints about the server rather than the archive (spec §1.1, §5.21): status,
// status/version, status/database (the original's small HTML strings) and
// getUserAgreementTxt, the user-agreement file the administrator configured
// (`nbia serve --user-agreement FILE`), read on each request so an edit shows at once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { notFound } from '../../errors.js';
import type { EndpointDef, RawBody } from '../endpoint.js';

/** The version the original's status endpoints report; Data Retriever builds only print it. */
const API_VERSION = '00.01.00';

const html = (text: string): RawBody => ({ raw: text, contentType: 'text/html; charset=utf-8' });

const statusEndpoint = (name: string, summary: string, body: EndpointDef['handler']): EndpointDef => ({
  name,
  families: ['v1'],
  method: 'GET',
  summary,
  params: [],
  format: false,
  handler: body,
});

export const serverInfoEndpoints: EndpointDef[] = [
  statusEndpoint('status', 'Whether the API runs (HTML)', async () => html(`<p>NBIA Restful Web Service version ${API_VERSION} is running</p>`)),
  statusEndpoint('status/version', 'The API version (HTML)', async () => html(`<p>Version:${API_VERSION}</p>`)),
  // The original's query is commented out and it prints "null"; this one asks the index for real.
  statusEndpoint('status/database', 'The index database answers, with its time (HTML)', async ({ ctx }) => {
    const { rows } = await sql<{ now: string | Date }>`select current_timestamp as now`.execute(ctx.store.db);
    const now = rows[0]?.now;
    // SQLite answers text in UTC, PostgreSQL a Date: both shown as `YYYY-MM-DD HH:MM:SS` UTC.
    const text = now instanceof Date ? now.toISOString().replace('T', ' ').slice(0, 19) : String(now ?? '');
    return html(`<p>Database Status</p> <p>Database Date/Time return: ${text}</p>`);
  }),
  {
    name: 'getUserAgreementTxt',
    families: ['v1'],
    method: 'GET',
    summary: 'The user agreement the administrator configured, as a download; 404 when there is none',
    params: [],
    format: false,
    handler: async ({ ctx, request }) => {
      const file = ctx.options.userAgreementFile;
      if (!file) throw notFound('No user agreement file found: this server has none configured (nbia serve --user-agreement FILE)');
      let text: Buffer;
      try {
        text = await fs.readFile(file);
      } catch (err) {
        request.log.error({ err, file }, 'the configured user-agreement file cannot be read');
        throw notFound('No user agreement file found: the configured file cannot be read; the server log says why');
      }
      const name = path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_');
      return { raw: text, contentType: 'application/octet-stream', headers: { 'Content-Disposition': `attachment; filename="${name}"` } };
    },
  },
];
