// Fills an empty index at NLST's shape (see shape.ts) with plausible sizes and hashes but
// no files. Collections, patients, studies and series are built here and go in as
// multi-row inserts in one transaction; the image rows, which are nearly all of it, are
// made by the database itself with one INSERT ... SELECT per batch of series (a
// generate_series on PostgreSQL, a recursive counter on SQLite), so no row crosses the
// client connection and a batch is one transaction.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/db.js';
import {
  MANUFACTURERS, MODELS, SERIES_PER_PATIENT, STUDIES_PER_PATIENT,
  bodyPartOf, imagesOfSeries, patientIdOf, planScale, releaseDayOf, seriesUidOf, studyUidOf, type ScalePlan,
} from './shape.js';

const NOW = '2025-01-01 00:00:00.000';
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
/** Series per image batch: about 200,000 image rows per transaction. */
const SERIES_BATCH = 2000;

export interface FillReport {
  plan: ScalePlan;
  seconds: number;
}

async function insertChunked(db: Kysely<Database>, table: keyof Database & string, rows: Array<Record<string, unknown>>, chunk: number) {
  for (let i = 0; i < rows.length; i += chunk) await db.insertInto(table).values(rows.slice(i, i + chunk) as never).execute();
}

/** Fills `store` (which must hold no collection yet) with `images` image rows. */
export async function fillScaleIndex(store: Store, images: number, progress: (line: string) => void): Promise<FillReport> {
  const db = store.db;
  const existing = await db.selectFrom('series').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) {
    throw new Error(`the index already holds ${existing.n} series: give an empty --database (and --data), or leave them out for a fresh one`);
  }
  const started = performance.now();
  const plan = planScale(images);
  if (store.dialect === 'sqlite') await sql`PRAGMA cache_size = -1048576`.execute(db);

  // Everything above the image level, in one transaction.
  await db.transaction().execute(async (trx) => {
    const collections = plan.collections.map((c, i) => ({
      id: i + 1, name: c.name, is_public: 1, created_at: NOW,
      license_name: 'Creative Commons Attribution 4.0 International License', license_uri: 'https://creativecommons.org/licenses/by/4.0/',
      description: `${c.name}: a generated index at NLST's shape, without files`, description_uri: `https://doi.org/10.0000/${c.name.toLowerCase()}`,
    }));
    await insertChunked(trx, 'collection', collections, 100);
    const patients: Array<Record<string, unknown>> = [];
    const studies: Array<Record<string, unknown>> = [];
    const series: Array<Record<string, unknown>> = [];
    let p = 0;
    plan.collections.forEach((c, ci) => {
      for (let k = 0; k < c.patients; k++, p++) {
        const patientPk = p + 1;
        const released = releaseDayOf(p, plan.patients);
        patients.push({
          id: patientPk, collection_id: ci + 1, patient_id: patientIdOf(p), patient_name: patientIdOf(p),
          patient_sex: p % 2 ? 'F' : 'M', patient_birth_date: null, ethnic_group: null, species_code: null, species_description: null, phantom: 'NO',
        });
        for (let st = 0; st < STUDIES_PER_PATIENT; st++) {
          studies.push({
            id: p * STUDIES_PER_PATIENT + st + 1, patient_pk: patientPk, study_instance_uid: studyUidOf(p, st),
            study_date: `${1999 + st}-01-02`, study_description: `NLST screening T${st}`, patient_age: `0${55 + (p % 20)}Y`,
            longitudinal_temporal_event_type: 'Enrollment', longitudinal_temporal_offset_from_event: st * 365,
          });
        }
        for (let se = 0; se < SERIES_PER_PATIENT; se++) {
          const s = p * SERIES_PER_PATIENT + se;
          const st = Math.floor((se * STUDIES_PER_PATIENT) / SERIES_PER_PATIENT);
          const m = (p + st) % MANUFACTURERS.length; // one scanner per screening round
          series.push({
            id: s + 1, study_pk: p * STUDIES_PER_PATIENT + st + 1, patient_pk: patientPk, collection_id: ci + 1,
            series_instance_uid: seriesUidOf(p, se), modality: c.modality, series_date: `${1999 + st}-01-02`,
            series_description: `${['0', '1', '2'][se % 3]},OPA,GE,HSQX,CHEST`, body_part_examined: bodyPartOf(p, se), series_number: se + 1,
            manufacturer: MANUFACTURERS[m], manufacturer_model_name: MODELS[m], software_versions: 'LightSpeedverrel',
            pixel_spacing_row: 0.703125, slice_thickness: 2.5, sop_class_uid: CT_IMAGE,
            image_count: imagesOfSeries(s, plan.series, plan.images), total_size: 0,
            max_submission_timestamp: `${released} 12:00:00.000`, date_released: `${released} 12:00:00.000`, released_status: 'Yes', third_party_analysis: 'NO',
          });
        }
      }
    });
    await insertChunked(trx, 'patient', patients, 1000);
    await insertChunked(trx, 'study', studies, 1000);
    await insertChunked(trx, 'series', series, 500);
  });
  if (store.dialect === 'postgres') {
    // Rows went in with their ids: move each identity past them, so a later ingest numbers on.
    for (const table of ['collection', 'patient', 'study', 'series'] as const) {
      await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), (SELECT max(id) FROM ${sql.table(table)}))`.execute(db);
    }
  }
  progress(`rows above the image level: ${plan.collections.length} collections, ${plan.patients} patients, ${plan.series} series`);

  // The image rows, batch by batch of series; each batch also sets its series' total_size.
  // On PostgreSQL the image table's indexes and foreign key are built once after the load,
  // which is several times faster than keeping them up to date row by row.
  const deferred = store.dialect === 'postgres' ? await deferImageIndexes(db) : [];
  const maxPerSeries = Math.ceil(plan.images / plan.series) + 1;
  let done = 0;
  for (let first = 1; first <= plan.series; first += SERIES_BATCH) {
    const last = Math.min(plan.series, first + SERIES_BATCH - 1);
    await db.transaction().execute(async (trx) => {
      await insertImages(trx, store.dialect, first, last, maxPerSeries);
      await setTotalSizes(trx, store.dialect, first, last);
    });
    for (let s = first - 1; s < last; s++) done += imagesOfSeries(s, plan.series, plan.images);
    const secs = (performance.now() - started) / 1000;
    progress(`images ${done.toLocaleString('en')} / ${plan.images.toLocaleString('en')}  (${Math.round(done / secs).toLocaleString('en')}/s)`);
  }
  for (const ddl of deferred) {
    progress(`building: ${ddl}`);
    await sql.raw(ddl).execute(db);
  }
  progress('analyzing (planner statistics)');
  if (store.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(db);
  else {
    await sql`ANALYZE`.execute(db);
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  }
  return { plan, seconds: (performance.now() - started) / 1000 };
}

/**
 * Drops the image table's secondary indexes and constraints (PostgreSQL), returning the DDL
 * that puts each back, read from the catalogue so the migrations stay their only author.
 */
async function deferImageIndexes(db: Kysely<Database>): Promise<string[]> {
  const { rows: constraints } = await sql<{ name: string; def: string }>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE conrelid = 'image'::regclass AND contype IN ('u', 'f')`.execute(db);
  const { rows: indexes } = await sql<{ name: string; def: string }>`
    SELECT indexname AS name, indexdef AS def FROM pg_indexes
    WHERE tablename = 'image' AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'image'::regclass)`.execute(db);
  for (const c of constraints) await sql`ALTER TABLE image DROP CONSTRAINT ${sql.id(c.name)}`.execute(db);
  for (const i of indexes) await sql`DROP INDEX ${sql.id(i.name)}`.execute(db);
  return [
    ...constraints.map((c) => `ALTER TABLE image ADD CONSTRAINT "${c.name}" ${c.def}`),
    ...indexes.map((i) => i.def),
  ];
}

