// Runs the access matrix (matrix.ts) over every endpoint the app registers, on both
// dialects. The probe endpoint (helpers.ts) is always there, so the matrix proves itself
// even before the NBIA endpoints exist; once they do, it covers them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import type { FastifyInstance } from 'fastify';
import { listApiRoutes, runAccessMatrix, seedMatrixArchive } from './matrix.js';
import { PROBE, startApp } from './helpers.js';
import { endpointPaths } from '../../src/nbia/families.js';
import { resolveViewer } from '../../src/auth/viewer.js';
import { GUEST } from '../../src/archive/access.js';
import { scopeFor, type AppContext } from '../../src/context.js';

test('the route list comes from the app: families, both aliases, GET and POST, no auth or docs routes', async () => {
  const t = await createTestStore('sqlite');
  const { app } = await startApp(t);
  try {
    const routes = listApiRoutes(app);
    const probes = routes.filter((r) => r.url.endsWith(`/${PROBE}`)).map((r) => `${r.method} ${r.family} ${r.url}`).sort();
    assert.deepEqual(probes, [
      'GET advanced /nbia-api/authProbe',
      'GET advanced /nbia-api/services/authProbe',
      'GET v1 /nbia-api/services/v1/authProbe',
      'GET v1 /nbia-api/v1/authProbe',
      'GET v2 /nbia-api/services/v2/authProbe',
      'GET v2 /nbia-api/v2/authProbe',
      'GET v4 /nbia-api/services/v4/authProbe',
      'GET v4 /nbia-api/v4/authProbe',
    ]);
    assert.ok(!routes.some((r) => /\/(oauth\/token|logout|up|docs)/.test(r.url)), 'not endpoints of the archive');
    assert.ok(!routes.some((r) => (r.method as string) === 'HEAD'));
  } finally {
    await app.close();
    await t.dispose();
  }
});

for (const dialect of DIALECTS) {
  test(`${dialect}: every /nbia-api endpoint × every kind of caller: statuses per family, nothing restricted leaks`, async (ctx) => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await seedMatrixArchive(t.store.db, t.blobs);
      const started = Date.now();
      const report = await runAccessMatrix(app, t.store.db);
      ctx.diagnostic(`${report.routes.length} routes, ${report.requests} requests in ${Date.now() - started} ms`);
      if (report.vacuous.length > 0) ctx.diagnostic(`answers not depending on restricted data (nothing proven there): ${report.vacuous.join(', ')}`);
      assert.ok(report.routes.length >= 8, 'at least the probes');
      assert.ok(!report.vacuous.some((v) => v.endsWith(`/${PROBE}`)), 'the probe shows the granted user restricted data, so its checks prove something');
      assert.deepEqual(report.failures.slice(0, 40), [], `${report.failures.length} finding(s):\n${report.failures.map((f) => f.split('\n')[0]).join('\n')}`);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
}

/** Three broken endpoints the matrix must catch: one leaks, one is an existence oracle, one ignores tokens. */
function registerBrokenEndpoints(app: FastifyInstance, ctx: AppContext): void {
  const [leakAll] = endpointPaths('v4', 'brokenLeakAll');
  app.get(leakAll!, async (request) => {
    await resolveViewer(ctx, request, 'v4');
    // Reads past the access scope: every series, whoever asks.
    return ctx.store.db.selectFrom('series').select('series_instance_uid as SeriesInstanceUID').execute();
  });
  const [oracle] = endpointPaths('v2', 'brokenExistenceOracle');
  app.get(oracle!, async (request, reply) => {
    const viewer = await resolveViewer(ctx, request, 'v2');
    const uid = (request.query as Record<string, string>).SeriesInstanceUID ?? '';
    const exists = await ctx.store.db.selectFrom('series').select('id').where('series_instance_uid', '=', uid).executeTakeFirst();
    if (!exists) return reply.code(404).send({ error: 'not_found', error_description: 'no such series' });
    return scopeFor(ctx, viewer).series().select('series.series_instance_uid').where('series.series_instance_uid', '=', uid).execute();
  });
  const [deaf] = endpointPaths('advanced', 'brokenIgnoresTokens');
  app.get(deaf!, async () => scopeFor(ctx, GUEST).collections().select('name').execute());
}

test('sqlite: the matrix reports a leaking endpoint, an existence oracle and an endpoint that ignores tokens', async () => {
  const t = await createTestStore('sqlite');
  const { app } = await startApp(t, {}, registerBrokenEndpoints);
  try {
    await seedMatrixArchive(t.store.db, t.blobs);
    const report = await runAccessMatrix(app, t.store.db, { only: (r) => r.url.includes('/broken') && r.url.startsWith('/nbia-api/services/') });
    assert.equal(report.routes.length, 3);
    const found = (route: string, what: RegExp) => report.failures.filter((f) => f.includes(route) && what.test(f)).map((f) => /\[(.*?)[,\]]/.exec(f)?.[1]);
    assert.deepEqual(found('brokenLeakAll', /restricted names in the body/), ['no token', 'guest', 'ungranted user', 'user whose grant was just revoked']);
    assert.deepEqual(found('brokenExistenceOracle', /existence leaks/), ['guest', 'ungranted user', 'user whose grant was just revoked']);
    assert.deepEqual(found('brokenIgnoresTokens', /expected 401/), [
      'no token', 'malformed token', 'unknown token', 'expired token', 'token revoked by logout', 'refresh token as access token',
    ]);
    assert.equal(report.failures.length, 13, report.failures.join('\n'));
  } finally {
    await app.close();
    await t.dispose();
  }
});
