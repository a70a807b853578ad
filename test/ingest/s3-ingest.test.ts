// Ingest into the S3 file store (s3rver, started here), on both dialects: the objects hold
// the ingested bytes with the size, MD5 and CRC-32 the index records; an endpoint that dies
// mid-ingest leaves no image row without its object, and a re-run completes the archive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createTestStore, DIALECTS, tempDir } from '../helpers/stores.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { ingest } from '../../src/ingest/index.js';
import { openBlobReader } from '../../src/blobs/blob-reader.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { writeSeries } from './dicom-files.js';
import { md5sum } from './helpers.js';
import { request, startServer } from '../downloads/fixture.js';
import { readWithAll } from '../downloads/readers.js';

let s3: TestS3;
before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.dispose();
});

async function bytesOf(store: BlobStore, key: string): Promise<Buffer | null> {
  const reader = await openBlobReader(store, key, false);
  if (!reader) return null;
  try {
    const buf = Buffer.alloc((reader.size ?? 0) + 1);
    return buf.subarray(0, await reader.read(buf, 0));
  } finally {
    reader.close();
  }
}

for (const dialect of DIALECTS) {
  test(`${dialect}: ingest into S3; the endpoint dies mid-ingest: nothing half-indexed, a re-run completes it`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    const store = s3.store(`ingest-${dialect}/`);
    const opened = { config: { dataDir: t.dataDir, databaseUrl: t.databaseUrl }, store: t.store, blobs: store };
    try {
      const series = writeSeries(path.join(src, 'ct'), { count: 20, patientId: 'S3-001', side: 32 });
      let killed = false;
      const first = await ingest(opened, [src], {
        collection: 'S3-Trial',
        public: true,
        workers: 1,
        batchSize: 5,
        onProgress: (p) => {
          if (!killed && p.added >= 5) {
            killed = true;
            void s3.kill();
          }
        },
      });
      assert.ok(killed, 'the endpoint was stopped');
      assert.ok(first.filesAdded >= 5 && first.filesAdded < 20, `added ${first.filesAdded}`);
      assert.equal(first.filesAdded + first.filesSkipped, 20);
      assert.ok(first.skipped.every((s) => s.reason === 'store_failed'), JSON.stringify(first.skipped[0]));

      await s3.restart();
      // Every indexed image has its object, with the recorded size, MD5 and CRC-32.
      const indexed = await t.store.db.selectFrom('image').selectAll().execute();
      assert.equal(indexed.length, first.filesAdded);
      for (const row of indexed) {
        const bytes = await bytesOf(store, row.blob_key);
        assert.ok(bytes, `object of ${row.sop_instance_uid}`);
        assert.equal(bytes.length, Number(row.file_size));
        assert.equal(zlib.crc32(bytes), Number(row.crc32));
        assert.equal((await store.head(row.blob_key))?.md5, row.md5);
      }
      const seriesRow = await t.store.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
      assert.equal(seriesRow.image_count, first.filesAdded, 'counts follow the indexed images only');

      // The re-run adds the rest and changes nothing of what is there.
      const second = await ingest(opened, [src], { collection: 'S3-Trial', workers: 1, batchSize: 5 });
      assert.equal(second.filesAdded, 20 - first.filesAdded);
      assert.equal(second.filesAlreadyPresent, first.filesAdded);
      assert.deepEqual(second.skipped, []);
      const rows = await t.store.db.selectFrom('image').selectAll().execute();
      assert.equal(rows.length, 20);
      for (const f of series.files) {
        const row = rows.find((r) => r.sop_instance_uid === f.sopUid)!;
        assert.equal(row.md5, md5sum(f.path));
      }

      // And the whole series downloads from S3, every file as ingested.
      const s = await startServer(t, store);
      try {
        const zip = await request(`${s.base}/nbia-api/services/v4/getImage?SeriesInstanceUID=${series.seriesUid}`);
        assert.equal(zip.aborted, false);
        const file = path.join(t.dataDir, 'series.zip');
        fs.writeFileSync(file, zip.body);
        const read = await readWithAll(file);
        assert.deepEqual(read.members.slice(1).map((m) => m.md5), series.files.map((f) => md5sum(f.path)), "LICENSE, then every image");
      } finally {
        await s.close();
      }
      assert.equal(fs.existsSync(path.join(t.dataDir, 'files')), false, 'nothing went to the local store');
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
}
