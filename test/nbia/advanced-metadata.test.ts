// POST v4/getSeriesMetadata and getSeriesMetadata2 on both dialects: exact columns, visible
// series only, in the order asked, header-only CSV for nothing, and 5,000 UIDs in one request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect } from '../fixtures/advanced/app.js';

/** The v4 header as the Data Retriever maps it (clients.md §2.5), in spec §8's order. */
const V4_HEADER = [
  'PatientID', 'PatientName', 'PatientSex', 'EthnicGroup', 'Phantom', 'SpeciesCode', 'SpeciesDescription', 'StudyInstanceUID',
  'StudyDate', 'StudyDesc', 'AdmittingDiagnosisDescription', 'StudyID', 'PatientAge', 'LongitudinalTemporalEventType',
  'LongitudinalTemporalOffsetFromEvent', 'SeriesInstanceUID', 'Collection', 'Site', 'Modality', 'ProtocolName', 'SeriesDate',
  'SeriesDescription', 'BodyPartExamined', 'SeriesNumber', 'AnnotationsFlag', 'Manufacturer', 'ManufacturerModelName',
  'PixelSpacing(mm)-Row', 'SliceThickness(mm)', 'SoftwareVersions', 'ImageCount', 'MaxSubmissionTimestamp', 'LicenseName',
  'LicenseURI', 'DataDescriptionURI', 'FileSize', 'ReleasedStatus', 'DateReleased', 'ThirdPartyAnalysis', 'Authorized',
];

const METADATA2_HEADER = [
  'Subject ID', 'Study UID', 'Study Description', 'Study Date', 'Series ID', 'Series Description', 'Number of images',
  'File Size (Bytes)', 'Collection Name', 'Modality', 'Manufacturer', '3rd Party Analysis', 'Data Description URI', 'Series Number',
  'License Name', 'License URL', 'Date Released', 'Series Date', 'Protocol Name', 'Body Part Examined', 'Annotations Flag',
  'Manufacturer Model Name', 'Software Versions', 'TimeStamp',
];

const LICENSE = 'Creative Commons Attribution 4.0 International License';
const LICENSE_URI = 'https://creativecommons.org/licenses/by/4.0/';
const DOI = 'https://doi.org/10.0000/alpha';

/** RFC 4180 records (quoted fields, doubled quotes), as a CSV reader sees them. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/** Rows keyed by header name, the Data Retriever's way. */
function byHeader(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}

