// `nbia serve --workers N`: N server processes on one port, so that one host uses all its
// cores and one process's pause (a collection, a long page) holds up only its share of the
// connections. The workers are the stateless API nodes of a multi-node deployment, on one
// host: tokens, grants and lockouts live in the index, so any worker answers any request.
//
// The primary has prepared the index (migrations, the demo archive) before it forks; it
// deals new connections to the workers in turn (Node's cluster default on Linux), starts a
// new worker when one dies, and stops them all on SIGINT or SIGTERM.
import cluster, { type Worker } from 'node:cluster';
import { UserError } from '../errors.js';

export const MAX_WORKERS = 64;

export function isWorker(): boolean {
  return cluster.isWorker;
}

/** `--workers`: a whole number from 1 to MAX_WORKERS. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new UserError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, not "${text}"`);
  return n;
}

/**
 * Forks `count` workers (each runs this same command) and resolves with the port they
 * listen on once all of them do. A worker that exits before listening (a port taken, a
 * bad certificate) stops the others and rejects with what it reported.
 */
export function startWorkers(count: number, log: (line: string) => void): Promise<number> {
  let stopping = false;
  let listening = 0;
  const workers = new Set<Worker>();
  const fork = () => {
    const w = cluster.fork();
    workers.add(w);
    return w;
  };

  const stopAll = async (code: number) => {
    stopping = true;
    const exits = [...workers].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of workers) w.process.kill('SIGTERM');
    await Promise.all(exits);
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  return new Promise<number>((resolve, reject) => {
    cluster.on('listening', (_w, address) => {
      if (++listening === count) resolve(address.port);
    });
    cluster.on('exit', (w, code, signal) => {
      workers.delete(w);
      if (stopping) return;
      if (listening < count) {
        stopping = true;
        for (const other of workers) other.process.kill('SIGTERM');
        reject(new UserError(`a server worker exited (${signal ?? code}) before listening; see its message above`));
        return;
      }
      log(`nbia: worker ${w.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    });
    for (let i = 0; i < count; i++) fork();
  });
}
