// Builds the HTTP server: the NBIA API face, the OAuth2 face and the downloads, with one
// error mapping (ApiError → status + OAuth2-style JSON) and 404/405 for unknown paths.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ApiError } from './errors.js';
import type { AppContext } from './context.js';
import { API_ROOT } from './nbia/families.js';
import { registerNbiaRoutes } from './nbia/routes.js';
import { registerAuthRoutes } from './auth/routes.js';
import { registerDownloadRoutes } from './nbia/downloads.js';
import { registerPortal } from './portal/serve.js';
import { registerDicomwebRoutes } from './dicomweb/routes.js';
import { registerWadoRoutes } from './nbia/wado.js';
import { takeTurns } from './request-turns.js';

export interface BuildOptions {
  logger?: boolean | object;
  /** Behind a reverse proxy: take client addresses (login throttling, audit) from X-Forwarded-For. */
  trustProxy?: boolean;
  https?: { key: Buffer; cert: Buffer } | null;
}

export async function buildServer(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // getSeriesMetadata takes thousands of UIDs in one form field; old clients send long query strings.
    bodyLimit: 32 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    trustProxy: options.trustProxy ?? false,
    ...(options.https ? { https: options.https } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  takeTurns(app);

  // Paths with the methods they answer, so that a wrong method is a 405, not a 404.
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = methodsByPath.get(route.url) ?? new Set<string>();
    for (const m of methods) set.add(String(m).toUpperCase());
    methodsByPath.set(route.url, set);
  });

  // nbiatoolkit sends `Content-Type: application/json` on GETs with no body: accept an empty JSON body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError('invalid_request', 'the request body is not valid JSON'), undefined);
    }
  });
  await app.register(formbody);
  await app.register(cors, { origin: '*', allowedHeaders: ['Authorization', 'Content-Type', 'Range', 'Accept'], exposedHeaders: ['Content-Length', 'Content-Range', 'Content-Disposition', 'Retry-After', 'WWW-Authenticate', 'Warning'] });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'NBIA-compatible imaging archive API',
        version: '0.1.0',
        description:
          'The NBIA REST API (v1, v2, v4 and the unversioned advanced endpoints) as served by this archive. ' +
          'v1 and v4 answer anonymously as the public guest; v2 and the advanced endpoints need a bearer token ' +
          'from POST /nbia-api/oauth/token.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: `${API_ROOT}/docs` });

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      return reply
        .code(err.status)
        .headers(err.headers)
        .type('application/json')
        .send({ error: err.code, error_description: err.message });
    }
    const status = (err as FastifyError).statusCode;
    if ((err as FastifyError).validation || (status !== undefined && status >= 400 && status < 500)) {
      return reply
        .code(status === 413 || status === 415 ? status : 400)
        .type('application/json')
        .send({ error: 'invalid_request', error_description: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).type('application/json').send({ error: 'server_error', error_description: 'internal server error; see the server log' });
  });

  app.setNotFoundHandler((request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '';
    const methods = methodsByPath.get(urlPath) ?? methodsByPath.get(urlPath.replace(/\/$/, ''));
    if (methods && !methods.has(request.method)) {
      return reply
        .code(405)
        .header('Allow', [...methods].join(', '))
        .type('application/json')
        .send({ error: 'method_not_allowed', error_description: `${request.method} is not allowed on ${urlPath}; use ${[...methods].join(' or ')}` });
    }
    return reply.code(404).type('application/json').send({ error: 'not_found', error_description: `no such endpoint: ${urlPath}` });
  });

  for (const url of [`${API_ROOT}/services/up`, `${API_ROOT}/up`]) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain').send('up'));
  }

  registerAuthRoutes(app, ctx);
  registerNbiaRoutes(app, ctx);
  registerDownloadRoutes(app, ctx);
  registerDicomwebRoutes(app, ctx);
  registerWadoRoutes(app, ctx);
  await registerPortal(app);
  return app;
}
