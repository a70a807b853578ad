// Shared by the ingest tests: an Opened over a test store, table snapshots to prove a run
// changed nothing, and file facts computed by tools independent of the code under test.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Opened } from '../../src/cli/common.js';
import type { TestStore } from '../helpers/stores.js';
import { ingest, type IngestOptions, type IngestSummary } from '../../src/ingest/index.js';

export function openedFor(t: TestStore): Opened {
  return { config: { dataDir: t.dataDir, databaseUrl: t.databaseUrl }, store: t.store, blobs: t.blobs };
}

/** Ingest with one worker thread unless told otherwise: each thread costs a start-up under tsx. */
export function ingestInto(t: TestStore, paths: string[], options: IngestOptions): Promise<IngestSummary> {
  return ingest(openedFor(t), paths, { workers: 1, ...options });
}

const TABLES = ['collection', 'patient', 'study', 'series', 'image'] as const;

/** Every row of the archive tables, in id order. */
export async function snapshot(t: TestStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await t.store.db.selectFrom(table).selectAll().orderBy('id').execute();
  return out;
}

/** Every file under a folder with its size, relative paths sorted (empty when it does not exist). */
export function listTree(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(root, full)] = fs.statSync(full).size;
    }
  };
  walk(root);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** MD5 by coreutils `md5sum`, not by node:crypto. */
export function md5sum(file: string): string {
  return execFileSync('md5sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

/** CRC-32 by Python's zlib, not by node:zlib. */
export function pythonCrc32(file: string): number {
  const out = execFileSync('python3', ['-c', 'import sys,zlib; print(zlib.crc32(open(sys.argv[1],"rb").read()) & 0xffffffff)', file], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

export async function count(t: TestStore, table: 'image' | 'series' | 'study' | 'patient' | 'collection'): Promise<number> {
  const row = await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
