// Resuming downloads: every split of a small archive into [0,k) and [k,end] concatenates
// to the whole body; suffix ranges, 416, If-Range, several ranges; a download broken by
// the client and resumed with Range + If-Range yields an archive every reader accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { query, request, seedSeries, startServer } from './fixture.js';
import { readWithAll } from './readers.js';

for (const dialect of DIALECTS) {
  // Every split on SQLite; PostgreSQL (the same code after the query) takes every 9th and the edges.
  test(`${dialect}: ${dialect === 'sqlite' ? 'every split' : 'splits'} [0,k) + [k,end] of a small archive concatenate to the whole body`, async () => {
    const t = await createTestStore(dialect);
    const s = await startServer(t);
    try {
      await seedSeries(t, {
        collection: { name: 'Split', licenseName: 'CC BY 4.0' },
        seriesInstanceUid: '2.2.2',
        images: [
          { sopInstanceUid: '2.2.2.1', instanceNumber: 1, bytes: Buffer.from('first DICOM-ish file') },
          { sopInstanceUid: '2.2.2.2', instanceNumber: 2, bytes: Buffer.from('second one') },
        ],
      });
      const url = `${s.base}/nbia-api/services/v4/getImage?${query({ SeriesInstanceUID: '2.2.2', IncludeMD5: 'Yes' })}`;
      const whole = await request(url);
      assert.equal(whole.status, 200);
      const n = whole.body.length;
      assert.equal(Number(whole.headers['content-length']), n);
      const file = path.join(t.dataDir, 'whole.zip');
      fs.writeFileSync(file, whole.body);
      assert.deepEqual((await readWithAll(file)).names, ['LICENSE', '00000001.dcm', '00000002.dcm', 'md5hashes.csv']);

      const step = dialect === 'sqlite' ? 1 : 9;
      for (let k = 0; k <= n; k = k === n ? n + 1 : Math.min(n, k + step)) {
        const parts: Buffer[] = [];
        if (k > 0) {
          const head = await request(url, { headers: { Range: `bytes=0-${k - 1}` } });
          assert.equal(head.status, 206, `k=${k}`);
          assert.equal(head.headers['content-range'], `bytes 0-${k - 1}/${n}`);
          assert.equal(Number(head.headers['content-length']), k);
          parts.push(head.body);
        }
        if (k < n) {
          const tail = await request(url, { headers: { Range: `bytes=${k}-` } });
          assert.equal(tail.status, 206, `k=${k}`);
          assert.equal(tail.headers['content-range'], `bytes ${k}-${n - 1}/${n}`);
          assert.equal(Number(tail.headers['content-length']), n - k);
          parts.push(tail.body);
        }
        assert.ok(Buffer.concat(parts).equals(whole.body), `split at ${k} of ${n}`);
      }
    } finally {
      await s.close();
      await t.dispose();
    }
  });
}

test('suffix ranges, 416 past the end, If-Range, several ranges, HEAD with Range, ranges of a single image', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    const dicom = randomBytes(5000);
    await seedSeries(t, { collection: { name: 'R' }, seriesInstanceUid: '3.3.3', images: [{ sopInstanceUid: '3.3.3.1', instanceNumber: 1, bytes: dicom }] });
    const url = `${s.base}/nbia-api/services/v1/getImage?SeriesInstanceUID=3.3.3`;
    const whole = await request(url);
    const n = whole.body.length;
    const etag = String(whole.headers.etag);

    const suffix = await request(url, { headers: { Range: 'bytes=-100' } });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers['content-range'], `bytes ${n - 100}-${n - 1}/${n}`);
    assert.ok(suffix.body.equals(whole.body.subarray(n - 100)));

    const middle = await request(url, { headers: { Range: 'bytes=100-199' } });
    assert.ok(middle.body.equals(whole.body.subarray(100, 200)));

    const past = await request(url, { headers: { Range: `bytes=${n}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${n}`);
    assert.equal(JSON.parse(past.body.toString()).error, 'range_not_satisfiable');

    const same = await request(url, { headers: { Range: 'bytes=10-', 'If-Range': etag } });
    assert.equal(same.status, 206);
    assert.ok(same.body.equals(whole.body.subarray(10)));
    const stale = await request(url, { headers: { Range: 'bytes=10-', 'If-Range': '"z1-something-else"' } });
    assert.equal(stale.status, 200);
    assert.ok(stale.body.equals(whole.body));

    const several = await request(url, { headers: { Range: 'bytes=0-1,5-9' } });
    assert.equal(several.status, 200);
    assert.ok(several.body.equals(whole.body));

    const head = await request(url, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), n);

    const single = `${s.base}/nbia-api/services/v4/getSingleImage?${query({ SeriesInstanceUID: '3.3.3', SOPInstanceUID: '3.3.3.1' })}`;
    const part = await request(single, { headers: { Range: 'bytes=4000-' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 4000-4999/5000');
    assert.ok(part.body.equals(dicom.subarray(4000)));
    assert.equal((await request(single, { headers: { Range: 'bytes=5000-' } })).status, 416);
  } finally {
    await s.close();
    await t.dispose();
  }
});

test('a download the client broke off resumes with Range and If-Range into a whole archive', async () => {
  const t = await createTestStore('sqlite');
  const s = await startServer(t);
  try {
    const images = Array.from({ length: 4 }, (_, i) => ({ sopInstanceUid: `4.4.4.${i + 1}`, instanceNumber: i + 1, bytes: randomBytes(3 * 1024 * 1024) }));
    await seedSeries(t, { collection: { name: 'Resume' }, seriesInstanceUid: '4.4.4', images });
    const url = `${s.base}/nbia-api/services/v4/getImageWithMD5Hash?SeriesInstanceUID=4.4.4`;

    // First attempt: the client stops after a bit more than 1 MiB.
    const first = await new Promise<{ got: Buffer; etag: string; total: number }>((resolve, reject) => {
      const req = http.get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let got = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          got += c.length;
          if (got > 1024 * 1024) {
            req.destroy();
            resolve({ got: Buffer.concat(chunks), etag: String(res.headers.etag), total: Number(res.headers['content-length']) });
          }
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    assert.ok(first.got.length < first.total);

    const rest = await request(url, { headers: { Range: `bytes=${first.got.length}-`, 'If-Range': first.etag } });
    assert.equal(rest.status, 206);
    const file = path.join(t.dataDir, 'resumed.zip');
    fs.writeFileSync(file, Buffer.concat([first.got, rest.body]));
    const read = await readWithAll(file);
    assert.deepEqual(read.names, ['00000001.dcm', '00000002.dcm', '00000003.dcm', '00000004.dcm', 'md5hashes.csv']);
    assert.equal(fs.statSync(file).size, first.total);
  } finally {
    await s.close();
    await t.dispose();
  }
});
