// Patients per value, kept per collection (issue 8). get<Field>ValuesAndCounts counts the
// distinct patients having a visible series with each value; counted at query time that
// reads every series entry of series_value_counts (200,000 at NLST's size) and sorts them
// by value and patient, 140-280 ms at 21M images. A patient belongs to one collection, so
// the distinct-patient count over the visible collections is the sum of per-collection
// counts, and those can be kept as the series change:
//
//   series_value_patient   (collection, field, value, patient) -> series of that patient with that value
//   collection_value_count (collection, field, value)          -> patients with at least one such series
//
// Triggers on series keep both in the writing transaction itself, so every writer (ingest,
// `nbia db copy`, the scale bench's fill, a delete by hand) keeps them exact without
// knowing they exist; they count only inserts, deletes and changes of the columns they read
// (not ingest's image_count/total_size updates). PostgreSQL's work per statement, SQLite's
// per row. A value is stored as the counts
// show it (body parts upper-cased by the database's upper(), null ones NOT SPECIFIED, a
// null manufacturer ''), computed by the same SQL as the query-time count, so both agree on
// each dialect. Field 'collection' (value '') counts a collection's patients having any series.
import { sql, type Kysely } from 'kysely';
import { dialectOf, int64 } from '../dialect.js';

/** Each counted field and its value as SQL over a series row named by `row` (NEW, OLD or series). */
const FIELDS: ReadonlyArray<{ field: string; value: (row: string) => string }> = [
  { field: 'collection', value: () => `''` },
  { field: 'modality', value: (r) => `${r}.modality` },
  { field: 'bodyPart', value: (r) => `coalesce(upper(${r}.body_part_examined), 'NOT SPECIFIED')` },
  { field: 'manufacturer', value: (r) => `coalesce(${r}.manufacturer, '')` },
];

/** The columns whose change moves a series between counts. */
const READ_COLUMNS = 'collection_id, patient_pk, modality, body_part_examined, manufacturer';

