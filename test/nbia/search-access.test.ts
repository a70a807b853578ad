// Who sees what: the guest never sees the restricted collection in any answer of any
// endpoint or family; a user granted it sees it everywhere (v2, and v1/v4 with a bearer);
// a user without the grant sees what the guest sees. Also checked at the query layer.
import assert from 'node:assert/strict';
import { testEachDialect } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';
import { ALICE_PASSWORD, BOB_PASSWORD } from '../fixtures/nbia/seed.js';
import { AccessScope, GUEST, type Viewer } from '../../src/archive/access.js';
import { collectionValues, modalityValues } from '../../src/archive/queries/values.js';
import { cartSeries, findSeries, seriesSize, sopInstanceUids } from '../../src/archive/queries/series.js';
import { listPatients, listStudies } from '../../src/archive/queries/patients.js';

/** Strings that occur only in the restricted collection's rows (test/fixtures/nbia/seed.ts). */
const RESTRICTED_MARKERS = ['Secret', 'SEC-001', '1.2.840.3.', 'SECRETCO', 'BRAIN', 'Hush', 'Hidden', '4096'];

/** Every endpoint with parameters that point straight at the restricted data. */
const PROBES = [
  'getCollectionValues',
  'getModalityValues', 'getModalityValues?Collection=Secret-Trial', 'getModalityValues?BodyPartExamined=BRAIN',
  'getBodyPartValues', 'getBodyPartValues?Modality=PT', 'getBodyPartValues?Collection=secret-trial',
  'getManufacturerValues', 'getManufacturerValues?Collection=Secret-Trial&Modality=PT',
  'getPatient', 'getPatient?Collection=Secret-Trial', 'getPatient?PatientId=SEC-001',
  'getPatientByCollectionAndModality?Collection=Secret-Trial&Modality=PT',
  'NewPatientsInCollection?Collection=Secret-Trial&Date=2000/01/01', 'NewPatientsInCollection?Collection=Secret-Trial&fromDate=01-01-2000',
  'getPatientStudy', 'getPatientStudy?StudyInstanceUID=1.2.840.3.1', 'getPatientStudy?PatientID=SEC-001',
  'NewStudiesInPatientCollection?Collection=Secret-Trial&Date=2000/01/01', 'NewStudiesInPatientCollection?Collection=Secret-Trial&fromDate=01-01-2000',
  'getSeries', 'getSeries?Collection=Secret-Trial', 'getSeries?SeriesInstanceUID=1.2.840.3.1.1', 'getSeries?PatientID=SEC-001', 'getSeries?Modality=PT',
  'getUpdatedSeries', 'getUpdatedSeries?fromDate=2000-01-01',
  'getSeriesMetaData?SeriesInstanceUID=1.2.840.3.1.1',
  'getSeriesSize?SeriesInstanceUID=1.2.840.3.1.1',
  'getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.3.1.1',
  'getContentsByName?name=nbia-1234', 'getContentsByName?name=Empty-Share',
];

