// `npm run bench -- scale --images N [--database URL] [--data DIR] [--keep]`: fills an index
// at NLST's shape (see shape.ts), serves it with the compiled server in a child process
// (`node bin/nbia.js serve`), and measures the metadata endpoints from this process and
// from wrk. Figures only, never pass/fail. With --keep the data folder and the index stay,
// and `nbia serve --data DIR [--database URL]` serves them again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.js';
import { startServeProcess } from '../../test/helpers/serve-process.js';
import { fillScaleIndex } from './fill.js';
import { BIG_COLLECTION, SMALL_COLLECTIONS, patientIdOf, planScale, seriesUidOf, type ScalePlan } from './shape.js';
import { memoryOf, peakRssDuring, quantile, sample, timeGet, wrk } from './measure.js';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import { findSeries } from '../../src/archive/queries/series.js';

const V1 = '/nbia-api/services/v1';
const V4 = '/nbia-api/services/v4';

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(process.argv.indexOf('scale') + 1),
    options: {
      images: { type: 'string', default: '1000000' },
      database: { type: 'string' },
      data: { type: 'string' },
      keep: { type: 'boolean', default: false },
      // Measure an index an earlier run kept (--keep) instead of filling a new one.
      reuse: { type: 'boolean', default: false },
      connections: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '15' },
    },
  });
  const images = Number(values.images);
  if (!Number.isInteger(images) || images < 1000) throw new Error(`--images must be a whole number of at least 1000, not "${values.images}"`);
  const dataDir = path.resolve(values.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-scale-')));
  const databaseUrl = values.database ?? process.env.NBIA_DATABASE ?? `sqlite:${path.join(dataDir, 'nbia.sqlite')}`;
  return { images, dataDir, databaseUrl, keep: values.keep, reuse: values.reuse, connections: Number(values.connections), seconds: Number(values.seconds) };
}

/** Bytes the index takes: the SQLite file with its WAL, or the PostgreSQL database. */
async function indexBytes(databaseUrl: string): Promise<number> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return ['', '-wal', '-shm'].reduce((sum, ext) => sum + (fs.existsSync(file + ext) ? fs.statSync(file + ext).size : 0), 0);
  }
  const store = await openStore(databaseUrl, { migrate: false });
  try {
    const { rows } = await sql<{ bytes: string }>`SELECT pg_database_size(current_database()) AS bytes`.execute(store.db);
    return Number(rows[0]!.bytes);
  } finally {
    await store.close();
  }
}

