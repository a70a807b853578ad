// `nbia db copy`: a SQLite index moved to PostgreSQL answers every endpoint the same. The
// endpoint list is the server's own (its OpenAPI document), each GET endpoint called with
// parameters drawn from the seeded archive, as a user granted the restricted collection
// (whose token is copied too) and as the guest; status, type and body must match byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestStore } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { seedArchive, ALICE_PASSWORD } from '../fixtures/nbia/seed.js';
import { authHeaderFor } from '../nbia/auth-helper.js';
import { copyStore, nonEmptyTables } from '../../src/store/copy.js';
import { UserError } from '../../src/errors.js';
import { nbia } from '../cli/run.js';

/** A value for each parameter name the endpoints take, from test/fixtures/nbia/seed.ts. */
const SAMPLE: Record<string, string> = {
  Collection: 'LIDC-Demo',
  PatientID: 'LIDC-0001',
  PatientId: 'LIDC-0001',
  StudyInstanceUID: '1.2.840.1.1',
  SeriesInstanceUID: '1.2.840.1.1.1',
  Modality: 'CT',
  BodyPartExamined: 'CHEST',
  ManufacturerModelName: 'LightSpeed16',
  Manufacturer: 'GE MEDICAL SYSTEMS',
  fromDate: '2000-01-01',
  Date: '2000-01-01',
  name: 'nbia-1234',
  list: 'nbia-1234',
};
/** Downloads read files (this archive has none) and are covered by their own suites. */
const SKIP = /getImage|getSingleImage|getDicomTags|getZip|\/docs|oauth|getManifest/i;

interface Call {
  url: string;
}

function endpointCalls(app: FastifyInstance): Call[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };
  const calls: Call[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    const get = methods.get;
    if (!get || !path.startsWith('/nbia-api/services/') || SKIP.test(path)) continue;
    const query = new URLSearchParams();
    for (const p of get.parameters ?? []) if (p.in === 'query' && SAMPLE[p.name] !== undefined) query.set(p.name, SAMPLE[p.name]!);
    calls.push({ url: `${path}?${query}` });
  }
  return calls;
}

test('a SQLite index copied to PostgreSQL answers every GET endpoint the same, tokens included', async () => {
  const source = await createTestStore('sqlite');
  const target = await createTestStore('postgres');
  try {
    await seedArchive(source.store.db);
    const before = await buildServer({ store: source.store, blobs: source.blobs, options: DEFAULT_SERVER_OPTIONS });
    const alice = await authHeaderFor(before, 'alice', ALICE_PASSWORD);
    const guest = await authHeaderFor(before);
    const report = await copyStore(source.store, target.store);
    assert.ok(report.rows.token! >= 2 && report.rows.series! > 0 && report.rows.image! > 0, JSON.stringify(report.rows));
    const after = await buildServer({ store: target.store, blobs: source.blobs, options: DEFAULT_SERVER_OPTIONS });
    try {
      const calls = endpointCalls(before);
      assert.ok(calls.length >= 40, `only ${calls.length} endpoints found`);
      let answered = 0;
      for (const headers of [alice, guest]) {
        for (const { url } of calls) {
          const a = await before.inject({ method: 'GET', url, headers });
          const b = await after.inject({ method: 'GET', url, headers });
          assert.equal(b.statusCode, a.statusCode, `${url}: status`);
          assert.equal(b.headers['content-type'], a.headers['content-type'], `${url}: content type`);
          assert.equal(b.body, a.body, `${url}: body`);
          if (a.statusCode === 200 && a.body.length > 2) answered++;
        }
      }
      // Most calls must answer rows, or the comparison proves little.
      assert.ok(answered >= calls.length, `only ${answered} of ${2 * calls.length} calls answered rows`);
      // The restricted collection reached the copy with its grant: alice sees it, the guest does not.
      const secret = '/nbia-api/services/v1/getSeries?Collection=Secret-Trial';
      assert.match((await after.inject({ url: secret, headers: alice })).body, /1\.2\.840\.3\.1\.1/);
      assert.doesNotMatch((await after.inject({ url: secret, headers: guest })).body, /1\.2\.840\.3\.1\.1/);
    } finally {
      await before.close();
      await after.close();
    }
  } finally {
    await source.dispose();
    await target.dispose();
  }
});

test('copy refuses a target that holds rows, and --replace empties it first', async () => {
  const source = await createTestStore('sqlite');
  const target = await createTestStore('postgres');
  try {
    await seedArchive(source.store.db);
    await seedArchive(target.store.db);
    await target.store.db.insertInto('collection').values({ name: 'Target-Only', is_public: 1, created_at: '2025-01-01 00:00:00.000' }).execute();
    await assert.rejects(copyStore(source.store, target.store), (err: Error) => err instanceof UserError && /not empty: collection \(4\)/.test(err.message));
    const report = await copyStore(source.store, target.store, { replace: true });
    const names = await target.store.db.selectFrom('collection').select('name').orderBy('id').execute();
    assert.deepEqual(names.map((n) => n.name), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);
    const counts = Object.fromEntries((await nonEmptyTables(target.store)).map((t) => [t.table, t.rows]));
    assert.deepEqual(counts, report.rows && Object.fromEntries(Object.entries(report.rows).filter(([, n]) => n > 0)));
    // New rows number on past the copied ids.
    const c = await target.store.db.insertInto('collection').values({ name: 'After-Copy', is_public: 1, created_at: '2025-01-01 00:00:00.000' }).returning('id').executeTakeFirstOrThrow();
    assert.equal(Number(c.id), 4);
  } finally {
    await source.dispose();
    await target.dispose();
  }
});

test('nbia db copy: progress and a summary, then a refusal and exit code 1 when run again', async () => {
  const source = await createTestStore('sqlite');
  const target = await createTestStore('postgres');
  try {
    await seedArchive(source.store.db);
    await source.store.close();
    const args = ['db', 'copy', '--data', source.dataDir, '--to', target.databaseUrl];
    const first = await nbia(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /copied \d+ rows from sqlite:.* to postgres:.* in [\d.]+ s/);
    assert.match(first.stdout, /^ {2}series +6$/m);
    assert.match(first.stderr, /copy image: \d+ \/ \d+ rows/);
    const again = await nbia(args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /target index is not empty: .*--replace/);
  } finally {
    source.store.close = async () => {};
    await source.dispose();
    await target.dispose();
  }
});
