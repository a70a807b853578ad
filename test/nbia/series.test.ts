// getSeries, getUpdatedSeries, getContentsByName, getSeriesMetaData, getSeriesSize and
// getSOPInstanceUIDs against the hand-written fixture (test/fixtures/nbia/seed.ts).
import assert from 'node:assert/strict';
import { testEachDialect } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';

const LICENSE = '"LicenseName":"Creative Commons Attribution 3.0 Unported License","LicenseURI":"http://creativecommons.org/licenses/by/3.0/"';
const DOI = 'https://doi.org/10.7937/K9/TCIA.2015.LO9QL9SX';

// v1/v2 getSeries rows (spec §5.10, 24 columns, nulls omitted).
const S1 = `{"SeriesInstanceUID":"1.2.840.1.1.1","StudyInstanceUID":"1.2.840.1.1","Modality":"CT","ProtocolName":"Chest/Routine","SeriesDate":"2001-01-02 00:00:00.0","SeriesDescription":"LUNG 1.25mm","BodyPartExamined":"CHEST","SeriesNumber":2,"Collection":"LIDC-Demo","PatientID":"LIDC-0001","Manufacturer":"GE MEDICAL SYSTEMS","ManufacturerModelName":"LightSpeed16","SoftwareVersions":"LightSpeedverrel","ImageCount":3,"TimeStamp":"2011-11-08 08:08:01.0",${LICENSE},"CollectionURI":"${DOI}","FileSize":1500,"DateReleased":"2024-03-05 10:00:00.0","StudyDesc":"CT CHEST W/O","StudyDate":"2001-01-02 00:00:00.0","ThirdPartyAnalysis":"NO"}`;
const S2 = `{"SeriesInstanceUID":"1.2.840.1.1.2","StudyInstanceUID":"1.2.840.1.1","Modality":"SEG","SeriesDescription":"Nodule, segmentation","SeriesNumber":300,"AnnotationsFlag":true,"Collection":"LIDC-Demo","PatientID":"LIDC-0001","ImageCount":1,"TimeStamp":"2024-03-05 23:59:59.5",${LICENSE},"CollectionURI":"${DOI}","FileSize":200,"DateReleased":"2024-03-06 00:00:00.0","StudyDesc":"CT CHEST W/O","StudyDate":"2001-01-02 00:00:00.0","ThirdPartyAnalysis":"YES"}`;
const S3 = `{"SeriesInstanceUID":"1.2.840.1.2.1","StudyInstanceUID":"1.2.840.1.2","Modality":"MR","SeriesDate":"2002-02-03 00:00:00.0","SeriesDescription":"T1 AX","BodyPartExamined":"Chest","AnnotationsFlag":false,"Collection":"LIDC-Demo","PatientID":"LIDC-0001","Manufacturer":"Philips","ManufacturerModelName":"Achieva","ImageCount":2,${LICENSE},"CollectionURI":"${DOI}","FileSize":800}`;
const S4 = `{"SeriesInstanceUID":"1.2.840.2.1.1","StudyInstanceUID":"1.2.840.2.1","Modality":"ct","ProtocolName":"Head","SeriesDate":"2003-05-06 00:00:00.0","SeriesDescription":"HEAD","BodyPartExamined":"HEAD","SeriesNumber":1,"Collection":"LIDC-Demo","PatientID":"lidc-0002","Manufacturer":"ge medical systems","ManufacturerModelName":"LightSpeed16","ImageCount":2,"TimeStamp":"2023-12-31 23:59:59.999",${LICENSE},"CollectionURI":"${DOI}","FileSize":1024,"DateReleased":"2023-12-31 23:59:59.999","StudyDesc":"Chest_CT (low dose)","StudyDate":"2003-05-06 00:00:00.0","ThirdPartyAnalysis":"NO"}`;
const S6 = '{"SeriesInstanceUID":"1.2.840.4.1.1","StudyInstanceUID":"1.2.840.4.1","Modality":"MG","SeriesDate":"2015-09-24 00:00:00.0","SeriesDescription":"L CC","BodyPartExamined":"BREAST","SeriesNumber":1,"Collection":"breast-mini","PatientID":"BR-01","Manufacturer":"Hologic, Inc.","ManufacturerModelName":"Selenia","ImageCount":1,"TimeStamp":"2024-03-05 23:00:00.0","FileSize":300,"DateReleased":"2024-03-05 23:00:00.0","StudyDesc":"MAMMO","StudyDate":"2015-09-24 00:00:00.0"}';

