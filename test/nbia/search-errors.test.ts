// Bad input to the v1/v2/v4 metadata endpoints: a clear 400/401/404/405 JSON error, never a 500.
import assert from 'node:assert/strict';
import { testEachDialect, type SeededApp } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';

async function expectError(s: SeededApp, path: string, status: number, error: string, description?: RegExp | string, headers = {}) {
  const r = await s.get(path, headers);
  assert.equal(r.statusCode, status, `${path}: ${r.body}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, path);
  const body = r.json() as { error: string; error_description: string };
  assert.equal(body.error, error, path);
  if (typeof description === 'string') assert.equal(body.error_description, description, path);
  else if (description) assert.match(body.error_description, description, path);
}

testEachDialect('metadata endpoints answer bad input with 400/401/404/405, never 500', async (s, tt) => {
  const v2 = await authHeaderFor(s.app);

  await tt.test('missing required parameters name every missing one', async () => {
    for (const family of ['v1', 'v4']) {
      await expectError(s, `${family}/getSeriesSize`, 400, 'invalid_request', 'SeriesInstanceUID is required');
      await expectError(s, `${family}/getSOPInstanceUIDs?seriesinstanceuid=1.2.840.1.1.1`, 400, 'invalid_request', 'SeriesInstanceUID is required');
      await expectError(s, `${family}/getPatientByCollectionAndModality`, 400, 'invalid_request', 'Collection and Modality are required');
      await expectError(s, `${family}/getPatientByCollectionAndModality?Collection=LIDC-Demo`, 400, 'invalid_request', 'Modality is required');
    }
    await expectError(s, 'v2/getSeriesMetaData', 400, 'invalid_request', 'SeriesInstanceUID is required', v2);
    await expectError(s, 'v1/getSeriesMetaData?format=csv', 400, 'invalid_request', 'SeriesInstanceUID is required');
    await expectError(s, 'v1/NewPatientsInCollection', 400, 'invalid_request', 'Collection and Date are required');
    await expectError(s, 'v2/NewStudiesInPatientCollection?Collection=LIDC-Demo', 400, 'invalid_request', 'Date is required', v2);
    await expectError(s, 'v4/NewPatientsInCollection', 400, 'invalid_request', 'Collection and fromDate are required');
    await expectError(s, 'v4/NewStudiesInPatientCollection?Collection=LIDC-Demo', 400, 'invalid_request', 'fromDate is required');
    await expectError(s, 'v4/NewStudiesInPatientCollection?fromDate=01-01-2024', 400, 'invalid_request', 'Collection is required');
    await expectError(s, 'v1/getContentsByName', 400, 'invalid_request', 'name is required');
    await expectError(s, 'v2/getContentsByName?Name=nbia-1234', 400, 'invalid_request', 'name is required', v2);
  });

  await tt.test('impossible or malformed dates are 400s naming the parameter', async () => {
    await expectError(s, 'v1/getUpdatedSeries?fromDate=02/30/2024', 400, 'invalid_request', /fromDate "02\/30\/2024"/);
    await expectError(s, 'v2/getUpdatedSeries?fromDate=13/13/2024', 400, 'invalid_request', /fromDate/, v2);
    await expectError(s, 'v2/getUpdatedSeries?fromDate=31/02/2024', 400, 'invalid_request', /fromDate/, v2);
    await expectError(s, 'v4/getUpdatedSeries?fromDate=02-30-2024', 400, 'invalid_request', /fromDate/);
    await expectError(s, 'v4/getUpdatedSeries?fromDate=03/05/2024', 400, 'invalid_request', /MM-DD-YYYY/);
    await expectError(s, 'v1/getUpdatedSeries?fromDate=yesterday', 400, 'invalid_request', /fromDate/);
    await expectError(s, 'v1/getUpdatedSeries?fromDate=2024-02-30', 400, 'invalid_request', /fromDate/);
    await expectError(s, 'v1/NewPatientsInCollection?Collection=LIDC-Demo&Date=2010/13/01', 400, 'invalid_request', /Date "2010\/13\/01"/);
    await expectError(s, 'v1/NewPatientsInCollection?Collection=LIDC-Demo&Date=08/16/2010', 400, 'invalid_request', /YYYY\/MM\/DD/);
    await expectError(s, 'v2/NewStudiesInPatientCollection?Collection=LIDC-Demo&Date=', 400, 'invalid_request', /Date/, v2);
    await expectError(s, 'v4/NewPatientsInCollection?Collection=LIDC-Demo&fromDate=02-29-2023', 400, 'invalid_request', /fromDate/);
    await expectError(s, 'v4/NewStudiesInPatientCollection?Collection=LIDC-Demo&Date=2023/02/29', 400, 'invalid_request', /Date/);
    // A real leap day is fine.
    assert.equal((await s.get('v4/NewPatientsInCollection?Collection=LIDC-Demo&fromDate=02-29-2024')).statusCode, 200);
    assert.equal((await s.get('v2/getUpdatedSeries?fromDate=31/01/2024', v2)).statusCode, 200);
  });

  await tt.test('unknown format → 400; unknown parameters are ignored', async () => {
    await expectError(s, 'v1/getSeries?format=pdf', 400, 'invalid_request', /format "pdf"/);
    await expectError(s, 'v4/getSeriesSize?SeriesInstanceUID=1.2.840.1.1.1&format=csvquoted', 400, 'invalid_request', /format/);
    const emptyFormat = await s.get('v4/getPatientByCollectionAndModality?Collection=breast-mini&Modality=MG&format=');
    assert.equal(emptyFormat.body, '[{"PatientId":"BR-01","Authorized":1}]', 'an empty format is the default, JSON');
    const ignored = await s.get('v4/getSOPInstanceUIDs?SeriesInstanceUID=1.2.840.4.1.1&NewFileNames=Yes&tool=tcia_utils');
    assert.equal(ignored.statusCode, 200);
    assert.equal(ignored.body, '[{"SOPInstanceUID":"1.2.840.4.1.1.1"}]');
  });

  await tt.test('unknown path → 404, wrong method → 405', async () => {
    await expectError(s, 'v1/getFoo', 404, 'not_found');
    await expectError(s, 'v3/getSeries', 404, 'not_found');
    await expectError(s, 'v4/getContentsByName?name=x', 404, 'not_found');
    for (const url of ['/nbia-api/services/v1/getSeries', '/nbia-api/v4/getPatientStudy', '/nbia-api/services/v2/getSeriesSize']) {
      const r = await s.app.inject({ method: 'POST', url });
      assert.equal(r.statusCode, 405, url);
      assert.equal((r.json() as { error: string }).error, 'method_not_allowed');
      assert.match(String(r.headers.allow), /GET/);
    }
    const del = await s.app.inject({ method: 'DELETE', url: '/nbia-api/services/v1/getSeries' });
    assert.equal(del.statusCode, 405);
  });

  await tt.test('v2 without a token → 401 invalid_token with a Bearer challenge', async () => {
    const r = await s.get('v2/getSeries');
    assert.equal(r.statusCode, 401);
    assert.equal((r.json() as { error: string }).error, 'invalid_token');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
    // Missing parameters on v2 without a token: the token is the first problem.
    assert.equal((await s.get('v2/getSeriesSize')).statusCode, 401);
  });

  await tt.test('the /nbia-api/<family>/ alias answers the same', async () => {
    const a = await s.app.inject({ url: '/nbia-api/v1/getSeriesSize?SeriesInstanceUID=1.2.840.1.1.1' });
    assert.equal(a.body, '[{"TotalSizeInBytes":1500,"ObjectCount":3}]');
  });
});