export async function up(db: Kysely<unknown>): Promise<void> {
  const d = dialectOf(db);
  const big = int64(d);
  await db.schema
    .createTable('series_value_patient')
    .addColumn('collection_id', big, (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('patient_pk', big, (c) => c.notNull())
    .addColumn('series', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('series_value_patient_pk', ['collection_id', 'field', 'value', 'patient_pk'])
    .execute();
  await db.schema
    .createTable('collection_value_count')
    .addColumn('collection_id', big, (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('patients', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('collection_value_count_pk', ['collection_id', 'field', 'value'])
    .execute();
  // The counts' query reads one field of the visible collections.
  await db.schema.createIndex('collection_value_count_field').on('collection_value_count').columns(['field', 'collection_id']).execute();

  await rebuildValueCounts(db);

  if (d === 'postgres') await postgresTriggers(db);
  else await sqliteTriggers(db);
}

/** Fills both (empty) tables from the series as they are: an index migrated with series in it. */
async function rebuildValueCounts(db: Kysely<unknown>): Promise<void> {
  // (PostgreSQL refuses a constant in GROUP BY, so the collection field's '' is left out of it.)
  const perPatient = FIELDS.map((f) => {
    const value = f.value('series');
    const groups = value.startsWith("'") ? 'collection_id, patient_pk' : `collection_id, ${value}, patient_pk`;
    return `SELECT collection_id, '${f.field}' AS field, ${value} AS value, patient_pk, count(*) AS series FROM series GROUP BY ${groups}`;
  }).join(' UNION ALL ');
  await sql.raw(`INSERT INTO series_value_patient (collection_id, field, value, patient_pk, series) ${perPatient}`).execute(db);
  await sql
    .raw(`INSERT INTO collection_value_count (collection_id, field, value, patients)
          SELECT collection_id, field, value, count(*) FROM series_value_patient GROUP BY collection_id, field, value`)
    .execute(db);
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  // Statement-level triggers over the statement's transition tables: a multi-row insert (a
  // bulk load, `nbia db copy`'s batches) changes each count row once per statement. Row by
  // row, one statement adding 200,000 series updated the same count row 25,000 times, and
  // PostgreSQL keeps every version a running transaction made: quadratic, minutes long.
  // (PostgreSQL allows transition tables only on single-event triggers without column
  // lists, hence three triggers, the UPDATE one keeping only rows whose counted columns changed.)
  const counted = (r: string) => `${r}.collection_id, ${r}.patient_pk, ${r}.modality, ${r}.body_part_examined, ${r}.manufacturer`;
  const events = {
    insert: { referencing: 'NEW TABLE AS new_rows', rows: `SELECT ${counted('n')}, 1 AS n FROM new_rows n` },
    delete: { referencing: 'OLD TABLE AS old_rows', rows: `SELECT ${counted('o')}, -1 AS n FROM old_rows o` },
    update: {
      referencing: 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
      rows: `SELECT ${counted('o')}, -1 AS n FROM old_rows o JOIN new_rows nw ON nw.id = o.id WHERE (${counted('o')}) IS DISTINCT FROM (${counted('nw')})
             UNION ALL
             SELECT ${counted('nw')}, 1 AS n FROM old_rows o JOIN new_rows nw ON nw.id = o.id WHERE (${counted('o')}) IS DISTINCT FROM (${counted('nw')})`,
    },
  };
  const values = FIELDS.map((f) => `('${f.field}', ${f.value('r')})`).join(', ');
  for (const [event, { referencing, rows }] of Object.entries(events)) {
    // Each series counted in (n = 1) or out (n = -1) under every field, summed per patient.
    const delta = `SELECT r.collection_id, f.field, f.value, r.patient_pk, sum(r.n)::integer AS n
      FROM (${rows}) r CROSS JOIN LATERAL (VALUES ${values}) AS f(field, value)
      GROUP BY r.collection_id, f.field, f.value, r.patient_pk HAVING sum(r.n) <> 0`;
    await sql
      .raw(`CREATE FUNCTION series_value_count_${event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Two transactions adding series to one collection would otherwise lock its count rows in
  -- the order their values come, and could deadlock; a lock per collection, held to commit,
  -- makes them take turns (SQLite has one writer anyway).
  PERFORM pg_advisory_xact_lock(hashtext('collection_value_count'), l.c::integer)
    FROM (SELECT DISTINCT r.collection_id AS c FROM (${rows}) r ORDER BY 1) l;
  -- Every CTE reads the counts as they were before this statement: a patient whose series of
  -- a value go from none to some (or back) moves that value's patient count.
  WITH d AS (${delta}),
  b AS (SELECT d.collection_id, d.field, d.value, d.n, coalesce(a.series, 0) AS was
        FROM d LEFT JOIN series_value_patient a
          ON a.collection_id = d.collection_id AND a.field = d.field AND a.value = d.value AND a.patient_pk = d.patient_pk),
  up AS (INSERT INTO series_value_patient AS a (collection_id, field, value, patient_pk, series)
         SELECT collection_id, field, value, patient_pk, n FROM d
         ON CONFLICT (collection_id, field, value, patient_pk) DO UPDATE SET series = a.series + excluded.series),
  c AS (SELECT collection_id, field, value,
               sum(CASE WHEN was = 0 AND was + n > 0 THEN 1 WHEN was > 0 AND was + n <= 0 THEN -1 ELSE 0 END)::integer AS patients
        FROM b GROUP BY collection_id, field, value)
  INSERT INTO collection_value_count AS cc (collection_id, field, value, patients)
  SELECT collection_id, field, value, patients FROM c WHERE patients <> 0
  ON CONFLICT (collection_id, field, value) DO UPDATE SET patients = cc.patients + excluded.patients;
  -- No zero rows: a value no series has any more is gone.
  DELETE FROM series_value_patient a USING (${delta}) d
    WHERE a.collection_id = d.collection_id AND a.field = d.field AND a.value = d.value AND a.patient_pk = d.patient_pk AND a.series <= 0;
  DELETE FROM collection_value_count cc USING (SELECT DISTINCT collection_id, field, value FROM (${delta}) d0) d
    WHERE cc.collection_id = d.collection_id AND cc.field = d.field AND cc.value = d.value AND cc.patients <= 0;
  RETURN NULL;
END $$`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER series_value_count_${event} AFTER ${event.toUpperCase()} ON series REFERENCING ${referencing}
            FOR EACH STATEMENT EXECUTE FUNCTION series_value_count_${event}()`)
      .execute(db);
  }
}

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  // SQLite triggers take no functions or variables: each step is a statement whose WHERE
  // reads the per-patient count it depends on.
  const key = (row: string, f: (typeof FIELDS)[number]) =>
    `collection_id = ${row}.collection_id AND field = '${f.field}' AND value = ${f.value(row)}`;
  const add = (row: 'NEW') =>
    FIELDS.map((f) => {
      const one = `${key(row, f)} AND patient_pk = ${row}.patient_pk`;
      return `
  INSERT OR IGNORE INTO series_value_patient (collection_id, field, value, patient_pk, series) VALUES (${row}.collection_id, '${f.field}', ${f.value(row)}, ${row}.patient_pk, 0);
  UPDATE series_value_patient SET series = series + 1 WHERE ${one};
  INSERT OR IGNORE INTO collection_value_count (collection_id, field, value, patients) VALUES (${row}.collection_id, '${f.field}', ${f.value(row)}, 0);
  UPDATE collection_value_count SET patients = patients + 1 WHERE ${key(row, f)} AND (SELECT series FROM series_value_patient WHERE ${one}) = 1;`;
    }).join('');
  const remove = (row: 'OLD') =>
    FIELDS.map((f) => {
      const one = `${key(row, f)} AND patient_pk = ${row}.patient_pk`;
      return `
  UPDATE series_value_patient SET series = series - 1 WHERE ${one};
  UPDATE collection_value_count SET patients = patients - 1 WHERE ${key(row, f)} AND (SELECT series FROM series_value_patient WHERE ${one}) = 0;
  DELETE FROM series_value_patient WHERE ${one} AND series = 0;
  DELETE FROM collection_value_count WHERE ${key(row, f)} AND patients = 0;`;
    }).join('');
  await sql.raw(`CREATE TRIGGER series_value_count_insert AFTER INSERT ON series BEGIN${add('NEW')}\nEND`).execute(db);
  await sql.raw(`CREATE TRIGGER series_value_count_delete AFTER DELETE ON series BEGIN${remove('OLD')}\nEND`).execute(db);
  await sql.raw(`CREATE TRIGGER series_value_count_update AFTER UPDATE OF ${READ_COLUMNS} ON series BEGIN${remove('OLD')}${add('NEW')}\nEND`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const event of ['insert', 'delete', 'update']) {
    await sql.raw(`DROP TRIGGER series_value_count_${event}${dialectOf(db) === 'postgres' ? ' ON series' : ''}`).execute(db);
    if (dialectOf(db) === 'postgres') await sql.raw(`DROP FUNCTION series_value_count_${event}()`).execute(db);
  }
  await db.schema.dropTable('collection_value_count').execute();
  await db.schema.dropTable('series_value_patient').execute();
}