// v4 getSeries row (spec §8, 30 columns, MM-dd-yyyy).
const S1_V4 = `{"SeriesInstanceUID":"1.2.840.1.1.1","StudyInstanceUID":"1.2.840.1.1","Modality":"CT","ProtocolName":"Chest/Routine","SeriesDate":"01-02-2001","SeriesDescription":"LUNG 1.25mm","BodyPartExamined":"CHEST","SeriesNumber":2,"Collection":"LIDC-Demo","Site":"Site A","PatientID":"LIDC-0001","PatientSex":"M","PatientAge":"051Y","AdmittingDiagnosisDescription":"Nodule","Manufacturer":"GE MEDICAL SYSTEMS","ManufacturerModelName":"LightSpeed16","SoftwareVersions":"LightSpeedverrel","ImageCount":3,"MaxSubmissionTimestamp":"11-08-2011",${LICENSE},"DataDescriptionURI":"${DOI}","FileSize":1500,"ReleasedStatus":"Yes","DateReleased":"03-05-2024","StudyDesc":"CT CHEST W/O","StudyDate":"01-02-2001","ThirdPartyAnalysis":"NO","Authorized":1}`;
const S2_V4 = `{"SeriesInstanceUID":"1.2.840.1.1.2","StudyInstanceUID":"1.2.840.1.1","Modality":"SEG","SeriesDescription":"Nodule, segmentation","SeriesNumber":300,"AnnotationsFlag":true,"Collection":"LIDC-Demo","Site":"Site A","PatientID":"LIDC-0001","PatientSex":"M","PatientAge":"051Y","AdmittingDiagnosisDescription":"Nodule","ImageCount":1,"MaxSubmissionTimestamp":"03-05-2024",${LICENSE},"DataDescriptionURI":"${DOI}","FileSize":200,"ReleasedStatus":"Yes","DateReleased":"03-06-2024","StudyDesc":"CT CHEST W/O","StudyDate":"01-02-2001","ThirdPartyAnalysis":"YES","Authorized":1}`;

// getUpdatedSeries v1/v2 (16 columns, last DateReleased) and getContentsByName (last "Date Released").
const U2 = '{"SeriesInstanceUID":"1.2.840.1.1.2","StudyInstanceUID":"1.2.840.1.1","Modality":"SEG","SeriesDescription":"Nodule, segmentation","SeriesNumber":300,"AnnotationsFlag":true,"Collection":"LIDC-Demo","PatientID":"LIDC-0001","ImageCount":1,"DateReleased":"2024-03-06 00:00:00.0"}';
const C1 = '{"SeriesInstanceUID":"1.2.840.1.1.1","StudyInstanceUID":"1.2.840.1.1","Modality":"CT","ProtocolName":"Chest/Routine","SeriesDate":"2001-01-02 00:00:00.0","SeriesDescription":"LUNG 1.25mm","BodyPartExamined":"CHEST","SeriesNumber":2,"Collection":"LIDC-Demo","PatientID":"LIDC-0001","Manufacturer":"GE MEDICAL SYSTEMS","ManufacturerModelName":"LightSpeed16","SoftwareVersions":"LightSpeedverrel","ImageCount":3,"Date Released":"2024-03-05 10:00:00.0"}';
const C4 = '{"SeriesInstanceUID":"1.2.840.2.1.1","StudyInstanceUID":"1.2.840.2.1","Modality":"ct","ProtocolName":"Head","SeriesDate":"2003-05-06 00:00:00.0","SeriesDescription":"HEAD","BodyPartExamined":"HEAD","SeriesNumber":1,"Collection":"LIDC-Demo","PatientID":"lidc-0002","Manufacturer":"ge medical systems","ManufacturerModelName":"LightSpeed16","ImageCount":2,"Date Released":"2023-12-31 23:59:59.999"}';