eachDialect((dialect, a) => {
  test(`${dialect}: v4 getSeriesMetadata answers CSV by default with the 40 v4 columns, visible series only, in the order asked`, async () => {
    const res = await a.post('v4/getSeriesMetadata', { list: '1.2.826.0.3.1.1,1.2.826.0.9.1.1,1.2.826.0.1.1.1,9.9.9' }, {});
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /attachment/);
    const records = parseCsv(res.body);
    assert.deepEqual(records[0], V4_HEADER);
    assert.equal(records.length, 3, 'header + A3 + A1; the restricted and the unknown UID are absent');
    assert.deepEqual(records[2], [
      'A1', 'Alpha^One', 'M', '', 'NO', '337915000', 'Homo sapiens', '1.2.826.0.1.1', '01-15-2020', 'CT CHEST', '', '', '', '', '',
      '1.2.826.0.1.1.1', 'Alpha-Lung', 'Site-1', 'CT', '', '', 'AX LUNG', 'Chest', '1', '', 'SIEMENS', 'Force', '0.7', '1.25', '', '2', '',
      LICENSE, LICENSE_URI, DOI, '1000', '', '03-02-2021', 'NO', '1',
    ]);
    const a3 = byHeader(res.body)[0]!;
    assert.equal(a3.SeriesInstanceUID, '1.2.826.0.3.1.1');
    assert.equal(a3.Phantom, 'YES');
    assert.equal(a3.SpeciesCode, '447612001');
    assert.equal(a3.SpeciesDescription, 'Mus musculus');
    assert.equal(a3.ThirdPartyAnalysis, 'YES');
    assert.equal(a3.FileSize, '100');
    assert.equal(a3.StudyDate, '05-05-2019');
    assert.doesNotMatch(res.body, /Secret|9\.1\.1/);
  });

  test(`${dialect}: v4 getSeriesMetadata takes repeated list fields, other formats, and answers a header-only CSV for nothing visible`, async () => {
    const json = await a.post('v4/getSeriesMetadata', { list: ['1.2.826.0.2.1.1', '1.2.826.0.4.1.1'], format: 'json' }, {});
    assert.equal(json.statusCode, 200);
    assert.match(String(json.headers['content-type']), /^application\/json/);
    const rows = json.json() as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => r.SeriesInstanceUID), ['1.2.826.0.2.1.1', '1.2.826.0.4.1.1']);
    assert.equal(rows[1]!.FileSize, 4000, 'FileSize is an integer: the series byte total');
    assert.equal(rows[1]!.Collection, 'beta-brain');
    assert.equal(rows[0]!.Authorized, 1);
    assert.equal('PatientName' in rows[0]!, false, 'nulls are omitted in JSON');

    const none = await a.post('v4/getSeriesMetadata', { list: '1.2.826.0.9.1.1,1.2.826.0.9.1.2' }, {});
    assert.equal(none.statusCode, 200);
    assert.equal(none.body, V4_HEADER.map((h) => `"${h}"`).join(',') + '\n');
    assert.equal((await a.post('v4/getSeriesMetadata', { list: '1.2.826.0.9.1.1', format: 'json' }, {})).body, '[]');

    for (const [form, why] of [
      [{}, 'no list'],
      [{ list: ' , ,' }, 'an empty list'],
      [{ list: '1.2.826.0.1.1.1', format: 'pdf' }, 'an unknown format'],
    ] as const) {
      const bad = await a.post('v4/getSeriesMetadata', form, {});
      assert.equal(bad.statusCode, 400, why);
      assert.equal(bad.json().error, 'invalid_request', why);
    }
    assert.equal((await a.get('v4/getSeriesMetadata?list=1.2.826.0.1.1.1', {})).statusCode, 405);
  });

  test(`${dialect}: getSeriesMetadata2 answers quoted CSV with the human-readable headers of spec §7.2`, async () => {
    const res = await a.post('getSeriesMetadata2', { list: '1.2.826.0.1.1.1,1.2.826.0.9.1.1,1.2.826.0.2.1.1' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    const records = parseCsv(res.body);
    assert.deepEqual(records[0], METADATA2_HEADER);
    assert.deepEqual(records.slice(1), [
      [
        'A1', '1.2.826.0.1.1', 'CT CHEST', '2020-01-15', '1.2.826.0.1.1.1', 'AX LUNG', '2', '1000', 'Alpha-Lung', 'CT', 'SIEMENS', 'NO', DOI, '1',
        LICENSE, LICENSE_URI, '2021-03-02', '', '', 'Chest', '', 'Force', '', '2021-03-02 14:11:05.0',
      ],
      ['A2', '1.2.826.0.2.1', '', '2020-02-01', '1.2.826.0.2.1.1', '', '1', '2000', 'Alpha-Lung', 'ct', 'SIEMENS', '', DOI, '', LICENSE, LICENSE_URI, '', '', '', 'chest', '', '', '', ''],
    ]);
    const none = await a.post('getSeriesMetadata2', { list: '1.2.826.0.9.1.2' });
    assert.equal(none.body, METADATA2_HEADER.map((h) => `"${h}"`).join(',') + '\n');
    assert.equal((await a.post('getSeriesMetadata2', {})).statusCode, 400);
  });

  test(`${dialect}: v4 getSeriesMetadata with 5,000 UIDs in one request (comma-joined and repeated)`, async () => {
    const db = a.t.store.db;
    const study = await db.selectFrom('study').select(['id', 'patient_pk']).where('study_instance_uid', '=', '1.2.826.0.4.1').executeTakeFirstOrThrow();
    const uids = Array.from({ length: 5000 }, (_, i) => `2.25.5000.${i + 1}`);
    for (let i = 0; i < uids.length; i += 500) {
      await db
        .insertInto('series')
        .values(
          uids.slice(i, i + 500).map((uid, j) => ({
            study_pk: study.id,
            patient_pk: study.patient_pk,
            collection_id: a.seeded.collectionIds['beta-brain']!,
            series_instance_uid: uid,
            modality: 'MR',
            image_count: 1,
            total_size: i + j + 1,
          })),
        )
        .execute();
    }
    // The restricted and an unknown UID mixed in, and the order reversed: the answer follows the request.
    const asked = [...uids].reverse();
    asked.splice(2500, 0, '1.2.826.0.9.1.1', '7.7.7');
    const started = Date.now();
    const res = await a.post('v4/getSeriesMetadata', { list: asked.join(','), format: 'csv' }, {});
    const elapsed = Date.now() - started;
    assert.equal(res.statusCode, 200);
    const rows = byHeader(res.body);
    assert.equal(rows.length, 5000);
    assert.equal(rows[0]!.SeriesInstanceUID, '2.25.5000.5000');
    assert.equal(rows[0]!.FileSize, '5000');
    assert.equal(rows[4999]!.SeriesInstanceUID, '2.25.5000.1');
    assert.equal(rows[4999]!.FileSize, '1');
    assert.equal(rows.reduce((sum, r) => sum + Number(r.FileSize), 0), (5000 * 5001) / 2);
    assert.ok(rows.every((r) => r.Collection === 'beta-brain' && r.PatientID === 'B1'));
    assert.ok(elapsed < 20_000, `5,000 UIDs took ${elapsed} ms`);

    const repeated = await a.post('v4/getSeriesMetadata', { list: uids }, {});
    assert.equal(repeated.statusCode, 200);
    assert.equal(parseCsv(repeated.body).length, 5001);
  });
});
