// Metadata query latency on a 1,000,000-image index: getSeries for one patient, getSeries for
// a whole collection and getSOPInstanceUIDs of one series, each measured through the HTTP
// layer (app.inject, v1 as the guest) and as the bare archive query, on SQLite and (when a
// server is reachable) PostgreSQL. Figures only, never pass/fail.
//
// The index: 10 collections × 100 patients × 2 studies × 5 series × 100 images. Rows above the
// image level go in with multi-row inserts in one transaction; the million image rows with one
// INSERT ... SELECT per collection over a recursive counter, so the build takes seconds.
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/store/schema.js';
import { createTestStore, type TestStore } from '../test/helpers/stores.js';
import { buildServer } from '../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../src/context.js';
import { AccessScope, GUEST } from '../src/archive/access.js';
import { findSeries, findSeriesQuery, sopInstanceUids, sopInstanceUidsQuery } from '../src/archive/queries/series.js';
import { visibleCollectionIdsNamed } from '../src/archive/queries/collection-ids.js';
import { planOf } from './plan.js';
import type { DialectName } from '../src/store/dialect.js';

const COLLECTIONS = 10;
const PATIENTS = 100;
const STUDIES = 2;
const SERIES = 5;
const IMAGES = 100;
const IMAGE_SIZE = 526_000;
const NOW = '2025-01-01 00:00:00.000';

const collectionName = (c: number) => `BENCH-${String(c).padStart(2, '0')}`;
const patientId = (c: number, p: number) => `C${String(c).padStart(2, '0')}-P${String(p).padStart(4, '0')}`;
const studyUid = (c: number, p: number, st: number) => `1.2.826.0.1.${c}.${p}.${st}`;
const seriesUid = (c: number, p: number, st: number, se: number) => `1.2.826.0.1.${c}.${p}.${st}.${se}`;

async function insertChunked<T extends keyof Database & string>(db: Kysely<Database>, table: T, rows: ReadonlyArray<Record<string, unknown>>, chunk = 500) {
  for (let i = 0; i < rows.length; i += chunk) {
    await db.insertInto(table).values(rows.slice(i, i + chunk) as never).execute();
  }
}

/** Builds the index; returns the number of image rows. */
async function buildIndex(db: Kysely<Database>): Promise<number> {
  await db.transaction().execute(async (trx) => {
    await insertChunked(trx, 'collection', Array.from({ length: COLLECTIONS }, (_, c) => ({
      id: c + 1, name: collectionName(c), is_public: 1, created_at: NOW,
      license_name: 'Creative Commons Attribution 4.0 International License', license_uri: 'https://creativecommons.org/licenses/by/4.0/',
      description_uri: `https://doi.org/10.0000/bench.${c}`,
    })));
    const patients: Array<Record<string, unknown>> = [];
    const studies: Array<Record<string, unknown>> = [];
    const series: Array<Record<string, unknown>> = [];
    let patientPk = 0;
    let studyPk = 0;
    let seriesPk = 0;
    for (let c = 0; c < COLLECTIONS; c++) {
      for (let p = 0; p < PATIENTS; p++) {
        patientPk++;
        patients.push({ id: patientPk, collection_id: c + 1, patient_id: patientId(c, p), patient_name: patientId(c, p), patient_sex: p % 2 ? 'F' : 'M' });
        for (let st = 0; st < STUDIES; st++) {
          studyPk++;
          studies.push({ id: studyPk, patient_pk: patientPk, study_instance_uid: studyUid(c, p, st), study_date: `20${10 + st}-0${1 + (p % 9)}-1${p % 10}`, study_description: 'CT CHEST W/O' });
          for (let se = 0; se < SERIES; se++) {
            seriesPk++;
            series.push({
              id: seriesPk, study_pk: studyPk, patient_pk: patientPk, collection_id: c + 1, series_instance_uid: seriesUid(c, p, st, se),
              modality: se === 4 ? 'SEG' : 'CT', series_date: `20${10 + st}-0${1 + (p % 9)}-1${p % 10}`, series_description: `Series ${se}`,
              body_part_examined: 'CHEST', series_number: se + 1, manufacturer: 'GE MEDICAL SYSTEMS', manufacturer_model_name: 'LightSpeed16',
              sop_class_uid: '1.2.840.10008.5.1.4.1.1.2', image_count: IMAGES, total_size: IMAGES * IMAGE_SIZE,
              max_submission_timestamp: NOW, date_released: NOW, released_status: 'Yes', third_party_analysis: 'NO',
            });
          }
        }
      }
    }
    await insertChunked(trx, 'patient', patients);
    await insertChunked(trx, 'study', studies);
    await insertChunked(trx, 'series', series, 250);
  });
  // Images: one INSERT ... SELECT per collection (100,000 rows each), numbered by a recursive CTE.
  for (let c = 1; c <= COLLECTIONS; c++) {
    await db.transaction().execute(async (trx) => {
      await sql`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${IMAGES})
        INSERT INTO image (series_pk, sop_instance_uid, sop_class_uid, instance_number, acquisition_number, transfer_syntax_uid,
                           file_size, md5, crc32, blob_key, in_place, ingested_at)
        SELECT s.id, s.series_instance_uid || '.' || n.i, s.sop_class_uid, n.i, 1, '1.2.840.10008.1.2.1',
               ${IMAGE_SIZE}, '00000000000000000000000000000000', 0, s.series_instance_uid || '/' || n.i || '.dcm', 0, ${NOW}
        FROM series s CROSS JOIN n
        WHERE s.collection_id = ${c}
        ORDER BY s.id, n.i`.execute(trx);
    });
  }
  const { count } = await db.selectFrom('image').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(count);
}

