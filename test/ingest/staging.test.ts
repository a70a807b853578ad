// Copies written by the hashing threads from the bytes they hashed (BlobStaging): the store
// side (paths, adopt, discard, close), the thread side (hashAndParseFiles with stageAs), and
// when an ingest uses them: a new collection from the start, a re-run over stored files never,
// new files in an existing collection once a batch shows they are new. No staged copy is
// left behind, whatever happens to its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createTestStore, tempDir, type TestStore } from '../helpers/stores.js';
import { FsBlobStore, PARTIALS_DIR } from '../../src/blobs/fs/fs-blob-store.js';
import type { BlobStaging, BlobStore } from '../../src/blobs/blob-store.js';
import { ingest } from '../../src/ingest/index.js';
import { hashAndParseFiles } from '../../src/ingest/worker.js';
import type { FileResult, FileTask } from '../../src/ingest/types.js';
import { blobKeyFor, commitBatch } from '../../src/ingest/batch.js';
import { setCollection } from '../../src/archive/collections.js';
import { ctInstance, newUid, writeSeries } from './dicom-files.js';
import { count, listTree, md5sum, openedFor } from './helpers.js';

/** One file through a hashing thread's code (a group of one). */
const hashAndParse = (task: FileTask): FileResult => hashAndParseFiles([task])[0]!;

/** The test store's blobs, counting how each file got into the store. */
function observed(t: TestStore) {
  const calls = { putFile: 0, newPath: 0, adopt: 0 };
  const inner = t.blobs;
  const blobs: BlobStore = {
    putFile: (key, source) => {
      calls.putFile++;
      return inner.putFile(key, source);
    },
    stat: (key, inPlace) => inner.stat(key, inPlace),
    openRead: (key, inPlace, range) => inner.openRead(key, inPlace, range),
    removeStalePartials: () => inner.removeStalePartials(),
    openStaging: async () => {
      const s = await inner.openStaging();
      const counted: BlobStaging = {
        newPath: () => {
          calls.newPath++;
          return s.newPath();
        },
        adopt: (key, staged) => {
          calls.adopt++;
          return s.adopt(key, staged);
        },
        discard: (staged) => s.discard(staged),
        close: () => s.close(),
      };
      return counted;
    },
  };
  return { calls, opened: { ...openedFor(t), blobs } };
}

/** Runs `fn` with a new SQLite test store and a source folder, and removes both after. */
async function withStoreAndSource(fn: (t: TestStore, src: string) => Promise<void>): Promise<void> {
  const t = await createTestStore('sqlite');
  const src = tempDir('nbia-src-');
  try {
    await fn(t, src);
  } finally {
    await t.dispose();
    fs.rmSync(src, { recursive: true, force: true });
  }
}

const partialsOf = (t: TestStore) => listTree(path.join(t.dataDir, 'files', PARTIALS_DIR));
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

