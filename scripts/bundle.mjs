// Bundles the compiled CLI (dist/) into a few files under dist/bundle/, which bin/nbia.js
// runs. Why: Node 20 loads ES modules one file at a time through an asynchronous
// resolver, and the query builder alone is some 400 files. Every `nbia` command paid that
// at start-up (an `nbia ingest` of one folder about a fifth of a second on an idle
// machine, several times that on a busy one); one bundled file loads in a fraction.
//
// Our code and the pure-JavaScript libraries are bundled. Packages that find files of
// their own at run time (native addons, static assets, WebAssembly, worker scripts) stay
// external and load from node_modules as before: every dependency not on the list below.
// The worker threads' modules (the ingest worker, the download thread) are bundled each
// into one file of its own beside main.js, where module-worker.ts looks for them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = new Set(['kysely', 'commander', 'csv-stringify', 'cli-progress', 'dicom-parser']);

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const outdir = path.join(root, 'dist', 'bundle');
fs.rmSync(outdir, { recursive: true, force: true });
/** @type {import('esbuild').BuildOptions} */
const common = {
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, 'pg-native'],
  // Bundled CommonJS libraries call require(); give the ESM files one.
  banner: { js: "import { createRequire as __nbiaCreateRequire } from 'node:module'; const require = __nbiaCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: { main: path.join(root, 'dist', 'cli', 'main.js') }, splitting: true });
// Each thread's module is one whole file, sharing no chunk with main.js: a thread starts a
// new module loader, and every file it resolves and loads costs it time (the ingest's
// hashing thread answered its first message after 90 ms from five chunks and dicom-parser
// loaded apart, after 70 from one file; an empty thread takes 47).
await build({
  ...common,
  entryPoints: {
    worker: path.join(root, 'dist', 'ingest', 'worker.js'),
    'series-thread': path.join(root, 'dist', 'download', 'series-thread.js'),
  },
  splitting: false,
});
