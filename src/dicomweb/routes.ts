// The DICOMweb face (PS3.18) at /dicomweb: QIDO-RS searches and WADO-RS retrieval. Every
// route resolves its viewer first, as the NBIA API does: a bearer token from the OAuth2
// endpoint is honoured, a request without one is the guest (public collections only), and
// what the viewer may not see is answered exactly like what does not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveViewer } from '../auth/viewer.js';
import { scopeFor, type AppContext } from '../context.js';
import { badRequest } from '../errors.js';
import type { AccessScope } from '../archive/access.js';
import { acceptDicomJson } from './accept.js';
import { DICOM_JSON } from './json.js';
import { search, type SearchPath } from './qido.js';
import { isUid } from './uids.js';
import { bulkData, metadata, retrieve, type Target } from './wado.js';
import { frames, rendered, thumbnail, type ImageAnswer } from './pixels.js';

export const DICOMWEB_ROOT = '/dicomweb';

/** DICOMweb answers a request without a token as the guest, as the NBIA v1 and v4 families do. */
const ANONYMOUS_AS_GUEST = 'v4';

type Params = Record<string, string | undefined>;

function uid(params: Params, name: 'study' | 'series' | 'instance', label: string): string {
  const value = params[name] ?? '';
  if (!isUid(value)) throw badRequest(`${label} "${value}" is not a UID (digits and dots, at most 64 characters)`);
  return value;
}

function targetOf(params: Params): Target {
  const target: Target = { study: uid(params, 'study', 'StudyInstanceUID') };
  if (params.series !== undefined) target.series = uid(params, 'series', 'SeriesInstanceUID');
  if (params.instance !== undefined) target.instance = uid(params, 'instance', 'SOPInstanceUID');
  return target;
}

/** The absolute URL of /dicomweb as the client reached it (behind a proxy: with --trust-proxy). */
function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${DICOMWEB_ROOT}`;
}

async function scopeOf(ctx: AppContext, request: FastifyRequest): Promise<AccessScope> {
  return scopeFor(ctx, await resolveViewer(ctx, request, ANONYMOUS_AS_GUEST));
}

const STUDY = '/studies/:study';
const SERIES = `${STUDY}/series/:series`;
const INSTANCE = `${SERIES}/instances/:instance`;

export function registerDicomwebRoutes(app: FastifyInstance, ctx: AppContext): void {
  const get = (url: string, summary: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    app.get(`${DICOMWEB_ROOT}${url}`, { schema: { summary, tags: ['dicomweb'] } }, handler);

  // QIDO-RS
  const searches: Array<[string, (p: Params) => SearchPath]> = [
    ['/studies', () => ({ level: 'study' })],
    ['/series', () => ({ level: 'series' })],
    ['/instances', () => ({ level: 'instance' })],
    [`${STUDY}/series`, (p) => ({ level: 'series', study: uid(p, 'study', 'StudyInstanceUID') })],
    [`${STUDY}/instances`, (p) => ({ level: 'instance', study: uid(p, 'study', 'StudyInstanceUID') })],
    [`${SERIES}/instances`, (p) => ({ level: 'instance', study: uid(p, 'study', 'StudyInstanceUID'), series: uid(p, 'series', 'SeriesInstanceUID') })],
  ];
  for (const [url, where] of searches) {
    get(url, `QIDO-RS: search ${url}`, async (request, reply) => {
      const path = where(request.params as Params);
      acceptDicomJson(request.headers.accept);
      const scope = await scopeOf(ctx, request);
      const answer = await search(scope, path, request.query as Record<string, unknown>, baseUrl(request));
      if (answer.warnings.length > 0) reply.header('Warning', answer.warnings.map((w) => `299 nbia-archive "${w.replace(/"/g, "'")}"`).join(', '));
      return reply.type(DICOM_JSON).send(JSON.stringify(answer.body));
    });
  }

  // WADO-RS: the stored instances, and their metadata.
  for (const url of [STUDY, SERIES, INSTANCE]) {
    get(url, 'WADO-RS: the stored instances as multipart/related; type="application/dicom"', async (request, reply) => {
      const target = targetOf(request.params as Params);
      const scope = await scopeOf(ctx, request);
      const answer = await retrieve(scope, ctx.blobs, target, request.headers.accept, baseUrl(request));
      return reply.type(answer.contentType).send(answer.body);
    });
    get(`${url}/metadata`, 'WADO-RS: metadata as DICOM JSON, with BulkDataURIs', async (request, reply) => {
      const target = targetOf(request.params as Params);
      acceptDicomJson(request.headers.accept);
      const scope = await scopeOf(ctx, request);
      const body = await metadata(scope, ctx.blobs, target, baseUrl(request));
      return reply.type(DICOM_JSON).send(body);
    });
  }
  get(`${INSTANCE}/bulkdata/*`, 'WADO-RS: one bulk data value named by a BulkDataURI', async (request, reply) => {
    const params = request.params as Params;
    const target = targetOf(params) as Required<Target>;
    const scope = await scopeOf(ctx, request);
    const answer = await bulkData(scope, ctx.blobs, target, params['*'] ?? '');
    return reply.type(answer.contentType).send(answer.body);
  });

  // WADO-RS pixels: frames as stored, rendered images and thumbnails.
  const image = (reply: FastifyReply, answer: ImageAnswer) => reply.headers(answer.headers ?? {}).type(answer.contentType).send(answer.body);
  get(`${INSTANCE}/frames/:frames`, 'WADO-RS: frames as stored, multipart/related', async (request, reply) => {
    const params = request.params as Params;
    const target = targetOf(params) as Required<Target>;
    const scope = await scopeOf(ctx, request);
    const answer = await frames(scope, ctx.blobs, target, params.frames ?? '', request.headers.accept);
    return reply.type(answer.contentType).send(answer.body);
  });
  for (const [url, withFrame] of [[`${INSTANCE}/rendered`, false], [`${INSTANCE}/frames/:frames/rendered`, true]] as const) {
    get(url, 'WADO-RS: rendered as image/jpeg or image/png (quality, viewport, window)', async (request, reply) => {
      const params = request.params as Params;
      const target = targetOf(params) as Required<Target>;
      const scope = await scopeOf(ctx, request);
      return image(reply, await rendered(scope, ctx.blobs, target, withFrame ? (params.frames ?? '') : undefined, request.query as Record<string, unknown>, request.headers.accept));
    });
  }
  for (const url of [STUDY, SERIES, INSTANCE]) {
    get(`${url}/thumbnail`, 'WADO-RS: a small rendered image (the series thumbnail is cached)', async (request, reply) => {
      const target = targetOf(request.params as Params);
      const scope = await scopeOf(ctx, request);
      return image(reply, await thumbnail(scope, ctx.blobs, target, request.query as Record<string, unknown>, request.headers.accept));
    });
  }
}
