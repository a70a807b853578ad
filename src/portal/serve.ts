// Serves the built portal (dist/portal-static, made by Vite at `npm install`) at `/`,
// beside the API under /nbia-api. The portal reads everything through the public API, so
// this is static files only, with a strict Content-Security-Policy: no inline script, and
// data from DICOM headers is never turned into markup by the portal either.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * Where `vite build` writes: dist/portal-static in the checkout. This module runs from
 * src/portal (tsx), dist/portal (tsc) or dist/bundle (the `nbia` bin's bundle), so the
 * checkout is found as the nearest folder above it holding our package.json.
 */
export const PORTAL_DIR = path.join(packageRoot(path.dirname(fileURLToPath(import.meta.url))), 'dist', 'portal-static');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    try {
      if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'nbia-archive') return dir;
    } catch {
      // no package.json here, or not ours: look further up
    }
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}

export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function registerPortal(app: FastifyInstance, dir = PORTAL_DIR): Promise<void> {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    // A checkout whose portal was never built still serves the API; say how to get the portal.
    app.log.warn(`the web portal is not built (${dir} has no index.html); run \`npm run build:portal\``);
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(404).type('application/json').send({ error: 'not_found', error_description: 'the web portal is not built; run `npm run build:portal`' }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    // Hashed assets never change; index.html must be re-read so a new build is picked up.
    setHeaders: (reply, filePath) => {
      reply.header('Content-Security-Policy', PORTAL_CSP);
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'no-referrer');
      reply.header('Cache-Control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
    decorateReply: false,
  });
}
