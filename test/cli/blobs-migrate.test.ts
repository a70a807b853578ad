// `nbia blobs migrate --to s3://...` on both dialects, run as users run it, against s3rver:
// a file that does not match its recorded MD5 is refused and keeps the archive on the local
// store; once fixed, a re-run copies only what is missing, switches the recorded store, and
// every command opened afterwards reads S3 (and refuses to write elsewhere).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestStore, DIALECTS, tempDir } from '../helpers/stores.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { nbia } from './run.js';
import { writeSeries } from '../ingest/dicom-files.js';
import { ingestInto, md5sum } from '../ingest/helpers.js';
import { blobLocationUrl, recordedBlobLocation } from '../../src/blobs/location.js';
import { openFromFlags } from '../../src/cli/common.js';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { request, startServer } from '../downloads/fixture.js';
import { readWithAll } from '../downloads/readers.js';

let s3: TestS3;
before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.dispose();
});

for (const dialect of DIALECTS) {
  test(`${dialect}: blobs migrate copies every stored file to S3 verified by MD5, resumes, and switches the archive's store`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const series = writeSeries(path.join(src, 'ct'), { count: 6, patientId: 'MIG-001', side: 24 });
      const kept = writeSeries(path.join(src, 'kept'), { count: 2, patientId: 'MIG-002' });
      assert.equal((await ingestInto(t, [path.join(src, 'ct')], { collection: 'Mig', public: true })).filesAdded, 6);
      assert.equal((await ingestInto(t, [path.join(src, 'kept')], { collection: 'Mig', inPlace: true })).filesAdded, 2);
      const prefix = `mig-${dialect}`;
      const target = `s3://${s3.bucket}/${prefix}`;
      const args = ['blobs', 'migrate', '--to', target, '--data', t.dataDir, '--database', t.databaseUrl];

      // One stored file no longer matches the MD5 the index recorded: refused, the rest copied, no switch.
      const rows = await t.store.db.selectFrom('image').selectAll().where('in_place', '=', 0).orderBy('id').execute();
      const damaged = t.blobs.pathOf(rows[2]!.blob_key, false);
      const original = fs.readFileSync(damaged);
      const bad = Buffer.from(original);
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
      fs.writeFileSync(damaged, bad);
      const first = await nbia(args, { env: s3.env });
      assert.equal(first.code, 1, first.stderr + first.stdout);
      assert.match(first.stdout, /Copied to .*: 5 .*failed: 1/);
      assert.match(first.stdout, new RegExp(`failed ${rows[2]!.sop_instance_uid} .*MD5`));
      assert.match(first.stdout, /Read in place .*: 2/);
      assert.equal(blobLocationUrl(await recordedBlobLocation(t.store.db)), 'local', 'still on the local store');
      const store = s3.store(`${prefix}/`);
      assert.equal(await store.head(rows[2]!.blob_key), null, 'nothing under the refused key');

      // Repaired: the re-run copies the one missing file and switches.
      fs.writeFileSync(damaged, original);
      const second = await nbia(args, { env: s3.env });
      assert.equal(second.code, 0, second.stderr + second.stdout);
      assert.match(second.stdout, /Copied to .*: 1 .*already there: 5, failed: 0/);
      assert.match(second.stdout, /file store is now s3:\/\//);
      assert.equal(blobLocationUrl(await recordedBlobLocation(t.store.db)), `${target}/`);
      for (const row of rows) assert.deepEqual(await store.head(row.blob_key), { size: Number(row.file_size), md5: row.md5 });
      const third = await nbia(args, { env: s3.env });
      assert.equal(third.code, 0);
      assert.match(third.stdout, /already in s3:/);

      // Opened without --blobs, the archive is on S3 now; another store is refused while it holds files.
      const saved = { ...process.env };
      Object.assign(process.env, s3.env);
      try {
        const opened = await openFromFlags({ data: t.dataDir, database: t.databaseUrl });
        try {
          assert.ok(opened.blobs instanceof S3BlobStore);
          assert.equal(opened.blobs.url, `${target}/`);
          fs.rmSync(path.join(t.dataDir, 'files'), { recursive: true }); // the local copies are no longer read
          const s = await startServer(t, opened.blobs);
          try {
            for (const [uid, files] of [[series.seriesUid, series.files], [kept.seriesUid, kept.files]] as const) {
              const zip = await request(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=${uid}`);
              assert.equal(zip.aborted, false);
              const file = path.join(t.dataDir, `${uid}.zip`);
              fs.writeFileSync(file, zip.body);
              assert.deepEqual((await readWithAll(file)).members.slice(1).map((m) => m.md5), files.map((f) => md5sum(f.path)));
            }
          } finally {
            await s.close();
          }
        } finally {
          await opened.store.close();
        }
      } finally {
        process.env = saved;
      }
      const refused = await nbia(['ingest', path.join(src, 'ct'), '--collection', 'Mig', '--blobs', 'local', '--data', t.dataDir, '--database', t.databaseUrl], { env: s3.env });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /files are in s3:\/\/.* not local/);
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
}

test('--blobs and NBIA_BLOBS: a malformed store URL is refused before anything is opened', async () => {
  const dir = tempDir();
  try {
    for (const bad of ['http://bucket/x', 's3://', 's3://Bad_Bucket/x', 's3://bucket/../x']) {
      const r = await nbia(['ingest', dir, '--collection', 'X', '--blobs', bad, '--data', dir]);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /nbia: .*(s3:\/\/BUCKET|bucket name|prefix)/);
    }
    const env = await nbia(['ingest', dir, '--collection', 'X', '--data', dir], { env: { NBIA_BLOBS: 'ftp://x' } });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /NBIA_BLOBS/);
    assert.equal(fs.existsSync(path.join(dir, 'nbia.sqlite')), false, 'no index was created');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
