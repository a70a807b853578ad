// One seeded archive (test/fixtures/nbia/seed.ts) and a server over it, per dialect.
import { test, type TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import type { DialectName } from '../../src/store/dialect.js';
import { seedArchive, type SeededArchive } from '../fixtures/nbia/seed.js';

export interface SeededApp {
  t: TestStore;
  app: FastifyInstance;
  seeded: SeededArchive;
  /** GET a path under /nbia-api/services/; `headers` default to none (the guest). */
  get(path: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function seededApp(dialect: DialectName): Promise<SeededApp> {
  const t = await createTestStore(dialect);
  const seeded = await seedArchive(t.store.db);
  const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
  return {
    t,
    app,
    seeded,
    get: (path, headers = {}) => app.inject({ method: 'GET', url: `/nbia-api/services/${path}`, headers }),
    close: async () => {
      await app.close();
      await t.dispose();
    },
  };
}

/** One test per dialect, titled `<dialect>: <title>`, over a fresh seeded app that is closed whatever happens. */
export function testEachDialect(title: string, body: (s: SeededApp, t: TestContext) => Promise<void>): void {
  for (const dialect of DIALECTS) {
    test(`${dialect}: ${title}`, async (t) => {
      const s = await seededApp(dialect);
      try {
        await body(s, t);
      } finally {
        await s.close();
      }
    });
  }
}
