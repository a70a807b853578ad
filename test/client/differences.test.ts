// What other NBIA servers answer differently (api-policy.md, clients.md, spec §5): the
// original's empty body and 204 for no rows, `[{}]` for an unknown series, CSV where JSON was
// asked, text error bodies. Those servers do not run here, so their answers are replayed by a
// fetch function that returns exactly them; everything else is the real client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiRoot, NbiaBadRequestError, NbiaClient, parseCsv } from '../../src/client/index.js';

function replaying(answer: () => Response): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: async (input) => {
      urls.push(String(input));
      return answer();
    },
  };
}

test('no rows as an empty body, a 204 or [{}] reads as []', async () => {
  for (const answer of [() => new Response('', { status: 200 }), () => new Response(null, { status: 204 }), () => new Response('[{}]', { status: 200, headers: { 'content-type': 'application/json' } })]) {
    const r = replaying(answer);
    const nbia = new NbiaClient({ baseUrl: 'https://services.example.org/nbia-api/services/', fetch: r.fetch });
    assert.deepEqual(await nbia.v4.getSeriesSize({ SeriesInstanceUID: '1.2.3' }), []);
    assert.equal(r.urls[0], 'https://services.example.org/nbia-api/services/v4/getSeriesSize?SeriesInstanceUID=1.2.3');
  }
});

test('CSV where JSON was asked still gives rows; a text error body is the message', async () => {
  const csv = replaying(() => new Response('SeriesInstanceUID,ImageCount\r\n"1.2.3",4\r\n', { status: 200, headers: { 'content-type': 'text/csv' } }));
  const nbia = new NbiaClient({ baseUrl: 'https://x.example/', fetch: csv.fetch });
  assert.deepEqual(await nbia.v4.getSeriesMetadata({ list: ['1.2.3'] }), [{ SeriesInstanceUID: '1.2.3', ImageCount: '4' }]);
  const text = replaying(() => new Response('A parameter, SeriesInstanceUID is required for this API call.', { status: 400, headers: { 'content-type': 'application/json' } }));
  const other = new NbiaClient({ baseUrl: 'https://x.example/', fetch: text.fetch });
  await assert.rejects(other.v1.getSeriesMetaData({ SeriesInstanceUID: '' }), (e: unknown) => e instanceof NbiaBadRequestError && e.serverMessage === 'A parameter, SeriesInstanceUID is required for this API call.');
});

test('any URL of a server names its API root', () => {
  for (const url of [
    'https://services.cancerimagingarchive.net',
    'https://services.cancerimagingarchive.net/nbia-api/services/',
    'https://services.cancerimagingarchive.net/nbia-api/services/v4/',
    'https://services.cancerimagingarchive.net/nbia-download/servlet/DownloadServlet',
  ]) assert.equal(apiRoot(url), 'https://services.cancerimagingarchive.net/nbia-api');
  assert.equal(apiRoot('http://127.0.0.1:8080/prefix/nbia-api'), 'http://127.0.0.1:8080/prefix/nbia-api');
  assert.throws(() => apiRoot('not a url'), TypeError);
});

test('CSV reader: quotes, doubled quotes, CRLF, a BOM', () => {
  assert.deepEqual(parseCsv('\ufeffa,"b ""c"", d"\r\n1,"x\ny"\n'), [['a', 'b "c", d'], ['1', 'x\ny']]);
});