/** Without --keep: removes what the run made (on PostgreSQL, its tables: the database was empty before). */
async function cleanUp(dataDir: string, databaseUrl: string): Promise<void> {
  if (!databaseUrl.startsWith('sqlite:')) {
    const store = await openStore(databaseUrl, { migrate: false });
    try {
      await sql`DROP SCHEMA public CASCADE`.execute(store.db);
      await sql`CREATE SCHEMA public`.execute(store.db);
    } finally {
      await store.close();
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function bareQueryMedian(databaseUrl: string, patientIds: string[]): Promise<number> {
  const store = await openStore(databaseUrl, { migrate: false });
  try {
    const scope = new AccessScope(store.db, GUEST);
    const times: number[] = [];
    for (let i = 0; i < 220; i++) {
      const t = performance.now();
      const rows = await findSeries(scope, { patientId: patientIds[i % patientIds.length] });
      if (i >= 20) times.push(performance.now() - t);
      if (rows.length === 0) throw new Error(`no series for patient ${patientIds[i % patientIds.length]}`);
    }
    return quantile(times.sort((a, b) => a - b), 0.5);
  } finally {
    await store.close();
  }
}

export async function benchScale(): Promise<Record<string, number | string>> {
  const o = options();
  const out: Record<string, number | string> = {};
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  out.dialect = o.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';

  const store = await openStore(o.databaseUrl);
  let plan: ScalePlan;
  try {
    if (o.reuse) {
      plan = planScale(o.images);
      const held = await store.db.selectFrom('series').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      if (Number(held.n) !== plan.series) throw new Error(`--reuse: the index holds ${held.n} series, not the ${plan.series} of --images ${o.images}`);
      out['build'] = 'reused (an earlier run built it)';
    } else {
      const fill = await fillScaleIndex(store, o.images, log);
      plan = fill.plan;
      out['build: seconds'] = fill.seconds;
      out['build: images per second'] = Math.round(plan.images / fill.seconds);
    }
  } finally {
    await store.close();
  }
  out.images = plan.images;
  out.series = plan.series;
  out.patients = plan.patients;
  out['index on disk: MiB'] = (await indexBytes(o.databaseUrl)) / 2 ** 20;

  const server = await startServeProcess(['--data', o.dataDir, '--database', o.databaseUrl]);
  try {
    const origin = server.origin;
    const bigPatients = plan.collections[0]!.patients;
    // Patients and series spread over the whole collection, so no answer comes from one warm page.
    const spread = (n: number) => Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * bigPatients) / n));
    const patientPaths = spread(50).map((p) => `${V1}/getSeries?PatientID=${patientIdOf(p)}`);
    const seriesUids = spread(50).map((p, i) => seriesUidOf(p, i % 8));
    out['server RSS at start: MiB'] = memoryOf(server.pid).rssMiB;

    const put = (name: string, s: { medianMs: number; p99Ms: number }) => {
      out[`${name}: median ms`] = s.medianMs;
      out[`${name}: p99 ms`] = s.p99Ms;
    };
    log('getSeries for one patient');
    // The first requests after start run before V8 has compiled the request path: reported
    // apart, then the figure for a server that has been answering a while. Both from this
    // process's Node HTTP client, which itself adds about 0.6 ms to each answer (against a
    // 0.3 ms getSeriesSize, wrk measures 0.4 ms and this client 1.0 ms).
    put('getSeries one patient, first 200 after start', await sample(origin, patientPaths, 200));
    await sample(origin, patientPaths, 1000, 0);
    put('getSeries one patient', await sample(origin, patientPaths, 200));
    // The same paths from wrk on one connection: the latency of the server itself.
    const single = await wrk(origin, patientPaths, 1, 5);
    out['getSeries one patient, wrk 1 connection: median ms'] = single.medianMs;
    out['getSeries one patient, wrk 1 connection: p99 ms'] = single.p99Ms;
    // The same answer without HTTP: the archive query alone, in this process.
    out['getSeries one patient, query alone: median ms'] = await bareQueryMedian(o.databaseUrl, spread(50).map(patientIdOf));
    log('getSOPInstanceUIDs, getSeriesSize');
    put('getSOPInstanceUIDs', await sample(origin, seriesUids.map((u) => `${V1}/getSOPInstanceUIDs?SeriesInstanceUID=${u}`), 100));
    const baseline = await sample(origin, seriesUids.map((u) => `${V1}/getSeriesSize?SeriesInstanceUID=${u}`), 100);
    put('getSeriesSize', baseline);
    // getSeriesSize reads one row by a unique key: what any request costs here, the baseline.
    out['getSeries one patient / getSeriesSize (medians)'] = Number(out['getSeries one patient: median ms']) / baseline.medianMs;
    log('value lists and value counts');
    for (const name of ['getCollectionValues', 'getModalityValues', 'getBodyPartValues', 'getManufacturerValues', 'getCollectionValuesAndCounts', 'getModalityValuesAndCounts', 'getBodyPartValuesAndCounts', 'getManufacturerValuesAndCounts']) {
      put(name, await sample(origin, [`${V4}/${name}`], 20));
    }
    log('getUpdatedSeries (the last 2% released)');
    const updated = await sample(origin, [`${V1}/getUpdatedSeries?fromDate=11/20/2014`], 20);
    put('getUpdatedSeries last 2%', updated);
    out['getUpdatedSeries last 2%: bytes'] = updated.bytes;
    // A small collection beside the big one: read from its own index entries (migration
    // 0006), never by walking the big collection's rows.
    const small = plan.collections.find((c) => c.name === SMALL_COLLECTIONS[0]);
    if (small) {
      log(`getSeries and getPatient for ${small.name} (${small.patients} patients)`);
      const smallSeries = await sample(origin, [`${V1}/getSeries?Collection=${small.name}`], 50);
      put('getSeries small collection', smallSeries);
      out['getSeries small collection: first byte median ms'] = smallSeries.firstByteMedianMs;
      put('getPatient small collection', await sample(origin, [`${V1}/getPatient?Collection=${small.name}`], 50));
    }
    log(`getPatient for ${BIG_COLLECTION}`);
    const patients = await sample(origin, [`${V1}/getPatient?Collection=${BIG_COLLECTION}`], plan.series > 50_000 ? 5 : 10, 1);
    put('getPatient whole collection', patients);
    out['getPatient whole collection: first byte median ms'] = patients.firstByteMedianMs;
    out['getPatient whole collection: bytes'] = patients.bytes;

    log(`getSeries for ${BIG_COLLECTION} (${plan.series} series)`);
    // Each of these answers is the whole collection: few rounds at full size.
    const rounds = plan.series > 50_000 ? 3 : 5;
    const big = await peakRssDuring(server.pid, () => sample(origin, [`${V1}/getSeries?Collection=${BIG_COLLECTION}`], rounds, plan.series > 50_000 ? 0 : 1));
    put('getSeries whole collection', big.result);
    out['getSeries whole collection: first byte median ms'] = big.result.firstByteMedianMs;
    out['getSeries whole collection: MiB'] = big.result.bytes / 2 ** 20;
    out['getSeries whole collection: server peak RSS MiB'] = big.peakMiB;

    log('a download of a series whose files are not there');
    const download = await timeGet(origin, `${V1}/getImage?SeriesInstanceUID=${seriesUids[0]}`).catch((err: Error) => ({ status: -1, bytes: 0, error: err.message }));
    out['download without files'] = 'error' in download ? `broken transfer (${download.error})` : `HTTP ${download.status}, ${download.bytes} bytes`;

    log(`wrk: ${o.connections} connections, ${o.seconds} s, getSeries for random patients`);
    const many = await wrk(origin, spread(500).map((p) => `${V1}/getSeries?PatientID=${patientIdOf(p)}`), o.connections, o.seconds);
    out[`getSeries one patient x${o.connections} conns: req/s`] = many.requestsPerSecond;
    out[`getSeries one patient x${o.connections} conns: p99 ms`] = many.p99Ms;
    out[`getSeries one patient x${o.connections} conns: non-2xx`] = many.non2xx;
  } finally {
    await server.stop();
  }
  if (o.keep) {
    out.kept = `nbia serve --data ${o.dataDir} --database ${o.databaseUrl}`;
  } else {
    await cleanUp(o.dataDir, o.databaseUrl);
  }
  return out;
}
