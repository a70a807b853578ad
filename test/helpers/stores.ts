// Test stores on both dialects: a fresh SQLite file in a temp folder, and a fresh database
// on the PostgreSQL server this machine runs (127.0.0.1:5432, trust auth). Tests of the
// PostgreSQL path use that server for real; set NBIA_TEST_PG_URL to point elsewhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';
import { FsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';
import type { DialectName } from '../../src/store/dialect.js';

const PG_ADMIN_URL = process.env.NBIA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  dialect: DialectName;
  store: Store;
  blobs: FsBlobStore;
  dataDir: string;
  databaseUrl: string;
  /** Closes the store and drops what the test made. */
  dispose(): Promise<void>;
}

export function tempDir(prefix = 'nbia-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function createTestStore(dialect: DialectName): Promise<TestStore> {
  const dataDir = tempDir();
  if (dialect === 'sqlite') {
    const databaseUrl = `sqlite:${path.join(dataDir, 'nbia.sqlite')}`;
    const store = await openStore(databaseUrl);
    return {
      dialect, store, dataDir, databaseUrl, blobs: new FsBlobStore(dataDir),
      dispose: async () => {
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `nbia_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const store = await openStore(databaseUrl);
  return {
    dialect, store, dataDir, databaseUrl, blobs: new FsBlobStore(dataDir),
    dispose: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];
