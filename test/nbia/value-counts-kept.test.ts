// get<Field>ValuesAndCounts from the counts kept per collection (migration 0008): after
// every kind of change to the series (insert, a value filled in, a value changed, a series
// moved to another patient and collection, deletes), after the migration's backfill of an
// index that already held series, and in a copy made by `nbia db copy`, the kept counts
// answer exactly what counting the series themselves answers, for every viewer, field and
// Collection filter (and getModalityValues, read from the same rows), on both dialects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { AccessScope, GUEST, type Viewer } from '../../src/archive/access.js';
import { countedValuesAndCounts, valuesAndCounts, type CountedField } from '../../src/archive/queries/advanced-counts.js';
import { modalityValues, modalityValuesFromSeries } from '../../src/archive/queries/values.js';
import { copyStore } from '../../src/store/copy.js';
import * as valueCounts from '../../src/store/migrations/0008-value-counts.js';
import type { Database } from '../../src/store/schema.js';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { seededApp } from './seeded-app.js';

const FIELDS: CountedField[] = ['collection', 'modality', 'bodyPart', 'manufacturer'];
const COLLECTION_FILTERS = [undefined, 'lidc-demo', 'Secret-Trial', 'BREAST-MINI', 'No-Such', ''];

/** Every viewer, field and Collection filter: the kept counts equal the counted ones. */
async function assertKeptEqualsCounted(db: Kysely<Database>, viewers: Viewer[], when: string): Promise<void> {
  for (const viewer of viewers) {
    const scope = new AccessScope(db, viewer);
    for (const field of FIELDS) {
      for (const collection of COLLECTION_FILTERS) {
        const f = collection === undefined ? {} : { collection };
        assert.deepEqual(await valuesAndCounts(scope, field, f), await countedValuesAndCounts(scope, field, f), `${when}: ${viewer.kind} ${field} ${JSON.stringify(f)}`);
      }
    }
    for (const collection of COLLECTION_FILTERS) {
      const f = collection === undefined ? {} : { collection };
      assert.deepEqual(await modalityValues(scope, f), await modalityValuesFromSeries(scope, f), `${when}: ${viewer.kind} getModalityValues ${JSON.stringify(f)}`);
    }
  }
}

const NOW = '2025-01-01 00:00:00.000';

