// Builds the portal (src/portal/app) into static files under dist/portal-static, which the
// server serves at `/` (see serve.ts). Run by `npm run build:portal` and by `prepare`, so a
// fresh `npm install` leaves a ready portal behind.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export const PORTAL_OUT_DIR = path.resolve(here, '..', '..', 'dist', 'portal-static');

export default defineConfig({
  root: path.join(here, 'app'),
  base: '/',
  logLevel: 'warn',
  // JSX compiles to Preact's automatic runtime (tsconfig in app/ says the same to tsc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: PORTAL_OUT_DIR,
    emptyOutDir: true,
    // One small bundle; no inline scripts, so the strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
