// getPatient, getPatientByCollectionAndModality, NewPatientsInCollection, getPatientStudy and
// NewStudiesInPatientCollection against the hand-written fixture (test/fixtures/nbia/seed.ts).
import assert from 'node:assert/strict';
import { testEachDialect } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';

// getPatient rows as v1/v2 write them (spec §5.5): defaults for Phantom/Species, nulls omitted.
const P1_V1 = '{"PatientId":"LIDC-0001","PatientName":"LIDC-0001","PatientBirthDate":"1950-03-04 00:00:00.0","PatientSex":"M","Collection":"LIDC-Demo","Phantom":"NO","SpeciesCode":"337915000","SpeciesDescription":"Homo sapiens"}';
const P2_V1 = '{"PatientId":"lidc-0002","PatientSex":"F","EthnicGroup":"Hispanic","Collection":"LIDC-Demo","Phantom":"YES","SpeciesCode":"447612001","SpeciesDescription":"Canis familiaris"}';
const P5_V1 = '{"PatientId":"BR-01","PatientName":"BR-01","PatientSex":"F","Collection":"breast-mini","Phantom":"NO","SpeciesCode":"337915000","SpeciesDescription":"Homo sapiens"}';
// v4: no PatientBirthDate, `Authorized` last.
const P1_V4 = '{"PatientId":"LIDC-0001","PatientName":"LIDC-0001","PatientSex":"M","Collection":"LIDC-Demo","Phantom":"NO","SpeciesCode":"337915000","SpeciesDescription":"Homo sapiens","Authorized":1}';
const P2_V4 = '{"PatientId":"lidc-0002","PatientSex":"F","EthnicGroup":"Hispanic","Collection":"LIDC-Demo","Phantom":"YES","SpeciesCode":"447612001","SpeciesDescription":"Canis familiaris","Authorized":1}';
const P5_V4 = '{"PatientId":"BR-01","PatientName":"BR-01","PatientSex":"F","Collection":"breast-mini","Phantom":"NO","SpeciesCode":"337915000","SpeciesDescription":"Homo sapiens","Authorized":1}';

// getPatientStudy rows (spec §5.8).
const ST1_V1 = '{"StudyInstanceUID":"1.2.840.1.1","StudyDate":"2001-01-02 00:00:00.0","StudyDescription":"CT CHEST W/O","AdmittingDiagnosesDescription":"Nodule","StudyID":"S1","PatientAge":"051Y","PatientID":"LIDC-0001","PatientName":"LIDC-0001","PatientBirthDate":"1950-03-04 00:00:00.0","PatientSex":"M","Collection":"LIDC-Demo","SeriesCount":2,"LongitudinalTemporalEventType":"Baseline","LongitudinalTemporalOffsetFromEvent":0}';
const ST2_V1 = '{"StudyInstanceUID":"1.2.840.1.2","PatientID":"LIDC-0001","PatientName":"LIDC-0001","PatientBirthDate":"1950-03-04 00:00:00.0","PatientSex":"M","Collection":"LIDC-Demo","SeriesCount":1,"LongitudinalTemporalOffsetFromEvent":12.5}';
const ST3_V1 = '{"StudyInstanceUID":"1.2.840.2.1","StudyDate":"2003-05-06 00:00:00.0","StudyDescription":"Chest_CT (low dose)","StudyID":"S2","PatientAge":"060Y","PatientID":"lidc-0002","PatientSex":"F","EthnicGroup":"Hispanic","Collection":"LIDC-Demo","SeriesCount":1}';
const ST5_V1 = '{"StudyInstanceUID":"1.2.840.4.1","StudyDate":"2015-09-24 00:00:00.0","StudyDescription":"MAMMO","PatientAge":"045Y","PatientID":"BR-01","PatientName":"BR-01","PatientSex":"F","Collection":"breast-mini","SeriesCount":1}';
const ST1_V4 = '{"StudyInstanceUID":"1.2.840.1.1","StudyDate":"01-02-2001","StudyDescription":"CT CHEST W/O","AdmittingDiagnosesDescription":"Nodule","StudyID":"S1","PatientAge":"051Y","PatientID":"LIDC-0001","PatientName":"LIDC-0001","PatientSex":"M","Collection":"LIDC-Demo","SeriesCount":2,"LongitudinalTemporalEventType":"Baseline","LongitudinalTemporalOffsetFromEvent":0,"Authorized":1}';

const list = (...rows: string[]) => `[${rows.join(',')}]`;