testEachDialect('the guest and ungranted users never see the restricted collection; a granted user does', async (s, tt) => {
  const guestToken = await authHeaderFor(s.app);
  const bob = await authHeaderFor(s.app, 'bob', BOB_PASSWORD);
  const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);

  await tt.test('no answer to the guest or bob mentions the restricted collection', async () => {
    let answered = 0;
    for (const [family, headers] of [['v1', {}], ['v4', {}], ['v2', guestToken], ['v1', bob], ['v2', bob], ['v4', bob]] as const) {
      for (const probe of PROBES) {
        if (family !== 'v4' && probe.includes('fromDate=')) continue; // v1/v2 New* take Date=
        for (const format of ['', '&format=csv', '&format=xml', '&format=html']) {
          const path = `${family}/${probe}${probe.includes('?') ? format : format.replace('&', '?')}`;
          const r = await s.get(path, headers);
          if (r.statusCode === 404) continue; // an endpoint this family does not have
          assert.equal(r.statusCode, 200, `${path}: ${r.body}`);
          for (const marker of RESTRICTED_MARKERS) assert.ok(!r.body.includes(marker), `${path} leaks "${marker}": ${r.body}`);
          answered++;
        }
      }
    }
    assert.ok(answered > 500, `probed ${answered} answers`);
  });

  await tt.test('alice, granted Secret-Trial, sees it in v2 and with her bearer on v1/v4', async () => {
    assert.equal((await s.get('v2/getCollectionValues', alice)).body, '[{"Collection":"LIDC-Demo"},{"Collection":"Secret-Trial"},{"Collection":"breast-mini"}]');
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.840.3.1.1', alice)).body, '[{"TotalSizeInBytes":4096,"ObjectCount":1}]');
    assert.equal((await s.get('v4/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.3.1.1', alice)).body, '[{"SOPInstanceUID":"1.2.840.3.1.1.1"}]');
    assert.equal(
      (await s.get('v2/getPatient?Collection=secret-trial', alice)).body,
      '[{"PatientId":"SEC-001","PatientName":"Secret Person","PatientBirthDate":"1960-01-01 00:00:00.0","PatientSex":"M","Collection":"Secret-Trial","Phantom":"NO","SpeciesCode":"337915000","SpeciesDescription":"Homo sapiens"}]',
    );
    const cart = JSON.parse((await s.get('v2/getContentsByName?name=nbia-1234', alice)).body) as Array<{ SeriesInstanceUID: string }>;
    assert.deepEqual(cart.map((r) => r.SeriesInstanceUID), ['1.2.840.1.1.1', '1.2.840.3.1.1', '1.2.840.2.1.1']);
    const meta = JSON.parse((await s.get('v2/getSeriesMetaData?SeriesInstanceUID=1.2.840.3.1.1', alice)).body) as Array<Record<string, string>>;
    assert.equal(meta[0]!.Collection, 'Secret-Trial');
    assert.equal(meta[0]!['License Name'], 'Restricted License');
    assert.equal((await s.get('v2/getModalityValues', alice)).body, '[{"Modality":"CT"},{"Modality":"ct"},{"Modality":"MG"},{"Modality":"MR"},{"Modality":"PT"},{"Modality":"SEG"}]');
  });

  await tt.test('the query layer: every query honours the scope it is given', async () => {
    const db = s.t.store.db;
    const aliceScope = new AccessScope(db, { kind: 'user', userId: s.seeded.users.alice, name: 'alice' } as Viewer);
    const bobScope = new AccessScope(db, { kind: 'user', userId: s.seeded.users.bob, name: 'bob' } as Viewer);
    const guest = new AccessScope(db, GUEST);
    assert.deepEqual(await collectionValues(aliceScope), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);
    assert.deepEqual(await collectionValues(bobScope), ['LIDC-Demo', 'breast-mini']);
    assert.deepEqual(await modalityValues(aliceScope, { collection: 'SECRET-TRIAL' }), ['PT']);
    assert.deepEqual(await modalityValues(guest, { collection: 'SECRET-TRIAL' }), []);
    assert.deepEqual((await findSeries(aliceScope, { patientId: 'sec-001' })).map((r) => r.seriesInstanceUid), ['1.2.840.3.1.1']);
    assert.deepEqual(await findSeries(guest, { patientId: 'sec-001' }), []);
    assert.deepEqual(await seriesSize(aliceScope, '1.2.840.3.1.1'), { totalSizeInBytes: 4096, objectCount: 1 });
    assert.equal(await seriesSize(bobScope, '1.2.840.3.1.1'), undefined);
    assert.deepEqual(await sopInstanceUids(aliceScope, '1.2.840.3.1.1'), ['1.2.840.3.1.1.1']);
    assert.deepEqual(await sopInstanceUids(guest, '1.2.840.3.1.1'), []);
    assert.deepEqual((await cartSeries(aliceScope, 'empty-share')).map((r) => r.seriesInstanceUid), ['1.2.840.3.1.1']);
    assert.deepEqual(await cartSeries(bobScope, 'empty-share'), []);
    assert.deepEqual((await listPatients(aliceScope, { collection: 'Secret-Trial' })).map((p) => p.patientId), ['SEC-001']);
    assert.deepEqual(await listPatients(guest, { collection: 'Secret-Trial' }), []);
    assert.deepEqual((await listStudies(aliceScope, { releasedFrom: '2024-06-01' })).map((r) => [r.studyInstanceUid, r.seriesCount]), [['1.2.840.3.1', 1]]);
    assert.deepEqual(await listStudies(guest, { releasedFrom: '2024-06-01' }), []);
  });
});
