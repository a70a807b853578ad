// Simple search criteria added for issue 9 — PatientAgeRangeCriteria, ExcludeCommercialCriteria
// and TimePointCriteria — and the per-patient `timepoints` with the answer's
// maxTimepoints/minTimepoints, over the NBIA fixture (test/fixtures/nbia/seed.ts), both dialects.
// Time points are each study's LongitudinalTemporalOffsetFromEvent (whole days) per
// LongitudinalTemporalEventType, as the original's search reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testEachDialect, type SeededApp } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';
import { ALICE_PASSWORD } from '../fixtures/nbia/seed.js';
import { setCollection } from '../../src/archive/collections.js';
import { ageInYears } from '../../src/archive/queries/advanced-search.js';

interface Answer {
  resultSet: Array<{ subjectId: string; timepoints: Record<string, number[]> }>;
  totalPatients: number;
  maxTimepoints: Record<string, number>;
  minTimepoints: Record<string, number>;
}

async function search(s: SeededApp, headers: Record<string, string>, form: Record<string, string>, url = 'v4/getSimpleSearch') {
  const body = new URLSearchParams({ sortField: 'subject', sortDirection: 'ascending', start: '0', size: '100', ...form });
  return s.app.inject({ method: 'POST', url: `/nbia-api/services/${url}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body.toString() });
}

const subjects = (a: Answer) => a.resultSet.map((p) => p.subjectId);

testEachDialect('age range, commercial use and time points narrow the search; time points come back', async (s, tt) => {
  const guest = await authHeaderFor(s.app);
  const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);
  const db = s.t.store.db;
  // LIDC-0001: Baseline day 0 (study 1.2.840.1.1) and day 400.7 (1.2.840.1.2); lidc-0002: Enrollment day -3;
  // SEC-001 (restricted): Baseline day 9000 — never in the guest's bounds.
  await db.updateTable('study').set({ longitudinal_temporal_event_type: 'Baseline', longitudinal_temporal_offset_from_event: 400.7 }).where('study_instance_uid', '=', '1.2.840.1.2').execute();
  await db.updateTable('study').set({ longitudinal_temporal_event_type: 'Enrollment', longitudinal_temporal_offset_from_event: -3 }).where('study_instance_uid', '=', '1.2.840.2.1').execute();
  await db.updateTable('study').set({ longitudinal_temporal_event_type: 'Baseline', longitudinal_temporal_offset_from_event: 9000, patient_age: '040Y' }).where('study_instance_uid', '=', '1.2.840.3.1').execute();
  await db.updateTable('study').set({ patient_age: '018M' }).where('study_instance_uid', '=', '1.2.840.4.1').execute();

  await tt.test('every matching patient carries its time points; the answer their bounds per event type', async () => {
    const a = (await search(s, guest, {}, 'getSimpleSearchWithModalityAndBodyPartPaged')).json() as Answer;
    assert.deepEqual(subjects(a), ['BR-01', 'LIDC-0001', 'lidc-0002']);
    assert.deepEqual(a.resultSet.map((p) => p.timepoints), [{}, { Baseline: [0, 400] }, { Enrollment: [-3] }]);
    assert.deepEqual(a.maxTimepoints, { Baseline: 400, Enrollment: -3 });
    assert.deepEqual(a.minTimepoints, { Baseline: 0, Enrollment: -3 });
    const mine = (await search(s, alice, {})).json() as Answer;
    assert.deepEqual(mine.maxTimepoints, { Baseline: 9000, Enrollment: -3 }, 'alice sees the restricted study');
  });

  await tt.test('TimePointCriteria: event type and day range select studies', async () => {
    const a = (await search(s, guest, { criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', fromDay0: '100' })).json() as Answer;
    assert.deepEqual(subjects(a), ['LIDC-0001']);
    assert.deepEqual(a.resultSet[0]!.timepoints, { Baseline: [400] }, 'only the matching study\'s time point');
    const b = (await search(s, guest, { criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', toDay0: '5000', fromDay0: '-10' })).json() as Answer;
    assert.deepEqual(subjects(b), ['LIDC-0001']);
    assert.deepEqual(b.minTimepoints, { Baseline: 0 });
    const none = (await search(s, guest, { criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', fromDay0: '8000' })).json() as Answer;
    assert.equal(none.totalPatients, 0, 'the restricted day-9000 study stays hidden from the guest');
    const hers = (await search(s, alice, { criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', fromDay0: '8000' })).json() as Answer;
    assert.deepEqual(subjects(hers), ['SEC-001']);
  });

  await tt.test('PatientAgeRangeCriteria: whole years from PatientAge (months / 12)', async () => {
    const a = (await search(s, guest, { criteriaType0: 'PatientAgeRangeCriteria', from0: '50', to0: '60' })).json() as Answer;
    assert.deepEqual(subjects(a), ['LIDC-0001', 'lidc-0002']);
    const toddler = (await search(s, guest, { criteriaType0: 'PatientAgeRangeCriteria', from0: '1', to0: '1' })).json() as Answer;
    assert.deepEqual(subjects(toddler), ['BR-01'], '018M is 1 year');
    const open = (await search(s, guest, { criteriaType0: 'PatientAgeRangeCriteria', to0: '52' })).json() as Answer;
    assert.deepEqual(subjects(open), ['BR-01', 'LIDC-0001']);
    assert.equal(((await search(s, guest, { criteriaType0: 'PatientAgeRangeCriteria', from0: '39', to0: '41' })).json() as Answer).totalPatients, 0);
    assert.deepEqual(subjects((await search(s, alice, { criteriaType0: 'PatientAgeRangeCriteria', from0: '39', to0: '41' })).json() as Answer), ['SEC-001']);
  });

  await tt.test('ExcludeCommercialCriteria YES leaves out collections whose licence forbids commercial use', async () => {
    await setCollection(db, 'LIDC-Demo', { commercialUse: 'NO' });
    const a = (await search(s, guest, { criteriaType0: 'ExcludeCommercialCriteria', value0: 'YES' })).json() as Answer;
    assert.deepEqual(subjects(a), ['BR-01']);
    const all = (await search(s, guest, { criteriaType0: 'ExcludeCommercialCriteria', value0: 'NO' })).json() as Answer;
    assert.deepEqual(subjects(all), ['BR-01', 'LIDC-0001', 'lidc-0002']);
    await setCollection(db, 'LIDC-Demo', { commercialUse: 'YES' });
    assert.equal(((await search(s, guest, { criteriaType0: 'ExcludeCommercialCriteria', value0: 'yes' })).json() as Answer).totalPatients, 3);
  });

  await tt.test('bad time point, age or commercial values are a 400 naming the field', async () => {
    const bad = async (form: Record<string, string>, mentions: RegExp) => {
      const r = await search(s, guest, form);
      assert.equal(r.statusCode, 400, r.body);
      assert.match((r.json() as { error_description: string }).error_description, mentions);
    };
    await bad({ criteriaType0: 'TimePointCriteria', fromDay0: '1' }, /eventType0/);
    await bad({ criteriaType0: 'TimePointCriteria', eventType0: 'Baseline' }, /fromDay0, toDay0/);
    await bad({ criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', fromDay0: '1.5' }, /fromDay0/);
    await bad({ criteriaType0: 'TimePointCriteria', eventType0: 'Baseline', fromDay0: '9', toDay0: '1' }, /after toDay0/);
    await bad({ criteriaType0: 'PatientAgeRangeCriteria', from0: 'old' }, /from0/);
    await bad({ criteriaType0: 'PatientAgeRangeCriteria' }, /from0, to0/);
    await bad({ criteriaType0: 'ExcludeCommercialCriteria', value0: 'maybe' }, /value0/);
  });
});

test('ageInYears reads DICOM AS values as the original does', () => {
  assert.equal(ageInYears('051Y'), 51);
  assert.equal(ageInYears('018M'), 1);
  assert.equal(ageInYears('103W'), 1);
  assert.equal(ageInYears('010D'), undefined);
  assert.equal(ageInYears('abc'), undefined);
  assert.equal(ageInYears(null), undefined);
});