/**
 * One INSERT ... SELECT for the images of series first..last: UIDs below the series UID,
 * sizes around a 512×512 CT slice, a lower-case hex MD5 and an unsigned CRC-32, and a blob
 * key under `scale/` that no file store holds (downloads must fail cleanly).
 */
/** The size of image number n.i of series s: around a 512×512 16-bit CT slice. */
const IMAGE_SIZE = sql`524288 + ((s.id * 7919 + n.i * 104729) % 65536)`;

/**
 * Each series' total_size, the sum of its images' sizes: on PostgreSQL from the same formula
 * (the image table has no series index during the load), on SQLite from the rows just written.
 */
async function setTotalSizes(db: Kysely<Database>, dialect: Store['dialect'], first: number, last: number) {
  if (dialect === 'postgres') {
    await sql`UPDATE series s SET total_size = (SELECT sum(${IMAGE_SIZE}) FROM generate_series(1, s.image_count) AS n(i))
              WHERE s.id BETWEEN ${first} AND ${last}`.execute(db);
  } else {
    await sql`UPDATE series SET total_size = (SELECT coalesce(sum(file_size), 0) FROM image WHERE image.series_pk = series.id)
              WHERE id BETWEEN ${first} AND ${last}`.execute(db);
  }
}

async function insertImages(db: Kysely<Database>, dialect: Store['dialect'], first: number, last: number, maxPerSeries: number) {
  const size = IMAGE_SIZE;
  const uid = sql`s.series_instance_uid || '.' || n.i`;
  const columns = sql`(series_pk, sop_instance_uid, sop_class_uid, instance_number, acquisition_number, transfer_syntax_uid, file_size, md5, crc32, blob_key, in_place, ingested_at)`;
  if (dialect === 'postgres') {
    await sql`
      INSERT INTO image ${columns}
      SELECT s.id, ${uid}, ${CT_IMAGE}, n.i, 1, '1.2.840.10008.1.2.1', ${size}, md5(${uid}),
             ('x' || substr(md5(s.id || '/' || n.i), 1, 8))::bit(32)::bigint, 'scale/' || s.series_instance_uid || '/' || n.i || '.dcm', 0, ${NOW}
      FROM series s CROSS JOIN LATERAL generate_series(1, s.image_count) AS n(i)
      WHERE s.id BETWEEN ${first} AND ${last}
      ORDER BY s.id, n.i`.execute(db);
  } else {
    await sql`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${maxPerSeries})
      INSERT INTO image ${columns}
      SELECT s.id, ${uid}, ${CT_IMAGE}, n.i, 1, '1.2.840.10008.1.2.1', ${size}, lower(hex(randomblob(16))),
             random() & 4294967295, 'scale/' || s.series_instance_uid || '/' || n.i || '.dcm', 0, ${NOW}
      FROM series s JOIN n ON n.i <= s.image_count
      WHERE s.id BETWEEN ${first} AND ${last}
      ORDER BY s.id, n.i`.execute(db);
  }
}