// getSeriesMetaData (spec §5.12): 27 keys, all strings, Java Date.toString() in UTC.
const M1 = `{"Series UID":"1.2.840.1.1.1","Collection":"LIDC-Demo","3rd Party Analysis":"NO","Data Description URI":"${DOI}","Subject ID":"LIDC-0001","Study UID":"1.2.840.1.1","Study Description":"CT CHEST WO","Study Date":"01-02-2001","Series Description":"LUNG 1.25mm","Manufacturer":"GE MEDICAL SYSTEMS","Modality":"CT","SOP Class UID":"1.2.840.10008.5.1.4.1.1.2","Number of Images":"3","File Size":"1500","File Location":"S1","Series Number":"2.000000","License Name":"Creative Commons Attribution 3.0 Unported License","License URL":"http://creativecommons.org/licenses/by/3.0/","Annotation Size":"0","Date Released":"Tue Mar 05 10:00:00 UTC 2024","Series Date":"Tue Jan 02 00:00:00 UTC 2001","Protocol Name":"Chest/Routine","Body Part Examined":"CHEST","Annotations Flag":"false","Manufacturer Model Name":"LightSpeed16","Software Versions":"LightSpeedverrel","TimeStamp":"Tue Nov 08 08:08:01 UTC 2011"}`;
const M3 = `{"Series UID":"1.2.840.1.2.1","Collection":"LIDC-Demo","Data Description URI":"${DOI}","Subject ID":"LIDC-0001","Study UID":"1.2.840.1.2","Study Date":"","Series Description":"T1 AX","Manufacturer":"Philips","Modality":"MR","SOP Class UID":"1.2.840.10008.5.1.4.1.1.4","Number of Images":"2","File Size":"800","License Name":"Creative Commons Attribution 3.0 Unported License","License URL":"http://creativecommons.org/licenses/by/3.0/","Annotation Size":"0","Series Date":"Sun Feb 03 00:00:00 UTC 2002","Body Part Examined":"Chest","Annotations Flag":"false","Manufacturer Model Name":"Achieva"}`;
const M6 = '{"Series UID":"1.2.840.4.1.1","Collection":"breast-mini","Subject ID":"BR-01","Study UID":"1.2.840.4.1","Study Description":"MAMMO","Study Date":"09-24-2015","Series Description":"L CC","Manufacturer":"Hologic  Inc.","Modality":"MG","SOP Class UID":"1.2.840.10008.5.1.4.1.1.1.2","Number of Images":"1","File Size":"300","Series Number":"1.000000","Annotation Size":"0","Date Released":"Tue Mar 05 23:00:00 UTC 2024","Series Date":"Thu Sep 24 00:00:00 UTC 2015","Body Part Examined":"BREAST","Annotations Flag":"false","Manufacturer Model Name":"Selenia","TimeStamp":"Tue Mar 05 23:00:00 UTC 2024"}';

const list = (...rows: string[]) => `[${rows.join(',')}]`;