for (const dialect of DIALECTS) {
  test(`${dialect}: kept value counts follow every change to the series`, async () => {
    const s = await seededApp(dialect);
    try {
      const db = s.t.store.db;
      const viewers: Viewer[] = [GUEST, { kind: 'user', userId: s.seeded.users.alice, name: 'alice' }, { kind: 'user', userId: s.seeded.users.bob, name: 'bob' }];
      await assertKeptEqualsCounted(db, viewers, 'seeded');

      // The answers do come from the kept table: spoil it and they differ.
      await db.updateTable('collection_value_count').set({ patients: sql`patients + 100` }).execute();
      const guest = new AccessScope(db, GUEST);
      assert.notDeepEqual(await valuesAndCounts(guest, 'modality'), await countedValuesAndCounts(guest, 'modality'));
      await db.deleteFrom('collection_value_count').where('field', '=', 'modality').where('value', '=', 'CT').execute();
      assert.notDeepEqual(await modalityValues(guest, {}), await modalityValuesFromSeries(guest, {}), 'getModalityValues reads the kept rows');
      await valueCounts.down(db as unknown as Kysely<unknown>);
      await valueCounts.up(db as unknown as Kysely<unknown>);
      await assertKeptEqualsCounted(db, viewers, 'rebuilt');

      const patient = (id: string) => db.selectFrom('patient').select(['id', 'collection_id']).where('patient_id', '=', id).executeTakeFirstOrThrow();
      const studyOf = async (patientPk: number) => (await db.selectFrom('study').select('id').where('patient_pk', '=', patientPk).executeTakeFirstOrThrow()).id;
      const lidc1 = await patient('LIDC-0001');
      const addSeries = async (uid: string, p: { id: number; collection_id: number }, values: Partial<Database['series']>) =>
        db
          .insertInto('series')
          .values({ study_pk: await studyOf(p.id), patient_pk: p.id, collection_id: p.collection_id, series_instance_uid: uid, modality: 'CT', image_count: 0, total_size: 0, ...values } as never)
          .execute();

      // A patient's second series of a value, and a first one of new values (a lower-case body part, no manufacturer).
      await addSeries('9.9.1', lidc1, { modality: 'CT', body_part_examined: 'CHEST', manufacturer: 'GE MEDICAL SYSTEMS' });
      await addSeries('9.9.2', lidc1, { modality: 'SR', body_part_examined: 'lung', manufacturer: null });
      await assertKeptEqualsCounted(db, viewers, 'inserted');

      // A new patient in another collection, with one series.
      const br = await patient('BR-01');
      const newPatient = await db.insertInto('patient').values({ collection_id: br.collection_id, patient_id: 'BR-02' }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('study').values({ patient_pk: newPatient.id, study_instance_uid: '9.8.1' }).execute();
      await addSeries('9.9.3', { id: Number(newPatient.id), collection_id: br.collection_id }, { modality: 'MG', body_part_examined: null, manufacturer: 'Hologic, Inc.' });
      await assertKeptEqualsCounted(db, viewers, 'new patient');

      // One statement adding several series: two of a new patient with one value, one of a
      // patient who has the value already (PostgreSQL counts a statement's rows together).
      const p2 = await db.insertInto('patient').values({ collection_id: br.collection_id, patient_id: 'BR-03' }).returning('id').executeTakeFirstOrThrow();
      const st2 = await db.insertInto('study').values({ patient_pk: p2.id, study_instance_uid: '9.8.2' }).returning('id').executeTakeFirstOrThrow();
      const brStudy = await studyOf(br.id);
      await db
        .insertInto('series')
        .values([
          { study_pk: st2.id, patient_pk: p2.id, collection_id: br.collection_id, series_instance_uid: '9.9.5', modality: 'MG', body_part_examined: 'BREAST', manufacturer: 'Hologic, Inc.', image_count: 0, total_size: 0 },
          { study_pk: st2.id, patient_pk: p2.id, collection_id: br.collection_id, series_instance_uid: '9.9.6', modality: 'MG', body_part_examined: 'breast', manufacturer: null, image_count: 0, total_size: 0 },
          { study_pk: brStudy, patient_pk: br.id, collection_id: br.collection_id, series_instance_uid: '9.9.7', modality: 'MG', body_part_examined: 'BREAST', manufacturer: 'Hologic, Inc.', image_count: 0, total_size: 0 },
        ])
        .execute();
      await assertKeptEqualsCounted(db, viewers, 'several in one statement');
      await db.deleteFrom('series').where('series_instance_uid', 'in', ['9.9.5', '9.9.7']).execute();
      await assertKeptEqualsCounted(db, viewers, 'several deleted in one statement');

      // Values filled in later (as ingest does when a later file has them), and a value changed.
      await db.updateTable('series').set({ body_part_examined: 'Breast', manufacturer: 'GE MEDICAL SYSTEMS' }).where('series_instance_uid', '=', '9.9.3').execute();
      await db.updateTable('series').set({ modality: 'MR' }).where('series_instance_uid', '=', '9.9.1').execute();
      // Columns the counts do not read change nothing (and fire nothing on SQLite).
      await db.updateTable('series').set({ image_count: 7, total_size: 7000, max_submission_timestamp: NOW }).execute();
      await assertKeptEqualsCounted(db, viewers, 'updated');

      // A series moved to another patient of another collection (the restricted one).
      const sec = await patient('SEC-001');
      await db.updateTable('series').set({ patient_pk: sec.id, collection_id: sec.collection_id, study_pk: await studyOf(sec.id) }).where('series_instance_uid', '=', '9.9.2').execute();
      await assertKeptEqualsCounted(db, viewers, 'moved');

      // Deletes: one series, then every series of a collection.
      const deleteSeries = async (where: (q: ReturnType<typeof db.selectFrom<'series'>>) => ReturnType<typeof db.selectFrom<'series'>>) => {
        const ids = (await where(db.selectFrom('series')).select('id').execute()).map((r) => r.id);
        if (ids.length === 0) return;
        await db.deleteFrom('image').where('series_pk', 'in', ids).execute();
        await db.deleteFrom('series').where('id', 'in', ids).execute();
      };
      await deleteSeries((q) => q.where('series_instance_uid', '=', '9.9.1'));
      await assertKeptEqualsCounted(db, viewers, 'one deleted');
      await deleteSeries((q) => q.where('collection_id', '=', lidc1.collection_id));
      await assertKeptEqualsCounted(db, viewers, 'a collection emptied');
      const left = await db.selectFrom('collection_value_count').select('collection_id').where('collection_id', '=', lidc1.collection_id).execute();
      assert.deepEqual(left, [], 'an emptied collection keeps no count rows (no zero counts)');
      const leftPatients = await db.selectFrom('series_value_patient').select('patient_pk').where('collection_id', '=', lidc1.collection_id).execute();
      assert.deepEqual(leftPatients, []);

      // The migration's backfill, on an index that holds series: the same counts as the triggers kept.
      const kept = await db.selectFrom('collection_value_count').selectAll().orderBy(['collection_id', 'field', 'value']).execute();
      await valueCounts.down(db as unknown as Kysely<unknown>);
      await valueCounts.up(db as unknown as Kysely<unknown>);
      assert.deepEqual(await db.selectFrom('collection_value_count').selectAll().orderBy(['collection_id', 'field', 'value']).execute(), kept);
      await addSeries('9.9.4', sec, { modality: 'PT', body_part_examined: 'BRAIN', manufacturer: 'SECRETCO' });
      await assertKeptEqualsCounted(db, viewers, 'after the backfill, triggers still on');
    } finally {
      await s.close();
    }
  });
}

test('a copy made by nbia db copy (SQLite to PostgreSQL) has the same kept counts', async () => {
  const s = await seededApp('sqlite');
  const target = await createTestStore('postgres');
  try {
    await copyStore(s.t.store, target.store);
    const viewers: Viewer[] = [GUEST, { kind: 'user', userId: s.seeded.users.alice, name: 'alice' }];
    await assertKeptEqualsCounted(target.store.db, viewers, 'copied');
    for (const viewer of viewers) {
      for (const field of FIELDS) {
        assert.deepEqual(
          await valuesAndCounts(new AccessScope(target.store.db, viewer), field),
          await valuesAndCounts(new AccessScope(s.t.store.db, viewer), field),
          `${viewer.kind} ${field}: the copy answers as the original`,
        );
      }
    }
  } finally {
    await target.dispose();
    await s.close();
  }
});
