// One series from a server that sends its ZIP the way a writer on a pipe makes it (data
// descriptors, deflated or stored; here Python's zipfile, as another NBIA server might):
// downloaded, extracted and verified through the downloader's own fetch, on the main thread
// and on a download thread.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { NbiaClient } from '../../src/client/index.js';
import { createHttpFetch } from '../../src/download/http-fetch.js';
import { mainThreadRunner, threadRunner } from '../../src/download/series-threads.js';
import { VerificationError } from '../../src/download/series.js';
import { tempDir } from '../helpers/stores.js';

const UID = '1.2.3.4.5';
const files = { '1-1.dcm': randomBytes(200_000), '1-2.dcm': Buffer.alloc(150_000, 3), '1-3.dcm': randomBytes(1000) };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Python's zipfile writing to a pipe (so every entry has a data descriptor), md5hashes.csv included. */
function streamedZip(deflate: boolean, md5s: Record<string, string>): Buffer {
  const dir = tempDir('nbia-zipsrc-');
  const all: Record<string, Buffer> = { ...files, 'md5hashes.csv': Buffer.from(`Filename,MD5Hash\n${Object.entries(md5s).map(([n, h]) => `${n},${h}`).join('\n')}\n`) };
  for (const [name, bytes] of Object.entries(all)) fs.writeFileSync(path.join(dir, name), bytes);
  const script = `
import sys, zipfile, os
d, deflate = sys.argv[1], sys.argv[2] == '1'
with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
    for n in sys.argv[3:]:
        z.write(os.path.join(d, n), n)
`;
  const r = spawnSync('python3', ['-c', script, dir, deflate ? '1' : '0', ...Object.keys(all)], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr?.toString());
  assert.equal(r.stdout.readUInt16LE(6) & 8, 8, 'data descriptors used');
  return r.stdout;
}

let zip: Buffer = Buffer.alloc(0);
let server: http.Server;
let base: string;

before(async () => {
  server = http.createServer((req, res) => {
    if (!req.url!.includes('/getImage?')) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const goodMd5s = Object.fromEntries(Object.entries(files).map(([n, b]) => [n, md5(b)]));
const row = { SeriesInstanceUID: UID, ImageCount: 3, FileSize: Object.values(files).reduce((n, b) => n + b.length, 0) };

for (const deflate of [false, true]) {
  for (const threads of [0, 2]) {
    test(`a ${deflate ? 'deflated' : 'stored'} ZIP with data descriptors arrives whole and verified (--threads ${threads})`, async () => {
      zip = streamedZip(deflate, goodMd5s);
      const out = tempDir('nbia-dl-desc-');
      const { fetch, close } = createHttpFetch();
      const client = new NbiaClient({ baseUrl: base, fetch });
      const runner = threads > 0 ? threadRunner(client, out, 'flat', threads) : mainThreadRunner(client, out, 'flat');
      try {
        let bytes = 0;
        const record = await runner.download({ uid: UID, row, folder: UID }, (n) => (bytes += n));
        assert.equal(record.dicomFiles, 3);
        assert.equal(bytes, zip.length, 'every byte received is counted, from a thread too');
        for (const [name, bytes] of Object.entries(files)) assert.ok(fs.readFileSync(path.join(out, UID, name)).equals(bytes), name);
      } finally {
        close();
        await runner.close();
      }
    });
  }
}

for (const threads of [0, 2]) {
  test(`with data descriptors too, a file whose MD5 differs from md5hashes.csv fails the series as a verification error (--threads ${threads})`, async () => {
    zip = streamedZip(true, { ...goodMd5s, '1-2.dcm': '0'.repeat(32) });
    const out = tempDir('nbia-dl-desc-');
    const { fetch, close } = createHttpFetch();
    const client = new NbiaClient({ baseUrl: base, fetch });
    const runner = threads > 0 ? threadRunner(client, out, 'flat', threads) : mainThreadRunner(client, out, 'flat');
    try {
      // The class matters: a verification error restarts the series instead of resuming it.
      await assert.rejects(runner.download({ uid: UID, row, folder: UID }, () => undefined), (err: Error) => err instanceof VerificationError && /1-2\.dcm: MD5/.test(err.message));
      assert.equal(fs.existsSync(path.join(out, UID)), false);
    } finally {
      close();
      await runner.close();
    }
  });
}
