// One typed configuration, built from command-line flags with environment variables as
// the fallback, so that every option of every command can also be set by NBIA_*.
import path from 'node:path';
import { UserError } from './errors.js';

export interface StoreConfig {
  /** Folder holding the file store (`files/`) and, by default, the SQLite index. */
  dataDir: string;
  /** `sqlite:<path>` or `postgres://...`; defaults to SQLite under the data folder. */
  databaseUrl: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

export function resolveDataDir(flag?: string): string {
  return path.resolve(flag ?? process.env.NBIA_DATA ?? './data');
}

export function resolveStoreConfig(flags: { data?: string; database?: string }): StoreConfig {
  const dataDir = resolveDataDir(flags.data);
  const databaseUrl = flags.database ?? process.env.NBIA_DATABASE ?? `sqlite:${path.join(dataDir, 'nbia.sqlite')}`;
  return { dataDir, databaseUrl };
}

export function resolvePort(flag?: string): number {
  const raw = flag ?? process.env.NBIA_PORT ?? String(DEFAULT_PORT);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`invalid port "${raw}": give a whole number from 0 to 65535 (--port or NBIA_PORT)`);
  }
  return port;
}
