// Starts one of our own modules as a worker thread, wherever the code runs from: tsc's
// output (dist/), the bundle (dist/bundle/, where each such module is an entry point of its
// own: scripts/bundle.mjs), or the TypeScript sources under tsx (the tests).
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The module `name` (without extension) beside the caller, whose `import.meta.url` is `from`. */
export function siblingModule(name: string, from: string): URL {
  const ext = from.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, from);
}

/**
 * Starts the module as a worker thread. Plain JavaScript is run as it is. Under tsx the
 * thread inherits `--import tsx`, but on Node 20 that does not make a worker's own entry
 * (nor its imports) loadable as TypeScript, so the thread first registers tsx's loader
 * through its API, then imports the module.
 */
export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
