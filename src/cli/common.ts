// What every subcommand shares: the store options (with their NBIA_* fallbacks), opening
// the index and file store, and turning errors into a message and a non-zero exit.
// Every command registers through here, so this module stays light: the database drivers
// load when a command opens the store, not when `nbia --help` runs.
import type { Command } from 'commander';
import { resolveStoreConfig, type StoreConfig } from '../config.js';
import type { Store } from '../store/db.js';
import type { FsBlobStore } from '../blobs/fs/fs-blob-store.js';
import { UserError } from '../errors.js';

export interface StoreFlags {
  data?: string;
  database?: string;
}

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'archive folder: file store and default SQLite index (env NBIA_DATA, default ./data)')
    .option('--database <url>', 'index database: sqlite:<path> or postgres://... (env NBIA_DATABASE, default sqlite:<data>/nbia.sqlite)');
}

export interface Opened {
  config: StoreConfig;
  store: Store;
  blobs: FsBlobStore;
}

export async function openFromFlags(flags: StoreFlags): Promise<Opened> {
  const config = resolveStoreConfig(flags);
  const [{ openStore }, { FsBlobStore }] = await Promise.all([import('../store/db.js'), import('../blobs/fs/fs-blob-store.js')]);
  const store = await openStore(config.databaseUrl);
  return { config, store, blobs: new FsBlobStore(config.dataDir) };
}

/** Runs fn with the store open, closing it afterwards whatever happens. */
export async function withStore<T>(flags: StoreFlags, fn: (opened: Opened) => Promise<T>): Promise<T> {
  const opened = await openFromFlags(flags);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}

/** Wraps an action so a UserError prints its message and sets the exit code instead of a stack trace. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`nbia: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      throw err;
    }
  };
}
