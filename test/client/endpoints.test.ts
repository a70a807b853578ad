// Every endpoint of the client against our server, on both dialects: real answers from the
// seeded archive (test/fixtures/nbia/seed.ts), the four formats, downloads with Range, the
// typed errors. A fetch wrapper records the paths asked, so the last check proves that every
// endpoint in ENDPOINTS was called here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ENDPOINTS,
  NbiaAuthError,
  NbiaBadRequestError,
  NbiaClient,
  NbiaHttpError,
  NbiaNotFoundError,
  endpointUrl,
} from '../../src/client/index.js';
import { DIALECTS } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { ALICE_PASSWORD } from '../fixtures/nbia/seed.js';
import { clientServer, DL_SERIES } from './server.js';

const PUBLIC_CT = '1.2.840.1.1.1';
const SECRET_PT = '1.2.840.3.1.1';
const LIDC_DOI = 'https://doi.org/10.7937/K9/TCIA.2015.LO9QL9SX';
const LIDC_SERIES = ['1.2.840.1.1.1', '1.2.840.1.1.2', '1.2.840.1.2.1', '1.2.840.2.1.1'];
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
/** The series UIDs of a `.tcia` manifest (after its six header lines). */
const manifestSeries = (text: string) => text.trimEnd().split('\n').slice(6);