function percentiles(samples: number[]): { median: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p99: at(0.99) };
}

async function measure(calls: number, run: (i: number) => Promise<void>): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < Math.min(20, calls); i++) await run(i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return percentiles(samples);
}

/** The database's plan for a query the archive runs, on one line: which indexes it uses. */
async function planLine(t: TestStore, query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<string> {
  return (await planOf(t.store.db as Kysely<unknown>, t.dialect, query)).map((l) => l.trim()).join(' | ');
}

async function benchDialect(dialect: DialectName, out: Record<string, number | string>): Promise<void> {
  const t = await createTestStore(dialect);
  try {
    const t0 = performance.now();
    const images = await buildIndex(t.store.db);
    if (dialect === 'postgres') await sql`ANALYZE`.execute(t.store.db);
    out[`${dialect}: build index (s)`] = (performance.now() - t0) / 1000;
    out[`${dialect}: image rows`] = images;

    const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
    const scope = new AccessScope(t.store.db, GUEST);
    const patient = (i: number) => patientId((i * 7) % COLLECTIONS, (i * 13) % PATIENTS);
    const oneSeries = (i: number) => seriesUid((i * 3) % COLLECTIONS, (i * 11) % PATIENTS, i % STUDIES, i % SERIES);
    const inject = async (url: string, rows: number) => {
      const r = await app.inject({ url });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      const n = (JSON.parse(r.body) as unknown[]).length;
      if (n !== rows) throw new Error(`${url}: ${n} rows, expected ${rows}`);
    };
    const record = (name: string, r: { median: number; p99: number }) => {
      out[`${dialect}: ${name} median (ms)`] = r.median;
      out[`${dialect}: ${name} p99 (ms)`] = r.p99;
    };

    const perPatient = STUDIES * SERIES;
    record('getSeries one patient, HTTP', await measure(1000, (i) => inject(`/nbia-api/services/v1/getSeries?PatientID=${patient(i)}`, perPatient)));
    record('getSeries one patient, query', await measure(1000, async (i) => {
      if ((await findSeries(scope, { patientId: patient(i) })).length !== perPatient) throw new Error('wrong row count');
    }));
    const perCollection = PATIENTS * STUDIES * SERIES;
    record('getSeries one collection, HTTP', await measure(50, (i) => inject(`/nbia-api/services/v1/getSeries?Collection=${collectionName(i % COLLECTIONS)}`, perCollection)));
    record('getSeries one collection, query', await measure(50, async (i) => {
      if ((await findSeries(scope, { collection: collectionName(i % COLLECTIONS) })).length !== perCollection) throw new Error('wrong row count');
    }));
    record('getSOPInstanceUIDs one series, HTTP', await measure(1000, (i) => inject(`/nbia-api/services/v1/getSOPInstanceUIDs?SeriesInstanceUID=${oneSeries(i)}`, IMAGES)));
    record('getSOPInstanceUIDs one series, query', await measure(1000, async (i) => {
      if ((await sopInstanceUids(scope, oneSeries(i))).length !== IMAGES) throw new Error('wrong row count');
    }));
    out[`${dialect}: plan getSeries one patient`] = await planLine(t, findSeriesQuery(scope, { patientId: patient(1) }));
    out[`${dialect}: plan getSeries one collection`] = await planLine(t, findSeriesQuery(scope, { collection: collectionName(1) }, await visibleCollectionIdsNamed(scope, collectionName(1))));
    out[`${dialect}: plan getSOPInstanceUIDs`] = await planLine(t, sopInstanceUidsQuery(scope, oneSeries(1)));
    await app.close();
  } finally {
    await t.dispose();
  }
}

export async function benchQueries(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  await benchDialect('sqlite', out);
  try {
    await benchDialect('postgres', out);
  } catch (err) {
    out['postgres'] = `skipped: ${(err as Error).message}`;
  }
  return out;
}
