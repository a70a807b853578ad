// What every subcommand shares: the store options (with their NBIA_* fallbacks), opening
// the index and file store, and turning errors into a message and a non-zero exit.
// Every command registers through here, so this module stays light: the database drivers
// load when a command opens the store, not when `nbia --help` runs.
import type { Command } from 'commander';
import { resolveStoreConfig, type StoreConfig } from '../config.js';
import type { Store } from '../store/db.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { UserError } from '../errors.js';

export interface StoreFlags {
  data?: string;
  database?: string;
  /** `s3://BUCKET/PREFIX` or `local` (see src/blobs/location.ts); only on commands that touch files. */
  blobs?: string;
}

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'archive folder: file store and default SQLite index (env NBIA_DATA, default ./data)')
    .option('--database <url>', 'index database: sqlite:<path> or postgres://... (env NBIA_DATABASE, default sqlite:<data>/nbia.sqlite)');
}

/** The file store option, for the commands that read or write stored files. */
export function addBlobOptions(cmd: Command): Command {
  return cmd.option(
    '--blobs <url>',
    'file store: s3://BUCKET/PREFIX (endpoint, region and keys from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or local (env NBIA_BLOBS, default local: <data>/files)',
  );
}

export interface Opened {
  config: StoreConfig;
  store: Store;
  blobs: BlobStore;
}

export async function openFromFlags(flags: StoreFlags): Promise<Opened> {
  const config = resolveStoreConfig(flags);
  const [{ openStore }, { openBlobStore, parseBlobLocation, blobsSetting, resolveArchiveBlobs }] = await Promise.all([
    import('../store/db.js'),
    import('../blobs/location.js'),
  ]);
  const requested = blobsSetting(flags.blobs);
  parseBlobLocation(requested); // a bad URL fails before anything is opened
  const store = await openStore(config.databaseUrl);
  try {
    const location = await resolveArchiveBlobs(store.db, requested);
    return { config, store, blobs: await openBlobStore(location, config.dataDir) };
  } catch (err) {
    await store.close();
    throw err;
  }
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