for (const dialect of DIALECTS) {
  test(`${dialect}: every endpoint through the client`, async () => {
    const s = await clientServer(dialect);
    const asked = new Set<string>();
    const recording: typeof fetch = (input, init) => {
      asked.add(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    const nbia = new NbiaClient({ baseUrl: `${s.base}/nbia-api/services/`, fetch: recording });
    try {
      // Values, in all four formats.
      for (const api of [nbia.v1, nbia.v2, nbia.v4]) {
        assert.deepEqual((await api.getCollectionValues()).map((r) => r.Collection).sort(), ['DL-Open', 'LIDC-Demo', 'breast-mini']);
        const csv = await api.getCollectionValues({}, { format: 'csv' });
        assert.match(csv, /^"?Collection"?\r?\n/);
        assert.match(await api.getCollectionValues({}, { format: 'xml' }), /<collection>LIDC-Demo<\/collection>|LIDC-Demo/);
        assert.match(await api.getCollectionValues({}, { format: 'html' }), /<TABLE[\s\S]*<TD>LIDC-Demo<\/TD>/i);
        assert.deepEqual((await api.getModalityValues({ Collection: 'LIDC-Demo' })).map((r) => r.Modality).sort(), ['CT', 'MR', 'SEG', 'ct'].sort());
        assert.ok((await api.getBodyPartValues({ Collection: 'breast-mini' })).some((r) => r.BodyPartExamined === 'BREAST'));
        assert.ok((await api.getManufacturerValues({ Collection: 'breast-mini' })).some((r) => r.Manufacturer === 'Hologic, Inc.'));
        const patients = await api.getPatient({ Collection: 'LIDC-Demo' });
        assert.ok(patients.some((p) => p.PatientId === 'LIDC-0001' && p.PatientSex === 'M'));
        assert.deepEqual((await api.getPatientByCollectionAndModality({ Collection: 'breast-mini', Modality: 'MG' })).map((p) => p.PatientId), ['BR-01']);
        const studies = await api.getPatientStudy({ Collection: 'LIDC-Demo', PatientID: 'lidc-0002' });
        assert.deepEqual(studies.map((st) => st.StudyInstanceUID), ['1.2.840.2.1']);
        const series = await api.getSeries({ Collection: 'LIDC-Demo', Modality: 'CT' });
        assert.ok(series.some((r) => r.SeriesInstanceUID === PUBLIC_CT && r.ImageCount === 3 && r.FileSize === 1500));
        assert.deepEqual(await api.getSeriesSize({ SeriesInstanceUID: PUBLIC_CT }), [{ TotalSizeInBytes: 1500, ObjectCount: 3 }]);
        assert.deepEqual(await api.getSeriesSize({ SeriesInstanceUID: SECRET_PT }), [], 'restricted: no rows for the guest');
        assert.deepEqual((await api.getSOPInstanceUIDs({ SeriesInstanceUID: PUBLIC_CT })).map((r) => r.SOPInstanceUID).sort(), [1, 2, 3].map((i) => `${PUBLIC_CT}.${i}`));
        const updated = await api.getUpdatedSeries({ fromDate: api === nbia.v4 ? '01-01-2024' : api === nbia.v2 ? '01/01/2024' : '01/01/2024' });
        assert.ok(updated.some((r) => r.SeriesInstanceUID === PUBLIC_CT));
        assert.ok(!updated.some((r) => r.SeriesInstanceUID === '1.2.840.2.1.1'), 'released in 2023');
      }
      for (const api of [nbia.v1, nbia.v2]) {
        assert.deepEqual((await api.NewPatientsInCollection({ Collection: 'LIDC-Demo', Date: '2024/01/01' })).map((p) => p.PatientId), ['LIDC-0001']);
        assert.deepEqual((await api.NewStudiesInPatientCollection({ Collection: 'LIDC-Demo', Date: '2024/01/01', PatientID: 'LIDC-0001' })).map((st) => st.StudyInstanceUID), ['1.2.840.1.1']);
        const cart = await api.getContentsByName({ name: 'nbia-1234' });
        assert.deepEqual(cart.map((r) => r.SeriesInstanceUID), [PUBLIC_CT, '1.2.840.2.1.1'], 'the restricted series is not the guest\'s');
        const meta = await api.getSeriesMetaData({ SeriesInstanceUID: PUBLIC_CT });
        assert.equal(meta[0]?.['Number of Images'], '3');
        assert.equal(meta[0]?.['Subject ID'], 'LIDC-0001');
        assert.deepEqual(await api.getSeriesMetaData({ SeriesInstanceUID: SECRET_PT }), []);
      }
      assert.deepEqual((await nbia.v4.NewPatientsInCollection({ Collection: 'LIDC-Demo', fromDate: '01-01-2024' })).map((p) => p.PatientId), ['LIDC-0001']);
      assert.deepEqual((await nbia.v4.NewStudiesInPatientCollection({ Collection: 'LIDC-Demo', fromDate: '01-01-2024', PatientID: 'LIDC-0001' })).map((st) => st.StudyInstanceUID), ['1.2.840.1.1']);

      // Counts: unversioned {criteria, count}, v4 {<Field>, Count, Authorized}.
      const collectionCounts = await nbia.advanced.getCollectionValuesAndCounts();
      assert.deepEqual(collectionCounts.find((c) => c.criteria === 'LIDC-Demo'), { criteria: 'LIDC-Demo', count: '2' });
      const v4Counts = await nbia.v4.getCollectionValuesAndCounts();
      assert.equal(v4Counts.find((c) => c.Collection === 'LIDC-Demo')?.Count, 2);
      assert.ok((await nbia.advanced.getModalityValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.criteria === 'MG' && c.count === '1'));
      assert.ok((await nbia.v4.getModalityValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.Modality === 'MG' && c.Count === 1));
      assert.ok((await nbia.advanced.getBodyPartValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.criteria === 'BREAST'));
      assert.ok((await nbia.v4.getBodyPartValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.BodyPartExamined === 'BREAST'));
      assert.ok((await nbia.advanced.getManufacturerValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.criteria === 'Hologic, Inc.'));
      assert.ok((await nbia.v4.getManufacturerValuesAndCounts({ Collection: 'breast-mini' })).some((c) => c.Manufacturer === 'Hologic, Inc.'));
      assert.ok((await nbia.advanced.getSpeciesValuesAndCounts()).some((c) => c.criteria === '447612001' && c.count === '1'));
      assert.ok((await nbia.v4.getSpeciesValuesAndCounts()).some((c) => c.Species === '447612001'));
      assert.match(await nbia.v4.getSpeciesValuesAndCounts({}, { format: 'csv' }), /Species/);

      // Descriptions, tags, metadata for many series (CSV by default on the wire; typed rows here).
      for (const api of [nbia.advanced, nbia.v4]) {
        const d = await api.getCollectionDescriptions({ collectionName: 'lidc-demo' });
        assert.deepEqual(d.map((r) => r.collectionName), ['LIDC-Demo']);
        const tags = await api.getDicomTags({ SeriesUID: DL_SERIES });
        assert.ok(tags.some((r) => r.element === '(0008,0060)' && r.data === 'CT'), 'Modality read from CT_small.dcm');
      }
      const metadata = await nbia.v4.getSeriesMetadata({ list: [PUBLIC_CT, SECRET_PT, '1.2.840.4.1.1'] });
      assert.deepEqual(metadata.map((r) => r.SeriesInstanceUID), [PUBLIC_CT, '1.2.840.4.1.1']);
      assert.equal(Number(metadata[0]!.FileSize), 1500);
      assert.match(await nbia.v4.getSeriesMetadata({ list: [PUBLIC_CT] }, { format: 'csv' }), /^"?PatientID"?,/);
      const metadata2 = await nbia.advanced.getSeriesMetadata2({ list: [PUBLIC_CT] });
      assert.equal(metadata2[0]?.['Series ID'], PUBLIC_CT);

      // Simple search and its manifest.
      const criteria = [{ type: 'CollectionCriteria', value: 'breast-mini' }];
      const found = await nbia.v4.getSimpleSearch({ criteria });
      assert.deepEqual(found.resultSet.map((p) => p.subjectId), ['BR-01']);
      const found2 = await nbia.advanced.getSimpleSearchWithModalityAndBodyPartPaged({ criteria, start: 0, size: 10 });
      assert.equal(found2.totalPatients, 1);
      // This server's series search, typed rows and facets.
      const page = await nbia.advanced.getSimpleSearchSeriesPaged({ criteria, sortField: 'images', sortDirection: 'descending', size: 1, totals: 'all' });
      assert.equal(page.totalPatients, 1);
      assert.equal(page.series.length, 1);
      assert.equal(page.series[0]!.PatientID, 'BR-01');
      assert.deepEqual(page.facets.collection.map((f) => f.value).includes('breast-mini'), true);
      const everyUid = await nbia.advanced.getSimpleSearchSeriesUIDs({ criteria, sortField: 'images', sortDirection: 'descending' });
      assert.equal(everyUid.totalSeries, page.totalSeries);
      assert.equal(everyUid.seriesInstanceUIDs[0], page.series[0]!.SeriesInstanceUID);
      for (const api of [nbia.v4, nbia.advanced]) {
        const manifest = await api.getManifestForSimpleSearch({ criteria });
        assert.deepEqual(manifest.trim().split('\n').slice(6), ['1.2.840.4.1.1']);
      }

      // getSeriesMetadata3: spaced headers; the restricted series is not the guest's.
      const metadata3 = await nbia.advanced.getSeriesMetadata3({ list: [PUBLIC_CT, SECRET_PT] });
      assert.deepEqual(metadata3.map((r) => r['Series Instance UID']), [PUBLIC_CT]);
      assert.equal(metadata3[0]!.Project, 'LIDC-Demo');
      assert.equal(metadata3[0]!['Patient Birth Date'], '1950-03-04');
      assert.match(await nbia.advanced.getSeriesMetadata3({ list: [PUBLIC_CT] }, { format: 'csv' }), /^"?Patient ID"?,/);

      // Licences, DOIs, whole-collection and list manifests, for the guest.
      const licences = await nbia.advanced.getLicenses();
      assert.ok(licences.some((l) => l.longName === 'Creative Commons Attribution 3.0 Unported License' && l.licenseURL === 'http://creativecommons.org/licenses/by/3.0/'));
      assert.ok(!licences.some((l) => l.longName === 'Restricted License'), 'the restricted collection\'s licence is not the guest\'s');
      for (const api of [nbia.advanced, nbia.v4]) {
        const hits = await api.getCollectionOrSeriesForDOI({ DOI: LIDC_DOI });
        assert.ok(hits.length > 0 && hits.every((h) => h.collection === 'LIDC-Demo' && h.seriesInstanceUID === undefined));
        const series = await api.getCollectionOrSeriesForDOI({ DOI: '10.7937/k9/tcia.2015.lo9ql9sx', CollectionOrSeries: 'Series' });
        assert.deepEqual(series.map((h) => h.seriesInstanceUID).sort(), LIDC_SERIES);
        assert.equal(series[0]!.authorized, api === nbia.v4 ? 1 : undefined);
        assert.deepEqual(await api.getCollectionOrSeriesForDOI({ DOI: '10.9999/none' }), []);
        assert.deepEqual(manifestSeries(await api.getManifestForCollection({ collection: 'lidc-demo' })).sort(), LIDC_SERIES);
        assert.deepEqual(manifestSeries(await api.getManifestForCollection({ collection: 'Secret-Trial' })), []);
      }
      await assert.rejects(nbia.v4.getCollectionOrSeriesForDOI({ DOI: 'not a doi' }), NbiaBadRequestError);
      assert.deepEqual(manifestSeries(await nbia.advanced.getManifestTextV2({ list: ['1.2.840.4.1.1', SECRET_PT, PUBLIC_CT] })), ['1.2.840.4.1.1', PUBLIC_CT]);

      // v1's own: denied series (for the caller), status, SOP class names.
      const denied = await nbia.v1.getDeniedSeries({ seriesList: [PUBLIC_CT, SECRET_PT, '9.9.9'], userName: 'alice' });
      assert.deepEqual(denied.map((r) => r.SeriesInstanceUID), [SECRET_PT, '9.9.9'], 'for the guest, whatever userName says');
      assert.deepEqual(await nbia.v1.getDeniedSeries({ seriesList: [PUBLIC_CT] }), []);
      assert.match(await nbia.v1.getDeniedSeries({ seriesList: [SECRET_PT] }, { format: 'csv' }), /SeriesInstanceUID\r?\n"?1\.2\.840\.3\.1\.1"?/);
      assert.match(await nbia.v1.status(), /NBIA Restful Web Service version \S+ is running/);
      assert.match(await nbia.v1.statusVersion(), /<p>Version:\S+<\/p>/);
      assert.match(await nbia.v1.statusDatabase(), /Database Date\/Time return: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
      assert.match(await nbia.v1.getAllSOPClassDefinition(), /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.2=CT Image Storage$/m);
      await assert.rejects(nbia.v1.getUserAgreementTxt(), NbiaNotFoundError, 'none configured');

      // A shared cart, made as alice, read back by name; her restricted series is hers to see.
      await nbia.login('alice', ALICE_PASSWORD);
      assert.equal(nbia.session.userName, 'alice');
      assert.match(await nbia.advanced.createSharedList({ name: `cart-${dialect}`, list: [SECRET_PT, PUBLIC_CT], description: 'two' }), /List created/);
      assert.deepEqual((await nbia.v2.getContentsByName({ name: `cart-${dialect}` })).map((r) => r.SeriesInstanceUID), [SECRET_PT, PUBLIC_CT]);
      assert.ok((await nbia.v1.getCollectionValues()).some((r) => r.Collection === 'Secret-Trial'), 'v1 honours the bearer');
      assert.ok((await nbia.advanced.getLicenses()).some((l) => l.longName === 'Restricted License'), 'alice sees her collection\'s licence');
      assert.deepEqual(manifestSeries(await nbia.v4.getManifestForCollection({ collection: 'Secret-Trial' })), [SECRET_PT]);
      assert.deepEqual(await nbia.v1.getDeniedSeries({ seriesList: [SECRET_PT] }), [], 'alice may download it');
      await nbia.logout();
      assert.ok(!(await nbia.v1.getCollectionValues()).some((r) => r.Collection === 'Secret-Trial'), 'the guest again');

      // Downloads: the whole ZIP, then its tail with Range; a single image.
      for (const api of [nbia.v1, nbia.v2, nbia.v4]) {
        const whole = await api.getImage({ SeriesInstanceUID: DL_SERIES, IncludeMD5: 'Yes' });
        assert.equal(whole.status, 200);
        const zip = Buffer.from(await whole.arrayBuffer());
        assert.equal(zip.readUInt32LE(0), 0x04034b50);
        const tail = await api.getImage({ SeriesInstanceUID: DL_SERIES, IncludeMD5: 'Yes' }, { offset: 100, ifRange: whole.headers.get('etag') ?? undefined });
        assert.equal(tail.status, 206);
        assert.deepEqual(Buffer.from(await tail.arrayBuffer()), zip.subarray(100));
        const md5zip = Buffer.from(await (await api.getImageWithMD5Hash({ SeriesInstanceUID: DL_SERIES })).arrayBuffer());
        assert.ok(md5zip.includes(Buffer.from('md5hashes.csv')));
        const one = Buffer.from(await (await api.getSingleImage({ SeriesInstanceUID: DL_SERIES, SOPInstanceUID: `${DL_SERIES}.1` })).arrayBuffer());
        assert.equal(createHash('md5').update(one).digest('hex'), createHash('md5').update(s.images[0]!).digest('hex'));
        await assert.rejects(api.getImage({ SeriesInstanceUID: SECRET_PT }), (e: unknown) => e instanceof NbiaHttpError && (e.status === 404 || e.status === 400));
        // getDCMImage: descriptive names, no LICENSE, md5hashes.csv when asked.
        const dcm = await api.getDCMImage({ SeriesInstanceUID: DL_SERIES, MD5Verification: 'true' });
        assert.equal(dcm.headers.get('content-type'), 'application/zip');
        const dcmZip = Buffer.from(await dcm.arrayBuffer());
        assert.equal(dcmZip.readUInt32LE(0), 0x04034b50);
        assert.ok(dcmZip.includes(Buffer.from('1-1.dcm')) && dcmZip.includes(Buffer.from('md5hashes.csv')) && !dcmZip.includes(Buffer.from('LICENSE')));
        const plain = Buffer.from(await (await api.getDCMImage({ SeriesInstanceUID: DL_SERIES })).arrayBuffer());
        assert.ok(!plain.includes(Buffer.from('md5hashes.csv')));
      }
      // One image's MD5: the stored bytes' (v1/v2 spell the name and the parameter their way).
      for (const api of [nbia.v1, nbia.v2]) assert.equal(await api.getM5HashForImage({ SOPInstanceUid: `${DL_SERIES}.1` }), md5(s.images[0]!));
      assert.equal(await nbia.v4.getMD5HashForImage({ SOPInstanceUID: `${DL_SERIES}.2` }), md5(s.images[1]!));
      await assert.rejects(nbia.v4.getMD5HashForImage({ SOPInstanceUID: `${SECRET_PT}.1` }), NbiaNotFoundError);

      // WADO-URI: the stored file, or a rendered image, by GET and by POST.
      const instance = { studyUID: `${DL_SERIES}.0`, seriesUID: DL_SERIES, objectUID: `${DL_SERIES}.1` };
      const stored = await nbia.v1.wado({ ...instance, contentType: 'application/dicom' });
      assert.equal(stored.headers.get('content-type'), 'application/dicom');
      assert.equal(md5(Buffer.from(await stored.arrayBuffer())), md5(s.images[0]!));
      for (const wado of [nbia.v1.wado, nbia.v1.getWado, nbia.advanced.getWado]) {
        const png = await wado({ ...instance, contentType: 'image/png', rows: 32, columns: 32 });
        assert.equal(png.headers.get('content-type'), 'image/png');
        assert.deepEqual([...Buffer.from(await png.arrayBuffer()).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      }
      const jpeg = Buffer.from(await (await nbia.advanced.getWado({ ...instance, windowCenter: 40, windowWidth: 400, imageQuality: 80 })).arrayBuffer());
      assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'image/jpeg by default');
      await assert.rejects(nbia.v1.getWado({ ...instance, objectUID: '9.9.9' }), NbiaNotFoundError);
      await assert.rejects(nbia.v1.wado({ ...instance, contentType: 'application/dicom', rows: 32 }), NbiaBadRequestError);

      // Typed errors carry the server's message.
      await assert.rejects(nbia.v4.getSeriesSize({} as { SeriesInstanceUID: string }), (e: unknown) => {
        assert.ok(e instanceof NbiaBadRequestError);
        assert.equal(e.status, 400);
        assert.match(e.serverMessage, /SeriesInstanceUID/);
        return true;
      });
      await assert.rejects(nbia.v4.getCollectionValues({}, { format: 'yaml' as 'csv' }), NbiaBadRequestError);
      await assert.rejects(nbia.login('alice', 'wrong password'), (e: unknown) => e instanceof NbiaAuthError && e.code === 'invalid_grant');
      await assert.rejects(nbia.v4.getSingleImage({ SeriesInstanceUID: DL_SERIES, SOPInstanceUID: '9.9.9' }), NbiaNotFoundError);

      // Every endpoint was asked.
      const notAsked = ENDPOINTS.filter((e) => !asked.has(`${e.method} ${new URL(endpointUrl(nbia.root, e.family, e.name)).pathname}`));
      assert.deepEqual(notAsked, []);
    } finally {
      await s.close();
    }
  });
}

test('getUserAgreementTxt: the file the server is configured with', async () => {
  const s = await clientServer('sqlite');
  const file = path.join(s.t.dataDir, 'agreement.txt');
  fs.writeFileSync(file, 'Use these data for research only.\n');
  const app = await buildServer({ store: s.t.store, blobs: s.t.blobs, options: { ...DEFAULT_SERVER_OPTIONS, userAgreementFile: file } });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const nbia = new NbiaClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    assert.equal(await nbia.v1.getUserAgreementTxt(), 'Use these data for research only.\n');
  } finally {
    await app.close();
    await s.close();
  }
});