testEachDialect('patient and study endpoints — columns, defaults, date forms, filters, formats', async (s, tt) => {
  const v2 = await authHeaderFor(s.app);

  await tt.test('getPatient: patients with a visible series, insertion order, v1/v2 vs v4 columns', async () => {
    assert.equal((await s.get('v1/getPatient')).body, list(P1_V1, P2_V1, P5_V1));
    assert.equal((await s.get('v2/getPatient', v2)).body, list(P1_V1, P2_V1, P5_V1));
    assert.equal((await s.get('v4/getPatient')).body, list(P1_V4, P2_V4, P5_V4));
    assert.equal((await s.get('v1/getPatient?PatientId=LIDC-0002')).body, list(P2_V1), 'PatientId is case-insensitive');
    assert.equal((await s.get('v4/getPatient?Collection=BREAST-MINI')).body, list(P5_V4));
    assert.equal((await s.get('v1/getPatient?PatientID=BR-01')).body, list(P1_V1, P2_V1, P5_V1), 'PatientID is not getPatient\'s parameter: ignored');
    assert.equal((await s.get('v1/getPatient?PatientId=LIDC-0003')).body, '[]', 'a patient without series is not listed');
    assert.equal((await s.get('v4/getPatient?PatientId=SEC-001')).body, '[]');
  });

  await tt.test('getPatient CSV and XML', async () => {
    const csv = await s.get('v1/getPatient?Collection=lidc-demo&format=csv');
    assert.equal(
      csv.body,
      '"PatientId","PatientName","PatientBirthDate","PatientSex","EthnicGroup","Collection","Phantom","SpeciesCode","SpeciesDescription"\n' +
        '"LIDC-0001","LIDC-0001","1950-03-04 00:00:00.0","M","","LIDC-Demo","NO","337915000","Homo sapiens"\n' +
        '"lidc-0002","","","F","Hispanic","LIDC-Demo","YES","447612001","Canis familiaris"\n',
    );
    const xml = await s.get('v1/getPatient?PatientId=lidc-0001&format=xml');
    assert.match(String(xml.headers['content-type']), /^application\/xml/);
    assert.equal(
      xml.body,
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><PatientId type='java.lang.String'>LIDC-0001</PatientId>` +
        `<PatientName type='java.lang.String'>LIDC-0001</PatientName><PatientBirthDate type='java.sql.Timestamp'>1950-03-04 00:00:00.0</PatientBirthDate>` +
        `<PatientSex type='java.lang.String'>M</PatientSex><Collection type='java.lang.String'>LIDC-Demo</Collection><Phantom type='java.lang.String'>NO</Phantom>` +
        `<SpeciesCode type='java.lang.String'>337915000</SpeciesCode><SpeciesDescription type='java.lang.String'>Homo sapiens</SpeciesDescription></Row></Results>`,
    );
    const empty = await s.get('v4/getPatient?Collection=nothing&format=csv');
    assert.equal(empty.statusCode, 200);
    assert.equal(empty.body, '"PatientId","PatientName","PatientSex","EthnicGroup","Collection","Phantom","SpeciesCode","SpeciesDescription","Authorized"\n');
  });

  await tt.test('getPatientByCollectionAndModality: both case-insensitive; v4 adds Authorized', async () => {
    assert.equal((await s.get('v1/getPatientByCollectionAndModality?Collection=lidc-demo&Modality=ct')).body, '[{"PatientId":"LIDC-0001"},{"PatientId":"lidc-0002"}]');
    assert.equal((await s.get('v2/getPatientByCollectionAndModality?Collection=LIDC-Demo&Modality=mr', v2)).body, '[{"PatientId":"LIDC-0001"}]');
    assert.equal((await s.get('v4/getPatientByCollectionAndModality?Collection=LIDC-Demo&Modality=CT')).body, '[{"PatientId":"LIDC-0001","Authorized":1},{"PatientId":"lidc-0002","Authorized":1}]');
    assert.equal((await s.get('v4/getPatientByCollectionAndModality?Collection=Secret-Trial&Modality=PT')).body, '[]');
    assert.equal(
      (await s.get('v4/getPatientByCollectionAndModality?Collection=breast-mini&Modality=MG&format=html')).body,
      "<P ALIGN='center'><TABLE BORDER=1><TR><TH>PatientId</TH><TH>Authorized</TH></TR><TR><TD>BR-01</TD><TD>1</TD></TR></TABLE></P>",
    );
  });

  await tt.test('NewPatientsInCollection: v1/v2 Date=YYYY/MM/DD strictly after the day; v4 fromDate=MM-DD-YYYY from the day on', async () => {
    // Series released: 1.2.840.1.1.1 2024-03-05 10:00, 1.2.840.1.1.2 2024-03-06 00:00 (LIDC-0001),
    // 1.2.840.2.1.1 2023-12-31 23:59:59.999 (lidc-0002), 1.2.840.4.1.1 2024-03-05 23:00 (BR-01).
    assert.equal((await s.get('v1/NewPatientsInCollection?Collection=LIDC-Demo&Date=2024/03/05')).body, list(P1_V1));
    assert.equal((await s.get('v1/NewPatientsInCollection?Collection=lidc-demo&Date=2023/12/30')).body, list(P1_V1, P2_V1));
    assert.equal((await s.get('v2/NewPatientsInCollection?Collection=LIDC-Demo&Date=2023/12/31', v2)).body, list(P1_V1));
    assert.equal((await s.get('v1/NewPatientsInCollection?Collection=LIDC-Demo&Date=2024/03/06')).body, '[]');
    assert.equal((await s.get('v1/NewPatientsInCollection?Collection=breast-mini&Date=2024/03/05')).body, '[]', 'released during the given day: not after it');
    assert.equal((await s.get('v1/NewPatientsInCollection?Collection=breast-mini&Date=2024-03-04')).body, list(P5_V1), 'ISO accepted');
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=breast-mini&fromDate=03-05-2024')).body, list(P5_V4), 'v4 counts the day itself');
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=LIDC-Demo&fromDate=03-06-2024')).body, list(P1_V4));
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=LIDC-Demo&fromDate=12-31-2023')).body, list(P1_V4, P2_V4));
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=LIDC-Demo&fromDate=03-07-2024')).body, '[]');
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=LIDC-Demo&Date=2024/03/06')).body, list(P1_V4), 'v4 takes Date as an alias');
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=Secret-Trial&fromDate=01-01-2000')).body, '[]');
  });

  await tt.test('getPatientStudy: one row per study, SeriesCount of visible series, v4 dates', async () => {
    assert.equal((await s.get('v1/getPatientStudy')).body, list(ST1_V1, ST2_V1, ST3_V1, ST5_V1));
    assert.equal((await s.get('v2/getPatientStudy?PatientID=lidc-0001', v2)).body, list(ST1_V1, ST2_V1));
    assert.equal((await s.get('v1/getPatientStudy?Collection=LIDC-DEMO&StudyInstanceUID=1.2.840.2.1')).body, list(ST3_V1));
    assert.equal((await s.get('v1/getPatientStudy?StudyInstanceUID=1.2.840.3.1')).body, '[]');
    assert.equal((await s.get('v4/getPatientStudy?StudyInstanceUID=1.2.840.1.1')).body, list(ST1_V4));
    assert.equal(
      (await s.get('v1/getPatientStudy?StudyInstanceUID=1.2.840.1.2&format=csv')).body,
      '"StudyInstanceUID","StudyDate","StudyDescription","AdmittingDiagnosesDescription","StudyID","PatientAge","PatientID","PatientName","PatientBirthDate","PatientSex","EthnicGroup","Collection","SeriesCount","LongitudinalTemporalEventType","LongitudinalTemporalOffsetFromEvent"\n' +
        '"1.2.840.1.2","","","","","","LIDC-0001","LIDC-0001","1950-03-04 00:00:00.0","M","","LIDC-Demo","1","","12.5"\n',
    );
    assert.equal(
      (await s.get('v4/getPatientStudy?StudyInstanceUID=1.2.840.1.2&format=xml')).body,
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><StudyInstanceUID type='java.lang.String'>1.2.840.1.2</StudyInstanceUID>` +
        `<PatientID type='java.lang.String'>LIDC-0001</PatientID><PatientName type='java.lang.String'>LIDC-0001</PatientName><PatientSex type='java.lang.String'>M</PatientSex>` +
        `<Collection type='java.lang.String'>LIDC-Demo</Collection><SeriesCount type='java.lang.Integer'>1</SeriesCount>` +
        `<LongitudinalTemporalOffsetFromEvent type='java.lang.Double'>12.5</LongitudinalTemporalOffsetFromEvent><Authorized type='java.lang.Integer'>1</Authorized></Row></Results>`,
    );
  });

  await tt.test('NewStudiesInPatientCollection: SeriesCount counts only the new series', async () => {
    const st1OneNew = ST1_V1.replace('"SeriesCount":2', '"SeriesCount":1');
    assert.equal((await s.get('v1/NewStudiesInPatientCollection?Collection=LIDC-Demo&Date=2024/03/04')).body, list(ST1_V1));
    assert.equal((await s.get('v2/NewStudiesInPatientCollection?Collection=LIDC-Demo&Date=2024/03/05', v2)).body, list(st1OneNew));
    assert.equal((await s.get('v1/NewStudiesInPatientCollection?Collection=LIDC-Demo&Date=2023/12/30&PatientID=LIDC-0002')).body, list(ST3_V1));
    assert.equal((await s.get('v4/NewStudiesInPatientCollection?Collection=LIDC-Demo&fromDate=03-06-2024')).body, list(ST1_V4.replace('"SeriesCount":2', '"SeriesCount":1')));
    assert.equal((await s.get('v4/NewStudiesInPatientCollection?Collection=Secret-Trial&fromDate=01-01-2000')).body, '[]');
  });
});