test('FsBlobStore staging: new paths in the partials folder, adopt moves one under its key, discard and close delete the rest', async () => {
  const dataDir = tempDir('nbia-staging-');
  try {
    const store = new FsBlobStore(dataDir);
    const staging = await store.openStaging();
    const [a, b, c, d] = [staging.newPath(), staging.newPath(), staging.newPath(), staging.newPath()];
    assert.equal(new Set([a, b, c, d]).size, 4, 'never the same path twice');
    for (const p of [a, b, c, d]) {
      assert.equal(path.dirname(p), path.join(dataDir, 'files', PARTIALS_DIR));
      fs.writeFileSync(p, `bytes of ${path.basename(p)}`);
    }
    await staging.adopt('1.2.3/4.5.6.dcm', a);
    assert.equal(fs.readFileSync(path.join(dataDir, 'files', '1.2.3', '4.5.6.dcm'), 'utf8'), `bytes of ${path.basename(a)}`);
    assert.equal(fs.existsSync(a), false);
    await staging.discard(a); // what commitBatch does for every staged file of its batch
    assert.equal(fs.existsSync(path.join(dataDir, 'files', '1.2.3', '4.5.6.dcm')), true, 'discarding an adopted copy leaves the stored file');
    await assert.rejects(staging.adopt('1.2.3/other.dcm', a), /not a staged copy/, 'a path adopted once is not adopted again');
    await assert.rejects(staging.adopt('../../escape.dcm', b), /escapes the store/);
    assert.equal(fs.existsSync(b), false, 'a failed adopt deletes the staged copy');
    await staging.discard(c);
    assert.equal(fs.existsSync(c), false);
    await staging.close();
    assert.equal(fs.existsSync(d), false, 'close deletes what was neither adopted nor discarded');
    assert.deepEqual(Object.keys(listTree(path.join(dataDir, 'files'))), ['1.2.3/4.5.6.dcm']);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a hashing thread writes the copy from the bytes it hashed; a copy it cannot write is left to the commit', () => {
  const dir = tempDir('nbia-staging-');
  try {
    const file = path.join(dir, 'a.dcm');
    const bytes = ctInstance({ side: 16 });
    fs.writeFileSync(file, bytes);
    const stageAs = path.join(dir, '1.1.partial');
    const result = hashAndParse({ index: 0, path: file, stageAs });
    assert.ok(result.ok);
    assert.equal(result.staged, stageAs);
    assert.deepEqual(fs.readFileSync(stageAs), bytes);
    assert.equal(result.md5, md5(bytes));

    const nowhere = path.join(dir, 'missing-folder', '1.2.partial');
    const unstaged = hashAndParse({ index: 1, path: file, stageAs: nowhere });
    assert.ok(unstaged.ok, 'the file is still hashed and parsed');
    assert.equal(unstaged.staged, undefined);
    assert.equal(fs.existsSync(nowhere), false);

    // Never over an existing file (the path was not this thread's to write).
    fs.writeFileSync(path.join(dir, 'taken.partial'), 'someone else');
    const taken = hashAndParse({ index: 2, path: file, stageAs: path.join(dir, 'taken.partial') });
    assert.ok(taken.ok);
    assert.equal(taken.staged, undefined);
    assert.equal(fs.readFileSync(path.join(dir, 'taken.partial'), 'utf8'), 'someone else');

    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'not DICOM at all, long enough to be read as something'.repeat(10));
    const skipped = hashAndParse({ index: 3, path: junk, stageAs: path.join(dir, '1.3.partial') });
    assert.equal(skipped.ok, false);
    assert.equal(fs.existsSync(path.join(dir, '1.3.partial')), false, 'a skipped file is not copied');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file rewritten after it was hashed is stored as it was hashed, so the stored bytes match the recorded MD5', () =>
  withStoreAndSource(async (t, src) => {
  const { files } = writeSeries(src, { count: 1, patientId: 'P-1', side: 16 });
  const file = files[0]!;
  const original = fs.readFileSync(file.path);
  const staging = await t.blobs.openStaging();
  const result = hashAndParse({ index: 0, path: file.path, stageAs: staging.newPath() });
  assert.ok(result.ok && result.staged !== undefined);
  const changed = Buffer.from(original);
  changed[changed.length - 1]! ^= 0xff;
  fs.writeFileSync(file.path, changed); // rewritten between hashing and the commit

  const collection = await setCollection(t.store.db, 'Staged', {});
  const outcome = await commitBatch(
    { db: t.store.db, blobs: t.blobs, staging, collectionId: Number(collection.id), ensureCollection: async () => Number(collection.id), site: null, inPlace: false },
    [{ path: file.path, size: result.size, md5: result.md5, crc32: result.crc32, parsed: result.parsed, staged: result.staged }],
  );
  assert.equal(outcome.added, 1);
  const row = await t.store.db.selectFrom('image').select(['md5', 'blob_key']).executeTakeFirstOrThrow();
  const stored = path.join(t.dataDir, 'files', row.blob_key);
  assert.equal(row.blob_key, blobKeyFor(result.parsed.series.series_instance_uid!, file.sopUid));
  assert.deepEqual(fs.readFileSync(stored), original);
  assert.equal(md5sum(stored), row.md5);
  assert.deepEqual(partialsOf(t), {});

  // The same instance again, staged: already present, so its copy is deleted with the batch.
  fs.writeFileSync(file.path, original);
  const twice = hashAndParse({ index: 0, path: file.path, stageAs: staging.newPath() });
  assert.ok(twice.ok && twice.staged !== undefined);
  const again = await commitBatch(
    { db: t.store.db, blobs: t.blobs, staging, collectionId: Number(collection.id), ensureCollection: async () => Number(collection.id), site: null, inPlace: false },
    [{ path: file.path, size: twice.size, md5: twice.md5, crc32: twice.crc32, parsed: twice.parsed, staged: twice.staged }],
  );
  assert.equal(again.alreadyPresent, 1);
  assert.equal(fs.existsSync(twice.staged), false);
  }));

test('ingest into a new collection: every copy is written by the hashing threads; a re-run writes none and leaves no partials', () =>
  withStoreAndSource(async (t, src) => {
  const { files } = writeSeries(src, { count: 7, patientId: 'P-1', side: 16 });
  const first = observed(t);
  const summary = await ingest(first.opened, [src], { collection: 'New', workers: 2, batchSize: 3 });
  assert.equal(summary.filesAdded, 7);
  assert.deepEqual(first.calls, { putFile: 0, newPath: 7, adopt: 7 });
  const rows = await t.store.db.selectFrom('image').select(['sop_instance_uid', 'md5', 'blob_key']).execute();
  for (const f of files) {
    const row = rows.find((r) => r.sop_instance_uid === f.sopUid)!;
    assert.equal(md5sum(path.join(t.dataDir, 'files', row.blob_key)), md5sum(f.path));
    assert.equal(row.md5, md5sum(f.path));
  }
  assert.deepEqual(partialsOf(t), {});

  const again = observed(t);
  const rerun = await ingest(again.opened, [src], { collection: 'New', workers: 2, batchSize: 3 });
  assert.equal(rerun.filesAlreadyPresent, 7);
  assert.deepEqual(again.calls, { putFile: 0, newPath: 0, adopt: 0 }, 'nothing written for files already stored');
  assert.deepEqual(partialsOf(t), {});
  }));

test('new files into an existing collection: copied at commit until a batch shows they are new, then written by the threads', () =>
  withStoreAndSource(async (t, src) => {
  writeSeries(path.join(src, 'a-first'), { count: 1, patientId: 'P-1', side: 8 });
  await ingest(openedFor(t), [path.join(src, 'a-first')], { collection: 'Grows', workers: 1 });
  writeSeries(path.join(src, 'b-more'), { count: 20, patientId: 'P-2', side: 8 });
  const { calls, opened } = observed(t);
  const summary = await ingest(opened, [src], { collection: 'Grows', workers: 2, batchSize: 2 });
  assert.equal(summary.filesAdded, 20);
  assert.equal(summary.filesAlreadyPresent, 1);
  assert.equal(calls.putFile + calls.adopt, 20, 'each new file stored once');
  assert.ok(calls.putFile >= 2, `the files handed out before the first batch are copied at commit (${calls.putFile})`);
  assert.ok(calls.adopt >= 10, `the files handed out after it are written by the threads (${calls.adopt})`);
  assert.equal(calls.newPath, calls.adopt);
  assert.equal(await count(t, 'image'), 21);
  assert.deepEqual(partialsOf(t), {});
  }));

test('staged copies of refused files are deleted, and the stored file stays as it was', () =>
  withStoreAndSource(async (t, src) => {
  const seriesUid = newUid();
  const studyUid = newUid();
  const sopUid = newUid();
  const spec = { patientId: 'P-1', seriesUid, studyUid, sopUid, side: 8 };
  const kept = ctInstance(spec);
  fs.writeFileSync(path.join(src, '1.dcm'), kept);
  fs.writeFileSync(path.join(src, '2.dcm'), ctInstance(spec)); // same SOPInstanceUID, other pixels
  const { calls, opened } = observed(t);
  const summary = await ingest(opened, [src], { collection: 'Refuses', workers: 1 });
  assert.equal(summary.filesAdded, 1);
  assert.deepEqual(summary.skipped.map((s) => [path.basename(s.path), s.reason]), [['2.dcm', 'sop_conflict']]);
  assert.equal(calls.newPath, 2, 'both were staged');
  assert.deepEqual(fs.readFileSync(path.join(t.dataDir, 'files', blobKeyFor(seriesUid, sopUid))), kept);
  assert.deepEqual(partialsOf(t), {}, 'the refused copy is gone');
  }));
