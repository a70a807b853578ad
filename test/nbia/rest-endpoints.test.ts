// The rest of the v1/v2/v4 and advanced endpoints (issue 9): getM5HashForImage /
// getMD5HashForImage, getDCMImage, v1 getDeniedSeries, status, getUserAgreementTxt,
// getLicenses, getSeriesMetadata3, getCollectionOrSeriesForDOI, getManifestForCollection and
// getManifestTextV2 — answers, access (the restricted Secret-Trial of the fixture is invisible
// to the guest and to bob, visible to alice) and bad input, on both dialects.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testEachDialect, type SeededApp } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';
import { ALICE_PASSWORD, BOB_PASSWORD } from '../fixtures/nbia/seed.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { setCollection } from '../../src/archive/collections.js';

const MD5 = '0'.repeat(32); // what the fixture stores for every image
const DOI_LINK = 'https://doi.org/10.7937/K9/TCIA.2015.LO9QL9SX';

function post(s: SeededApp, urlPath: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return s.app.inject({
    method: 'POST',
    url: `/nbia-api/services/${urlPath}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: body.toString(),
  });
}

function assertBadRequest(r: { statusCode: number; body: string }, mentions: string) {
  assert.equal(r.statusCode, 400, r.body);
  const j = JSON.parse(r.body) as { error: string; error_description: string };
  assert.equal(j.error, 'invalid_request');
  assert.match(j.error_description, new RegExp(mentions));
}

function assertNotFound(r: { statusCode: number; body: string }) {
  assert.equal(r.statusCode, 404, r.body);
  assert.equal((JSON.parse(r.body) as { error: string }).error, 'not_found');
}

testEachDialect('image MD5, denied series, status and the user agreement', async (s, tt) => {
  const guest = await authHeaderFor(s.app);
  const bob = await authHeaderFor(s.app, 'bob', BOB_PASSWORD);
  const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);

  await tt.test('getM5HashForImage (v1, v2) and getMD5HashForImage (v4): text/plain MD5, both parameter spellings', async () => {
    const r = await s.get('v1/getM5HashForImage?SOPInstanceUid=1.2.840.1.1.1.2');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.body, MD5);
    assert.equal((await s.get('v2/getM5HashForImage?SOPInstanceUID=1.2.840.1.1.1.2', guest)).body, MD5);
    assert.equal((await s.get('v4/getMD5HashForImage?SOPInstanceUID=1.2.840.4.1.1.1')).body, MD5);
    assert.equal((await s.get('v1/getMD5HashForImage?SOPInstanceUID=1.2.840.4.1.1.1')).statusCode, 404, 'v4 name only at v4');
  });

  await tt.test('an image of the restricted collection is a 404 for the guest and bob, found for alice', async () => {
    const q = 'SOPInstanceUid=1.2.840.3.1.1.1';
    assertNotFound(await s.get(`v1/getM5HashForImage?${q}`));
    assertNotFound(await s.get(`v2/getM5HashForImage?${q}`, guest));
    assertNotFound(await s.get(`v2/getM5HashForImage?${q}`, bob));
    assertNotFound(await s.get(`v4/getMD5HashForImage?SOPInstanceUID=1.2.840.3.1.1.1`, bob));
    assertNotFound(await s.get('v1/getM5HashForImage?SOPInstanceUid=9.9.9'));
    assert.equal((await s.get(`v2/getM5HashForImage?${q}`, alice)).body, MD5);
    assert.equal((await s.get(`v4/getMD5HashForImage?SOPInstanceUID=1.2.840.3.1.1.1`, alice)).body, MD5);
  });

  await tt.test('getM5HashForImage without a UID is a 400; v2 without a token a 401', async () => {
    assertBadRequest(await s.get('v1/getM5HashForImage'), 'SOPInstanceUid');
    assertBadRequest(await s.get('v1/getM5HashForImage?SOPInstanceUid='), 'SOPInstanceUid');
    assert.equal((await s.get('v2/getM5HashForImage?SOPInstanceUid=1.2.840.1.1.1.2')).statusCode, 401);
  });

  await tt.test('v1 getDeniedSeries: restricted and unknown series are denied, for the caller', async () => {
    const list = '1.2.840.1.1.1,1.2.840.3.1.1,9.9.9,1.2.840.4.1.1';
    const guestAnswer = await s.get(`v1/getDeniedSeries?seriesList=${list}&userName=alice`);
    assert.equal(guestAnswer.body, '[{"SeriesInstanceUID":"1.2.840.3.1.1"},{"SeriesInstanceUID":"9.9.9"}]', 'userName does not lend alice\'s grants');
    assert.equal((await s.get(`v1/getDeniedSeries?seriesList=${list}`, bob)).body, '[{"SeriesInstanceUID":"1.2.840.3.1.1"},{"SeriesInstanceUID":"9.9.9"}]');
    assert.equal((await s.get(`v1/getDeniedSeries?seriesList=${list}`, alice)).body, '[{"SeriesInstanceUID":"9.9.9"}]');
    assert.equal((await s.get('v1/getDeniedSeries?seriesList=1.2.840.1.1.1')).body, '[]', 'nothing denied: [] not 204');
    const csv = await s.get(`v1/getDeniedSeries?userName=&format=csv&seriesList=${list}`);
    assert.equal(csv.body.trim().split(/\r?\n/).length, 3, csv.body);
    assert.ok(csv.body.includes('1.2.840.3.1.1') && !csv.body.includes('1.2.840.1.1.1'));
  });

  await tt.test('getDeniedSeries takes a very long list in one GET', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `1.2.826.0.1.3680043.99.${i}`);
    const r = await s.get(`v1/getDeniedSeries?seriesList=${many.join(',')},1.2.840.1.1.1`);
    assert.equal(r.statusCode, 200);
    assert.equal((JSON.parse(r.body) as unknown[]).length, 3000);
  });

  await tt.test('getDeniedSeries without seriesList is a 400', async () => {
    assertBadRequest(await s.get('v1/getDeniedSeries'), 'seriesList');
    assertBadRequest(await s.get('v1/getDeniedSeries?seriesList=,,'), 'seriesList');
    assertBadRequest(await s.get('v1/getDeniedSeries?seriesList=1.2&format=pdf'), 'format');
  });

  await tt.test('status, status/version and status/database answer HTML', async () => {
    const st = await s.get('v1/status');
    assert.equal(st.body, '<p>NBIA Restful Web Service version 00.01.00 is running</p>');
    assert.match(String(st.headers['content-type']), /^text\/html/);
    assert.equal((await s.get('v1/status/version')).body, '<p>Version:00.01.00</p>');
    assert.match((await s.get('v1/status/database')).body, /^<p>Database Status<\/p> <p>Database Date\/Time return: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/p>$/);
  });

  await tt.test('getUserAgreementTxt: 404 when none is configured, the file when one is', async () => {
    assertNotFound(await s.get('v1/getUserAgreementTxt'));
    const file = path.join(s.t.dataDir, 'agreement.txt');
    fs.writeFileSync(file, 'Use these data for research only.\n');
    const app = await buildServer({ store: s.t.store, blobs: s.t.blobs, options: { ...DEFAULT_SERVER_OPTIONS, userAgreementFile: file } });
    try {
      const r = await app.inject({ method: 'GET', url: '/nbia-api/services/v1/getUserAgreementTxt' });
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, 'Use these data for research only.\n');
      assert.equal(r.headers['content-disposition'], 'attachment; filename="agreement.txt"');
      fs.rmSync(file);
      assertNotFound(await app.inject({ method: 'GET', url: '/nbia-api/services/v1/getUserAgreementTxt' }));
    } finally {
      await app.close();
    }
  });
});

testEachDialect('getDCMImage: descriptive names, md5hashes.csv on MD5Verification=true, access as getImage', async (s, tt) => {
  const bob = await authHeaderFor(s.app, 'bob', BOB_PASSWORD);
  const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);
  const head = (url: string, headers: Record<string, string> = {}) => s.app.inject({ method: 'HEAD', url: `/nbia-api/services/${url}`, headers });

  await tt.test('a visible series: a ZIP whose size grows by md5hashes.csv with MD5Verification=true', async () => {
    const plain = await head('v1/getDCMImage?SeriesInstanceUID=1.2.840.1.1.1');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-type'], 'application/zip');
    const withMd5 = await head('v1/getDCMImage?SeriesInstanceUID=1.2.840.1.1.1&MD5Verification=true');
    const image = await head('v1/getImage?SeriesInstanceUID=1.2.840.1.1.1&NewFileNames=Yes');
    const n = (r: { headers: Record<string, unknown> }) => Number(r.headers['content-length']);
    // 3 images named 1-1.dcm..1-3.dcm: md5hashes.csv = header + 3 lines of "1-N.dcm,<32 hex>".
    const csv = 'Filename,MD5Hash\n' + [1, 2, 3].map((i) => `1-${i}.dcm,${MD5}\n`).join('');
    const entryOverhead = 30 + 46 + 'md5hashes.csv'.length * 2; // local + central headers, name twice
    assert.equal(n(withMd5) - n(plain), csv.length + entryOverhead);
    assert.ok(n(image) > n(plain), 'getImage adds LICENSE; getDCMImage does not');
  });

  await tt.test('restricted or unknown series: 404 for the guest and bob; alice gets it', async () => {
    assertNotFound(await s.get('v1/getDCMImage?SeriesInstanceUID=1.2.840.3.1.1'));
    assertNotFound(await s.get('v2/getDCMImage?SeriesInstanceUID=1.2.840.3.1.1', bob));
    assertNotFound(await s.get('v1/getDCMImage?SeriesInstanceUID=9.9.9'));
    assert.equal((await head('v2/getDCMImage?SeriesInstanceUID=1.2.840.3.1.1', alice)).statusCode, 200);
  });

  await tt.test('no SeriesInstanceUID is a 400', async () => {
    assertBadRequest(await s.get('v1/getDCMImage'), 'SeriesInstanceUID');
  });
});

testEachDialect('licences, DOIs, manifests and getSeriesMetadata3', async (s, tt) => {
  const guest = await authHeaderFor(s.app);
  const bob = await authHeaderFor(s.app, 'bob', BOB_PASSWORD);
  const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);

  await tt.test('getLicenses: the visible collections\' licences, every key, nulls kept', async () => {
    await setCollection(s.t.store.db, 'LIDC-Demo', { commercialUse: 'YES' });
    const lidc = '{"longName":"Creative Commons Attribution 3.0 Unported License","id":1,"shortName":null,"licenseURL":"http://creativecommons.org/licenses/by/3.0/","licenseText":null,"commercialUse":"YES"}';
    assert.equal((await s.get('getLicenses', guest)).body, `[${lidc}]`);
    assert.equal((await s.get('getLicenses', bob)).body, `[${lidc}]`);
    const restricted = '{"longName":"Restricted License","id":2,"shortName":null,"licenseURL":"https://example.org/restricted","licenseText":null,"commercialUse":null}';
    assert.equal((await s.get('getLicenses', alice)).body, `[${lidc},${restricted}]`);
    assert.equal((await s.get('getLicenses')).statusCode, 401);
  });

  await tt.test('getCollectionOrSeriesForDOI: by DOI in any form, collections or series', async () => {
    const collections = '[{"collection":"LIDC-Demo"},{"collection":"LIDC-Demo","thirdPartyAnanlysis":"NO"},{"collection":"LIDC-Demo","thirdPartyAnanlysis":"YES"}]';
    for (const doi of [DOI_LINK, '10.7937/k9/tcia.2015.lo9ql9sx', 'doi:10.7937/K9/TCIA.2015.LO9QL9SX']) {
      assert.equal((await post(s, 'getCollectionOrSeriesForDOI', { DOI: doi }, guest)).body, collections, doi);
    }
    const series = await post(s, 'v4/getCollectionOrSeriesForDOI', { DOI: DOI_LINK, CollectionOrSeries: 'series' });
    assert.deepEqual(
      (JSON.parse(series.body) as Array<{ seriesInstanceUID: string; authorized: number }>).map((h) => [h.seriesInstanceUID, h.authorized]),
      [['1.2.840.1.1.1', 1], ['1.2.840.1.1.2', 1], ['1.2.840.1.2.1', 1], ['1.2.840.2.1.1', 1]],
    );
    assert.equal((await post(s, 'getCollectionOrSeriesForDOI', { DOI: '10.9999/none' }, guest)).body, '[]');
  });

  await tt.test('a DOI set on the restricted collection finds it only for alice', async () => {
    await setCollection(s.t.store.db, 'Secret-Trial', { descriptionUri: 'https://doi.org/10.5555/SECRET.1' });
    assert.equal((await post(s, 'getCollectionOrSeriesForDOI', { DOI: '10.5555/secret.1' }, guest)).body, '[]');
    assert.equal((await post(s, 'v4/getCollectionOrSeriesForDOI', { DOI: '10.5555/secret.1', CollectionOrSeries: 'Series' }, bob)).body, '[]');
    assert.equal(
      (await post(s, 'v4/getCollectionOrSeriesForDOI', { DOI: '10.5555/secret.1', CollectionOrSeries: 'Series' }, alice)).body,
      '[{"collection":"Secret-Trial","seriesInstanceUID":"1.2.840.3.1.1","thirdPartyAnanlysis":"NO","authorized":1}]',
    );
  });

  await tt.test('getCollectionOrSeriesForDOI: a malformed DOI or choice is a 400', async () => {
    assertBadRequest(await post(s, 'getCollectionOrSeriesForDOI', { DOI: 'not a doi' }, guest), 'DOI');
    assertBadRequest(await post(s, 'v4/getCollectionOrSeriesForDOI', { DOI: DOI_LINK, CollectionOrSeries: 'patients' }), 'CollectionOrSeries');
  });

  await tt.test('getManifestForCollection: the visible series of the collection; none of a restricted one', async () => {
    const r = await post(s, 'getManifestForCollection', { collection: 'lidc-demo' }, guest);
    assert.equal(r.headers['content-type'], 'application/x-nbia-manifest-file');
    const lines = r.body.trimEnd().split('\n');
    assert.match(lines[3]!, /^databasketId=lidc-demo-\d{4}-\d\d-\d\d_\d\d-\d\d\.tcia$/);
    assert.equal(lines[5], 'ListOfSeriesToDownload=');
    assert.deepEqual(lines.slice(6).sort(), ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.1.2.1', '1.2.840.2.1.1']);
    assert.deepEqual((await post(s, 'v4/getManifestForCollection', { collection: 'Secret-Trial' })).body.trimEnd().split('\n').slice(6), []);
    assert.deepEqual((await post(s, 'v4/getManifestForCollection', { collection: 'Secret-Trial' }, alice)).body.trimEnd().split('\n').slice(6), ['1.2.840.3.1.1']);
    assertBadRequest(await post(s, 'getManifestForCollection', {}, guest), 'collection');
  });

  await tt.test('getManifestTextV2: the given series the caller may see, in order', async () => {
    const r = await post(s, 'getManifestTextV2', { list: ['1.2.840.4.1.1,1.2.840.3.1.1', '9.9', '1.2.840.1.1.1'] }, bob);
    assert.deepEqual(r.body.trimEnd().split('\n').slice(6), ['1.2.840.4.1.1', '1.2.840.1.1.1']);
    assert.deepEqual((await post(s, 'getManifestTextV2', { list: '1.2.840.3.1.1' }, alice)).body.trimEnd().split('\n').slice(6), ['1.2.840.3.1.1']);
    assertBadRequest(await post(s, 'getManifestTextV2', {}, guest), 'list');
  });

  await tt.test('getSeriesMetadata3: 38 spaced headers, one row per visible series', async () => {
    const r = await post(s, 'getSeriesMetadata3', { list: '1.2.840.1.1.1,1.2.840.3.1.1' }, bob);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="SeriesMetaData.csv"');
    const [header, ...rows] = r.body.trimEnd().split(/\r?\n/);
    assert.equal(header!.split(',').length, 38);
    assert.ok(header!.startsWith('"Patient ID","Patient Name","Patient Birth Date"') || header!.startsWith('Patient ID,Patient Name,Patient Birth Date'), header);
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.includes('1.2.840.1.1.1') && rows[0]!.includes('1950-03-04') && rows[0]!.includes(DOI_LINK), rows[0]);
    const mine = await post(s, 'getSeriesMetadata3', { list: '1.2.840.3.1.1', format: 'json' }, alice);
    assert.equal((JSON.parse(mine.body) as Array<Record<string, unknown>>)[0]!['Series Instance UID'], '1.2.840.3.1.1');
    assertBadRequest(await post(s, 'getSeriesMetadata3', {}, guest), 'list');
  });
});

testEachDialect('getAllSOPClassDefinition: UID names as a Java properties file', async (s) => {
  const r = await s.get('v1/getAllSOPClassDefinition');
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="UIDNames.properties"');
  const entries = new Map(
    r.body
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  // Names as PS3.6 Table A-1 gives them, for UIDs the fixture and the demo archive hold.
  assert.equal(entries.get('1.2.840.10008.5.1.4.1.1.2'), 'CT Image Storage');
  assert.equal(entries.get('1.2.840.10008.5.1.4.1.1.4'), 'MR Image Storage');
  assert.equal(entries.get('1.2.840.10008.5.1.4.1.1.128'), 'Positron Emission Tomography Image Storage');
  assert.equal(entries.get('1.2.840.10008.5.1.4.1.1.66.4'), 'Segmentation Storage');
  assert.equal(entries.get('1.2.840.10008.1.2.1'), 'Explicit VR Little Endian');
  assert.equal(entries.get('1.2.840.10008.1.2.2'), 'Explicit VR Big Endian (Retired)');
  assert.ok(entries.size > 300, `${entries.size} entries`);
  for (const uid of entries.keys()) assert.match(uid, /^1\.2\.840\.10008(\.\d+)+$/);
  assert.equal((await s.get('v2/getAllSOPClassDefinition', await authHeaderFor(s.app))).statusCode, 404, 'v1 only, as the original');
});