testEachDialect('series endpoints — columns, key order, date forms, filters, empty answers', async (s, tt) => {
  const v2 = await authHeaderFor(s.app);

  await tt.test('getSeries: v1/v2 24 columns in insertion order; PatientID case-insensitive', async () => {
    assert.equal((await s.get('v1/getSeries?PatientID=lidc-0001')).body, list(S1, S2, S3));
    assert.equal((await s.get('v2/getSeries?Collection=LIDC-Demo&PatientID=LIDC-0001', v2)).body, list(S1, S2, S3));
    assert.equal((await s.get('v1/getSeries')).body, list(S1, S2, S3, S4, S6), 'no parameter: every visible series');
  });

  await tt.test('getSeries: filters (Modality ci; body part, manufacturer, model exact; UIDs exact)', async () => {
    const uids = async (q: string) => (JSON.parse((await s.get(`v1/getSeries?${q}`)).body) as Array<{ SeriesInstanceUID: string }>).map((r) => r.SeriesInstanceUID);
    assert.deepEqual(await uids('Modality=CT'), ['1.2.840.1.1.1', '1.2.840.2.1.1']);
    assert.deepEqual(await uids('BodyPartExamined=Chest'), ['1.2.840.1.2.1']);
    assert.deepEqual(await uids('BodyPartExamined=chest'), []);
    assert.deepEqual(await uids('Manufacturer=ge%20medical%20systems'), ['1.2.840.2.1.1']);
    assert.deepEqual(await uids('ManufacturerModelName=LightSpeed16'), ['1.2.840.1.1.1', '1.2.840.2.1.1']);
    assert.deepEqual(await uids('StudyInstanceUID=1.2.840.1.1'), ['1.2.840.1.1.1', '1.2.840.1.1.2']);
    assert.deepEqual(await uids('SeriesInstanceUID=1.2.840.4.1.1&Collection=BREAST-mini'), ['1.2.840.4.1.1']);
    assert.deepEqual(await uids('Collection=lidc-demo&Modality=seg'), ['1.2.840.1.1.2']);
    assert.deepEqual(await uids('Collection='), [], 'an empty value matches nothing');
    assert.deepEqual(await uids('SeriesInstanceUID=1.2.840.1.1'), [], 'UIDs match exactly, never as prefixes');
  });

  await tt.test('getSeries: v4 columns and dates', async () => {
    assert.equal((await s.get('v4/getSeries?SeriesInstanceUID=1.2.840.1.1.1')).body, list(S1_V4));
    assert.equal((await s.get('v4/getSeries?StudyInstanceUID=1.2.840.1.1')).body, list(S1_V4, S2_V4));
  });

  await tt.test('getSeries: CSV, XML and HTML', async () => {
    const csv = await s.get('v1/getSeries?SeriesInstanceUID=1.2.840.4.1.1&format=csv');
    assert.equal(
      csv.body,
      '"SeriesInstanceUID","StudyInstanceUID","Modality","ProtocolName","SeriesDate","SeriesDescription","BodyPartExamined","SeriesNumber","AnnotationsFlag","Collection","PatientID","Manufacturer","ManufacturerModelName","SoftwareVersions","ImageCount","TimeStamp","LicenseName","LicenseURI","CollectionURI","FileSize","DateReleased","StudyDesc","StudyDate","ThirdPartyAnalysis"\n' +
        '"1.2.840.4.1.1","1.2.840.4.1","MG","","2015-09-24 00:00:00.0","L CC","BREAST","1","","breast-mini","BR-01","Hologic, Inc.","Selenia","","1","2024-03-05 23:00:00.0","","","","300","2024-03-05 23:00:00.0","MAMMO","2015-09-24 00:00:00.0",""\n',
    );
    const xml = await s.get('v1/getSeries?SeriesInstanceUID=1.2.840.1.1.2&format=xml');
    assert.equal(
      xml.body,
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><SeriesInstanceUID type='java.lang.String'>1.2.840.1.1.2</SeriesInstanceUID>` +
        `<StudyInstanceUID type='java.lang.String'>1.2.840.1.1</StudyInstanceUID><Modality type='java.lang.String'>SEG</Modality>` +
        `<SeriesDescription type='java.lang.String'>Nodule, segmentation</SeriesDescription><SeriesNumber type='java.lang.Integer'>300</SeriesNumber>` +
        `<AnnotationsFlag type='java.lang.Boolean'>true</AnnotationsFlag><Collection type='java.lang.String'>LIDC-Demo</Collection>` +
        `<PatientID type='java.lang.String'>LIDC-0001</PatientID><ImageCount type='java.lang.Integer'>1</ImageCount>` +
        `<TimeStamp type='java.sql.Timestamp'>2024-03-05 23:59:59.5</TimeStamp>` +
        `<LicenseName type='java.lang.String'>Creative Commons Attribution 3.0 Unported License</LicenseName>` +
        `<LicenseURI type='java.lang.String'>http://creativecommons.org/licenses/by/3.0/</LicenseURI>` +
        `<CollectionURI type='java.lang.String'>${DOI}</CollectionURI><FileSize type='java.lang.Long'>200</FileSize>` +
        `<DateReleased type='java.sql.Timestamp'>2024-03-06 00:00:00.0</DateReleased><StudyDesc type='java.lang.String'>CT CHEST W/O</StudyDesc>` +
        `<StudyDate type='java.sql.Timestamp'>2001-01-02 00:00:00.0</StudyDate><ThirdPartyAnalysis type='java.lang.String'>YES</ThirdPartyAnalysis></Row></Results>`,
    );
    const html = await s.get('v4/getSeries?Collection=nobody&format=html');
    assert.equal(html.statusCode, 200);
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.equal(
      html.body,
      "<P ALIGN='center'><TABLE BORDER=1><TR><TH>SeriesInstanceUID</TH><TH>StudyInstanceUID</TH><TH>Modality</TH><TH>ProtocolName</TH><TH>SeriesDate</TH><TH>SeriesDescription</TH><TH>BodyPartExamined</TH><TH>SeriesNumber</TH><TH>AnnotationsFlag</TH><TH>Collection</TH><TH>Site</TH><TH>PatientID</TH><TH>PatientSex</TH><TH>PatientAge</TH><TH>AdmittingDiagnosisDescription</TH><TH>Manufacturer</TH><TH>ManufacturerModelName</TH><TH>SoftwareVersions</TH><TH>ImageCount</TH><TH>MaxSubmissionTimestamp</TH><TH>LicenseName</TH><TH>LicenseURI</TH><TH>DataDescriptionURI</TH><TH>FileSize</TH><TH>ReleasedStatus</TH><TH>DateReleased</TH><TH>StudyDesc</TH><TH>StudyDate</TH><TH>ThirdPartyAnalysis</TH><TH>Authorized</TH></TR></TABLE></P>",
    );
  });

  await tt.test('getUpdatedSeries: per-family fromDate forms, strictly after the day, unreleased never listed', async () => {
    assert.equal((await s.get('v1/getUpdatedSeries?fromDate=03/05/2024')).body, list(U2));
    assert.equal((await s.get('v2/getUpdatedSeries?fromDate=05/03/2024', v2)).body, list(U2), 'v2 reads DD/MM/YYYY');
    assert.equal((await s.get('v1/getUpdatedSeries?fromDate=2024-03-05')).body, list(U2), 'ISO everywhere');
    const uids = async (path: string, headers = {}) =>
      (JSON.parse((await s.get(path, headers)).body) as Array<{ SeriesInstanceUID: string }>).map((r) => r.SeriesInstanceUID);
    assert.deepEqual(await uids('v1/getUpdatedSeries?fromDate=03/04/2024'), ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.4.1.1']);
    assert.deepEqual(await uids('v2/getUpdatedSeries?fromDate=30/12/2023', v2), ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.2.1.1', '1.2.840.4.1.1']);
    assert.deepEqual(await uids('v4/getUpdatedSeries?fromDate=12-31-2023'), ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.4.1.1']);
    assert.deepEqual(await uids('v1/getUpdatedSeries'), ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.2.1.1', '1.2.840.4.1.1'], 'default 1900-01-01');
    assert.deepEqual(await uids('v4/getUpdatedSeries?fromDate=03-06-2024'), []);
    assert.equal((await s.get('v4/getUpdatedSeries?fromDate=03-05-2024')).body, list(S2_V4), 'v4 uses the getSeries columns');
  });

  await tt.test('getContentsByName: cart order, restricted members dropped, always JSON, unknown → []', async () => {
    assert.equal((await s.get('v1/getContentsByName?name=NBIA-1234')).body, list(C1, C4));
    const csvAsked = await s.get('v2/getContentsByName?name=nbia-1234&format=csv', v2);
    assert.match(String(csvAsked.headers['content-type']), /^application\/json/);
    assert.equal(csvAsked.body, list(C1, C4));
    assert.equal((await s.get('v1/getContentsByName?name=Empty-Share')).body, '[]');
    assert.equal((await s.get('v1/getContentsByName?name=no-such-cart')).body, '[]');
    assert.equal((await s.get('v4/getContentsByName?name=nbia-1234')).statusCode, 404, 'not a v4 endpoint (spec §8)');
  });

  await tt.test('getSeriesMetaData: spaced keys, all strings; invisible or unknown → []', async () => {
    assert.equal((await s.get('v1/getSeriesMetaData?SeriesInstanceUID=1.2.840.1.1.1')).body, list(M1));
    assert.equal((await s.get('v2/getSeriesMetaData?SeriesInstanceUID=1.2.840.1.2.1', v2)).body, list(M3));
    assert.equal((await s.get('v1/getSeriesMetaData?SeriesInstanceUID=1.2.840.4.1.1')).body, list(M6));
    const seg = JSON.parse((await s.get('v1/getSeriesMetaData?SeriesInstanceUID=1.2.840.1.1.2')).body) as Array<Record<string, string>>;
    assert.equal(seg[0]!['Series Description'], 'Nodule segmentation');
    assert.equal(seg[0]!['Annotations Flag'], 'true');
    for (const uid of ['1.2.840.3.1.1', '9.9.9']) {
      const r = await s.get(`v1/getSeriesMetaData?SeriesInstanceUID=${uid}`);
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, '[]');
    }
    const csv = await s.get('v1/getSeriesMetaData?SeriesInstanceUID=1.2.840.4.1.1&format=csv');
    assert.equal(
      csv.body.split('\n')[0],
      '"Series UID","Collection","3rd Party Analysis","Data Description URI","Subject ID","Study UID","Study Description","Study Date","Series Description","Manufacturer","Modality","SOP Class UID","Number of Images","File Size","File Location","Series Number","License Name","License URL","Annotation Size","Date Released","Series Date","Protocol Name","Body Part Examined","Annotations Flag","Manufacturer Model Name","Software Versions","TimeStamp"',
    );
    assert.equal((await s.get('v4/getSeriesMetaData?SeriesInstanceUID=1.2.840.1.1.1')).statusCode, 404, 'v1/v2 only');
  });

  await tt.test('getSeriesSize: from the series row; invisible or unknown → []', async () => {
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.840.1.1.1')).body, '[{"TotalSizeInBytes":1500,"ObjectCount":3}]');
    assert.equal((await s.get('v2/getSeriesSize?SeriesInstanceUID=1.2.840.2.1.1', v2)).body, '[{"TotalSizeInBytes":1024,"ObjectCount":2}]');
    assert.equal((await s.get('v4/getSeriesSize?SeriesInstanceUID=1.2.840.4.1.1')).body, '[{"TotalSizeInBytes":300,"ObjectCount":1}]');
    assert.equal((await s.get('v4/getSeriesSize?SeriesInstanceUID=1.2.840.3.1.1')).body, '[]');
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.3.4.5')).body, '[]');
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.840.1.1.1&format=csv')).body, '"TotalSizeInBytes","ObjectCount"\n"1500","3"\n');
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.3.4.5&format=csv')).body, '"TotalSizeInBytes","ObjectCount"\n');
    assert.equal(
      (await s.get('v4/getSeriesSize?SeriesInstanceUID=1.2.840.1.1.1&format=xml')).body,
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><TotalSizeInBytes type='java.lang.Long'>1500</TotalSizeInBytes><ObjectCount type='java.lang.Integer'>3</ObjectCount></Row></Results>`,
    );
    assert.equal((await s.get('v1/getSeriesSize?SeriesInstanceUID=1.2.3.4.5&format=xml')).body, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results></Results>');
  });

  await tt.test('getSOPInstanceUIDs: insertion order; invisible or unknown → []', async () => {
    // The fixture inserts each series' images in reverse InstanceNumber order.
    assert.equal(
      (await s.get('v1/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.1.1.1')).body,
      '[{"SOPInstanceUID":"1.2.840.1.1.1.3"},{"SOPInstanceUID":"1.2.840.1.1.1.2"},{"SOPInstanceUID":"1.2.840.1.1.1.1"}]',
    );
    assert.equal((await s.get('v4/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.2.1.1&format=csv')).body, 'SOPInstanceUID\n1.2.840.2.1.1.2\n1.2.840.2.1.1.1\n');
    assert.equal((await s.get('v2/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.4.1.1', v2)).body, '[{"SOPInstanceUID":"1.2.840.4.1.1.1"}]');
    assert.equal((await s.get('v4/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.3.1.1')).body, '[]');
    assert.equal((await s.get('v1/getSOPInstanceUIDs?SeriesInstanceUID=')).body, '[]');
  });
});
