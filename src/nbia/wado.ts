// WADO-URI on the NBIA face (nbia-api-spec §5.21, PS3.18 §9): `v1/wado` (GET) and
// `v1/getWado`, `getWado` (POST, parameters in the form body or the query). One instance by
// its three UIDs, through the viewer's scope (a restricted instance does not exist for one
// not granted), as the stored Part 10 bytes (application/dicom, sent and checked like
// getSingleImage) or rendered (image/jpeg, image/png) with PS3.18's rows, columns,
// windowCenter, windowWidth, frameNumber and imageQuality.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scopeFor, type AppContext } from '../context.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { viewerName } from '../archive/access.js';
import { findInstance } from '../archive/instances.js';
import { resolveViewer } from '../auth/viewer.js';
import { singleItemBody } from '../zip/body.js';
import { endpointPaths, type Family } from './families.js';
import { sendBody } from './downloads.js';
import { frameApiError } from '../render/errors.js';
import { renderInstance, type RenderFormat, type RenderOptions } from '../render/render.js';
import { readStoredInstance } from '../render/stored.js';

type Params = Record<string, unknown>;

const MEDIA_TYPES: Readonly<Record<string, RenderFormat | 'dicom'>> = {
  'application/dicom': 'dicom',
  'image/jpeg': 'jpeg',
  'image/png': 'png',
};

/** Parameters that only make sense for a rendered image (PS3.18 §9.1.2: not with application/dicom). */
const IMAGE_ONLY = ['rows', 'columns', 'windowCenter', 'windowWidth', 'frameNumber', 'imageQuality', 'region', 'annotation'] as const;

/** The largest rows/columns a request may ask for; a rendering is never enlarged anyway. */
const MAX_DIMENSION = 16384;

function param(params: Params, name: string): string | undefined {
  const raw = params[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(params: Params, name: string, min: number, max: number): number | undefined {
  const text = param(params, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw badRequest(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return Number(text);
}

function decimal(params: Params, name: string): number | undefined {
  const text = param(params, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(value)) throw badRequest(`${name} must be a decimal number, not ${JSON.stringify(text)}`);
  return value;
}

/**
 * contentType is a comma-separated list of media types in order of preference (PS3.18
 * §9.1.2.1.6), parameters such as ;q= aside; the first one served wins. Absent: image/jpeg.
 */
function chooseFormat(params: Params): RenderFormat | 'dicom' {
  const text = param(params, 'contentType');
  if (text === undefined) return 'jpeg';
  for (const entry of text.split(',')) {
    const format = MEDIA_TYPES[entry.split(';')[0]!.trim().toLowerCase()];
    if (format !== undefined) return format;
  }
  throw new ApiError('unsupported_media_type', `contentType ${JSON.stringify(text)} names no type served here: application/dicom, image/jpeg or image/png`);
}

export interface WadoRequest {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  format: RenderFormat | 'dicom';
  render: Omit<RenderOptions, 'format'>;
}

/** Checks a WADO-URI request's parameters (PS3.18 §9.1.2). Throws ApiError 400/415. */
export function parseWadoRequest(params: Params): WadoRequest {
  const requestType = param(params, 'requestType');
  const uids = ['studyUID', 'seriesUID', 'objectUID'].map((n) => param(params, n));
  const missing = ['requestType', 'studyUID', 'seriesUID', 'objectUID'].filter((n, i) => (i === 0 ? requestType : uids[i - 1]) === undefined);
  if (missing.length > 0) throw badRequest(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  if (requestType !== 'WADO') throw badRequest(`requestType must be WADO, not ${JSON.stringify(requestType)}`);
  const format = chooseFormat(params);
  if (format === 'dicom') {
    const present = IMAGE_ONLY.filter((n) => param(params, n) !== undefined);
    if (present.length > 0) throw badRequest(`${present.join(', ')} cannot be used with contentType application/dicom (PS3.18 §9.1.2)`);
    if (param(params, 'anonymize')?.toLowerCase() === 'yes') throw badRequest('anonymize=yes is not supported: the archive serves instances as stored');
  }
  if (param(params, 'region') !== undefined) throw badRequest('region is not supported: ask for the whole image, scaled with rows and columns');
  const center = decimal(params, 'windowCenter');
  const width = decimal(params, 'windowWidth');
  if ((center === undefined) !== (width === undefined)) throw badRequest('windowCenter and windowWidth go together: give both or neither');
  if (width !== undefined && width < 1) throw badRequest(`windowWidth must be at least 1, not ${width}`);
  const render: WadoRequest['render'] = {
    rows: integer(params, 'rows', 1, MAX_DIMENSION),
    columns: integer(params, 'columns', 1, MAX_DIMENSION),
    frame: integer(params, 'frameNumber', 1, 2 ** 31 - 1),
    quality: integer(params, 'imageQuality', 1, 100),
    window: center !== undefined && width !== undefined ? { center, width } : undefined,
  };
  return { studyInstanceUid: uids[0]!, seriesInstanceUid: uids[1]!, sopInstanceUid: uids[2]!, format, render };
}

const safeFileName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

function wadoHandler(ctx: AppContext, family: Family, name: string, from: 'query' | 'body') {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const viewer = await resolveViewer(ctx, request, family);
    const body = from === 'body' && typeof request.body === 'object' && request.body !== null ? (request.body as Params) : {};
    const wado = parseWadoRequest({ ...((request.query ?? {}) as Params), ...body });
    const instance = await findInstance(scopeFor(ctx, viewer), wado);
    if (instance === undefined) {
      throw notFound(`no instance with objectUID ${wado.sopInstanceUid} in series ${wado.seriesInstanceUid} of study ${wado.studyInstanceUid} is available`);
    }
    if (wado.format === 'dicom') {
      await sendBody(ctx, request, reply, {
        body: singleItemBody({ size: instance.fileSize, crc32: instance.crc32, content: { external: instance } }),
        etag: `"md5-${instance.md5}"`,
        contentType: 'application/dicom',
        disposition: `attachment; filename=${safeFileName(instance.sopInstanceUid)}.dcm`,
        seriesInstanceUid: instance.seriesInstanceUid,
        endpoint: `${family === 'advanced' ? '' : `${family}/`}${name}`,
        userName: viewerName(viewer),
      });
      return;
    }
    const bytes = await readStoredInstance(ctx.blobs, instance);
    let image;
    try {
      image = await renderInstance(bytes, { ...wado.render, format: wado.format });
    } catch (error) {
      throw frameApiError(error);
    }
    return reply.header('content-type', image.contentType).header('cache-control', 'private').send(image.body);
  };
}

const SUMMARY =
  'WADO-URI (PS3.18 §9): requestType=WADO, studyUID, seriesUID, objectUID (required); contentType application/dicom (the stored file), ' +
  'image/jpeg (default) or image/png (rendered), with rows, columns, windowCenter, windowWidth, frameNumber, imageQuality.';

export function registerWadoRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const url of endpointPaths('v1', 'wado')) {
    app.route({ method: ['GET', 'HEAD'], url, schema: { tags: ['wado'], summary: SUMMARY }, handler: wadoHandler(ctx, 'v1', 'wado', 'query') });
  }
  for (const family of ['v1', 'advanced'] as const) {
    for (const url of endpointPaths(family, 'getWado')) {
      app.route({ method: 'POST', url, schema: { tags: ['wado'], summary: SUMMARY }, handler: wadoHandler(ctx, family, 'getWado', 'body') });
    }
  }
}
