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
// knowing they exist; they fire only on inserts, deletes and updates of the columns they
// read (not on ingest's image_count/total_size updates). A value is stored as the counts
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

/**
 * Fills both tables from the series as they are (they must be empty): the migration's
 * backfill, and the scale bench's after a bulk load made with the PostgreSQL trigger off
 * (one transaction adding 200,000 series updates each count row tens of thousands of times,
 * and PostgreSQL keeps every version of a row a transaction updated until it ends).
 */
export async function rebuildValueCounts(db: Kysely<unknown>): Promise<void> {
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
  // One series' value of one field counted in (delta = 1) or out (delta = -1).
  await sql
    .raw(`CREATE FUNCTION series_value_count(c bigint, f text, v text, p bigint, delta integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  IF delta > 0 THEN
    INSERT INTO series_value_patient AS a (collection_id, field, value, patient_pk, series) VALUES (c, f, v, p, 1)
      ON CONFLICT (collection_id, field, value, patient_pk) DO UPDATE SET series = a.series + 1
      RETURNING a.series INTO n;
    IF n = 1 THEN
      INSERT INTO collection_value_count AS b (collection_id, field, value, patients) VALUES (c, f, v, 1)
        ON CONFLICT (collection_id, field, value) DO UPDATE SET patients = b.patients + 1;
    END IF;
  ELSE
    UPDATE series_value_patient SET series = series - 1
      WHERE collection_id = c AND field = f AND value = v AND patient_pk = p RETURNING series INTO n;
    IF n = 0 THEN
      DELETE FROM series_value_patient WHERE collection_id = c AND field = f AND value = v AND patient_pk = p;
      UPDATE collection_value_count SET patients = patients - 1
        WHERE collection_id = c AND field = f AND value = v RETURNING patients INTO n;
      IF n = 0 THEN
        DELETE FROM collection_value_count WHERE collection_id = c AND field = f AND value = v;
      END IF;
    END IF;
  END IF;
END $$`)
    .execute(db);
  const apply = (row: 'NEW' | 'OLD', delta: number) =>
    FIELDS.map((f) => `PERFORM series_value_count(${row}.collection_id, '${f.field}', ${f.value(row)}, ${row}.patient_pk, ${delta});`).join('\n  ');
  // Two transactions adding series to one collection would otherwise lock its count rows in
  // the order their values come, and could deadlock; a lock per collection, held to commit,
  // makes them take turns (SQLite has one writer anyway).
  const lock = (row: 'NEW' | 'OLD') => `PERFORM pg_advisory_xact_lock(hashtext('collection_value_count'), ${row}.collection_id::integer);`;
  await sql
    .raw(`CREATE FUNCTION series_value_count_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
  ${lock('OLD')}
  ${apply('OLD', -1)}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
  ${lock('NEW')}
  ${apply('NEW', 1)}
  END IF;
  RETURN NULL;
END $$`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER series_value_count AFTER INSERT OR DELETE OR UPDATE OF ${READ_COLUMNS} ON series
          FOR EACH ROW EXECUTE FUNCTION series_value_count_trigger()`)
    .execute(db);
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
  if (dialectOf(db) === 'postgres') {
    await sql`DROP TRIGGER series_value_count ON series`.execute(db);
    await sql`DROP FUNCTION series_value_count_trigger()`.execute(db);
    await sql`DROP FUNCTION series_value_count(bigint, text, text, bigint, integer)`.execute(db);
  } else {
    for (const t of ['insert', 'delete', 'update']) await sql.raw(`DROP TRIGGER series_value_count_${t}`).execute(db);
  }
  await db.schema.dropTable('collection_value_count').execute();
  await db.schema.dropTable('series_value_patient').execute();
}
