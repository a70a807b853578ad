// Ingest on both dialects: what lands in the index and the file store, that a re-run
// changes nothing, why files are skipped or refused, in-place mode, and crash safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestStore, DIALECTS, tempDir } from '../helpers/stores.js';
import { ingest, type IngestSummary } from '../../src/ingest/index.js';
import { ctInstance, newUid, writeSeries } from './dicom-files.js';
import { count, ingestInto, listTree, md5sum, openedFor, pythonCrc32, snapshot } from './helpers.js';

const reasons = (s: IngestSummary) => Object.fromEntries(s.skipped.map((x) => [path.basename(x.path), x.reason]));

for (const dialect of DIALECTS) {
  test(`${dialect}: ingest copies every file into the store and indexes it; series counts equal the stored files`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const studyUid = newUid();
      const a = writeSeries(path.join(src, 'p1', 'ct-a'), { count: 3, patientId: 'LUNG-001', studyUid, side: 16 });
      const b = writeSeries(path.join(src, 'p1', 'ct-b'), { count: 2, patientId: 'LUNG-001', studyUid, side: 24, seriesDescription: 'Lung 5mm' });
      const c = writeSeries(path.join(src, 'p2'), { count: 1, patientId: 'LUNG-002', modality: 'MR' });
      const all = [...a.files, ...b.files, ...c.files];
      const totalBytes = all.reduce((n, f) => n + fs.statSync(f.path).size, 0);

      const summary = await ingest(openedFor(t), [src], { collection: 'Lung-Trial', site: 'Site A', workers: 2 });
      assert.equal(summary.filesSeen, 6);
      assert.equal(summary.filesAdded, 6);
      assert.equal(summary.filesAlreadyPresent, 0);
      assert.deepEqual(summary.skipped, []);
      assert.equal(summary.bytesAdded, totalBytes);
      assert.equal(summary.seriesTouched, 3);
      assert.equal(summary.collection, 'Lung-Trial');

      const db = t.store.db;
      const collection = await db.selectFrom('collection').selectAll().executeTakeFirstOrThrow();
      assert.equal(collection.name, 'Lung-Trial');
      assert.equal(collection.is_public, 0, 'a new collection is restricted unless --public');
      assert.deepEqual((await db.selectFrom('patient').select('patient_id').orderBy('patient_id').execute()).map((r) => r.patient_id), ['LUNG-001', 'LUNG-002']);
      assert.equal(await count(t, 'study'), 2);

      for (const [series, side] of [[a, 16], [b, 24], [c, 8]] as const) {
        const row = await db.selectFrom('series').selectAll().where('series_instance_uid', '=', series.seriesUid).executeTakeFirstOrThrow();
        assert.equal(row.image_count, series.files.length);
        assert.equal(Number(row.total_size), series.files.reduce((n, f) => n + fs.statSync(f.path).size, 0));
        assert.equal(row.site, 'Site A');
        assert.ok(row.date_released && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/.test(row.date_released));
        assert.ok(row.max_submission_timestamp);
        assert.ok(side > 0);
      }
      const mr = await db.selectFrom('series').select(['modality', 'series_description']).where('series_instance_uid', '=', c.seriesUid).executeTakeFirstOrThrow();
      assert.equal(mr.modality, 'MR');

      // Each image row points at a stored copy with the same bytes, MD5 and CRC-32.
      const images = await db.selectFrom('image').selectAll().execute();
      assert.equal(images.length, 6);
      for (const f of all) {
        const row = images.find((r) => r.sop_instance_uid === f.sopUid);
        assert.ok(row, `image ${f.sopUid} indexed`);
        assert.equal(row.in_place, 0);
        const stored = path.join(t.dataDir, 'files', row.blob_key);
        assert.ok(row.blob_key.endsWith(`/${f.sopUid}.dcm`));
        assert.deepEqual(fs.readFileSync(stored), fs.readFileSync(f.path));
        assert.equal(row.md5, md5sum(f.path));
        assert.equal(Number(row.crc32), pythonCrc32(f.path));
        assert.equal(Number(row.file_size), fs.statSync(f.path).size);
      }
      assert.ok(summary.reportFile && fs.existsSync(summary.reportFile), 'the report is written');
      assert.ok(summary.reportFile.startsWith(path.join(t.dataDir, 'reports')));
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: re-running over the same folder adds nothing and changes nothing`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      writeSeries(path.join(src, 's1'), { count: 4, patientId: 'P1' });
      writeSeries(path.join(src, 's2'), { count: 3, patientId: 'P2' });
      fs.writeFileSync(path.join(src, 'notes.txt'), 'not an image\n');
      const first = await ingestInto(t, [src], { collection: 'C1', batchSize: 3 });
      assert.equal(first.filesAdded, 7);
      const before = await snapshot(t);
      const filesBefore = listTree(path.join(t.dataDir, 'files'));

      const second = await ingestInto(t, [src], { collection: 'C1', batchSize: 3 });
      assert.equal(second.filesSeen, 8);
      assert.equal(second.filesAdded, 0);
      assert.equal(second.filesAlreadyPresent, 7);
      assert.equal(second.bytesAdded, 0);
      assert.equal(second.seriesTouched, 0);
      assert.deepEqual(reasons(second), { 'notes.txt': 'not_dicom' });
      assert.deepEqual(await snapshot(t), before, 'no row changed');
      assert.deepEqual(listTree(path.join(t.dataDir, 'files')), filesBefore, 'no blob added');
      assert.equal(Object.keys(filesBefore).length, 7);
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: files that are not DICOM, truncated or without identity are skipped with their reason; the rest goes in`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const good = writeSeries(path.join(src, 'good'), { count: 2 });
      fs.writeFileSync(path.join(src, 'readme.txt'), 'These are the scans of the trial.\n');
      fs.writeFileSync(path.join(src, 'empty.dcm'), Buffer.alloc(0));
      fs.writeFileSync(path.join(src, 'truncated.dcm'), ctInstance().subarray(0, 300));
      fs.writeFileSync(path.join(src, 'no-series-uid.dcm'), ctInstance({ seriesUid: null }));
      fs.writeFileSync(path.join(src, 'no-patient-id.dcm'), ctInstance({ patientId: null }));
      fs.writeFileSync(path.join(src, 'no-modality.dcm'), ctInstance({ modality: null }));

      const summary = await ingestInto(t, [src], { collection: 'Mixed' });
      assert.equal(summary.filesSeen, 8);
      assert.equal(summary.filesAdded, 2);
      assert.equal(summary.filesSkipped, 6);
      const r = reasons(summary);
      assert.equal(r['readme.txt'], 'not_dicom');
      assert.ok(r['empty.dcm'] === 'not_dicom' || r['empty.dcm'] === 'truncated', `empty file: ${r['empty.dcm']}`);
      assert.equal(r['truncated.dcm'], 'truncated');
      assert.equal(r['no-series-uid.dcm'], 'missing_uid');
      assert.equal(r['no-patient-id.dcm'], 'missing_attribute');
      assert.equal(r['no-modality.dcm'], 'missing_attribute');
      const byName = Object.fromEntries(summary.skipped.map((s) => [path.basename(s.path), s.message]));
      assert.match(byName['no-patient-id.dcm']!, /PatientID/);
      assert.match(byName['no-modality.dcm']!, /Modality/);

      // The report file holds the same list, with full paths.
      const report = JSON.parse(fs.readFileSync(summary.reportFile!, 'utf8')) as { skipped: { path: string; reason: string }[]; filesAdded: number };
      assert.equal(report.filesAdded, 2);
      assert.deepEqual(
        report.skipped.map((s) => [s.path, s.reason]).sort(),
        summary.skipped.map((s) => [s.path, s.reason]).sort(),
      );
      assert.ok(report.skipped.some((s) => s.path === path.join(src, 'truncated.dcm')));
      assert.deepEqual((await t.store.db.selectFrom('image').select('sop_instance_uid').execute()).map((x) => x.sop_instance_uid).sort(), good.files.map((f) => f.sopUid).sort());
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: the same SOPInstanceUID with other bytes is refused and the stored file stays as it was`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const first = writeSeries(path.join(src, 'one'), { count: 2, patientId: 'P9' });
      await ingestInto(t, [path.join(src, 'one')], { collection: 'Trial' });
      const before = await snapshot(t);
      const storeBefore = listTree(path.join(t.dataDir, 'files'));
      const original = first.files[0]!;
      const storedBytes = fs.readFileSync(path.join(t.dataDir, 'files', first.seriesUid, `${original.sopUid}.dcm`));

      // Same identity, other pixels: a second version of an instance must not replace the first.
      const changed = path.join(src, 'two', 'changed.dcm');
      fs.mkdirSync(path.dirname(changed), { recursive: true });
      fs.writeFileSync(changed, ctInstance({ patientId: 'P9', studyUid: first.studyUid, seriesUid: first.seriesUid, sopUid: original.sopUid }));
      assert.notEqual(md5sum(changed), md5sum(original.path));
      const summary = await ingestInto(t, [path.join(src, 'two')], { collection: 'Trial' });
      assert.equal(summary.filesAdded, 0);
      assert.deepEqual(reasons(summary), { 'changed.dcm': 'sop_conflict' });
      assert.match(summary.skipped[0]!.message, new RegExp(`${original.sopUid.replaceAll('.', '\\.')}.*different content`));
      assert.deepEqual(await snapshot(t), before);
      assert.deepEqual(listTree(path.join(t.dataDir, 'files')), storeBefore);
      assert.deepEqual(fs.readFileSync(path.join(t.dataDir, 'files', first.seriesUid, `${original.sopUid}.dcm`)), storedBytes);

      // Two different files with one SOPInstanceUID in the same run: the first in walk order wins.
      const dup = path.join(src, 'dup');
      const sop = newUid();
      const seriesUid = newUid();
      fs.mkdirSync(dup);
      fs.writeFileSync(path.join(dup, 'a.dcm'), ctInstance({ patientId: 'P9', studyUid: first.studyUid, seriesUid, sopUid: sop }));
      fs.writeFileSync(path.join(dup, 'b.dcm'), ctInstance({ patientId: 'P9', studyUid: first.studyUid, seriesUid, sopUid: sop }));
      const both = await ingestInto(t, [dup], { collection: 'Trial' });
      assert.equal(both.filesAdded, 1);
      assert.deepEqual(reasons(both), { 'b.dcm': 'sop_conflict' });
      const row = await t.store.db.selectFrom('image').select('md5').where('sop_instance_uid', '=', sop).executeTakeFirstOrThrow();
      assert.equal(row.md5, md5sum(path.join(dup, 'a.dcm')));
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: a series or study that belongs to another collection is refused, and nothing changes`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const s = writeSeries(path.join(src, 'first'), { count: 2, patientId: 'P1' });
      await ingestInto(t, [path.join(src, 'first')], { collection: 'A' });
      const before = await snapshot(t);
      const storeBefore = listTree(path.join(t.dataDir, 'files'));

      // A new instance of the same series, and a new series of the same study, sent to collection B.
      fs.mkdirSync(path.join(src, 'second'));
      fs.writeFileSync(path.join(src, 'second', 'same-series.dcm'), ctInstance({ patientId: 'P1', studyUid: s.studyUid, seriesUid: s.seriesUid }));
      fs.writeFileSync(path.join(src, 'second', 'same-study.dcm'), ctInstance({ patientId: 'P1', studyUid: s.studyUid }));
      // The very same file, too.
      fs.copyFileSync(s.files[0]!.path, path.join(src, 'second', 'copy.dcm'));
      const summary = await ingestInto(t, [path.join(src, 'second')], { collection: 'B' });
      assert.equal(summary.filesAdded, 0);
      assert.deepEqual(reasons(summary), { 'same-series.dcm': 'other_collection', 'same-study.dcm': 'other_collection', 'copy.dcm': 'other_collection' });
      assert.match(summary.skipped.find((x) => x.path.endsWith('same-series.dcm'))!.message, /collection "A"/);
      assert.deepEqual(await snapshot(t), before, 'no collection B, no rows changed');
      assert.deepEqual(listTree(path.join(t.dataDir, 'files')), storeBefore);

      // The series stays under its study and patient: a file that moves it is refused too.
      fs.mkdirSync(path.join(src, 'third'));
      fs.writeFileSync(path.join(src, 'third', 'other-patient.dcm'), ctInstance({ patientId: 'P2', studyUid: s.studyUid, seriesUid: s.seriesUid }));
      const third = await ingestInto(t, [path.join(src, 'third')], { collection: 'A' });
      assert.deepEqual(reasons(third), { 'other-patient.dcm': 'hierarchy_conflict' });
      assert.deepEqual(await snapshot(t), before);
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: --in-place references the files where they are and copies nothing`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const s = writeSeries(path.join(src, 'ct'), { count: 3 });
      const summary = await ingestInto(t, [path.join(src, 'ct')], { collection: 'Local', inPlace: true, public: true });
      assert.equal(summary.filesAdded, 3);
      assert.deepEqual(listTree(path.join(t.dataDir, 'files')), {}, 'nothing copied');
      const rows = await t.store.db.selectFrom('image').selectAll().orderBy('instance_number').execute();
      assert.deepEqual(rows.map((r) => r.blob_key), s.files.map((f) => path.resolve(f.path)));
      assert.deepEqual(rows.map((r) => r.in_place), [1, 1, 1]);
      for (const r of rows) assert.deepEqual(await t.blobs.stat(r.blob_key, true), { size: fs.statSync(r.blob_key).size });
      const c = await t.store.db.selectFrom('collection').select('is_public').executeTakeFirstOrThrow();
      assert.equal(c.is_public, 1);
      // Ingesting the same files again, copying this time, finds them already present.
      const again = await ingestInto(t, [path.join(src, 'ct')], { collection: 'Local' });
      assert.equal(again.filesAlreadyPresent, 3);
      assert.deepEqual(listTree(path.join(t.dataDir, 'files')), {});
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test(`${dialect}: a run that dies after a batch keeps that batch, and the next run completes it`, async () => {
    const t = await createTestStore(dialect);
    const src = tempDir('nbia-src-');
    try {
      const s = writeSeries(path.join(src, 'ct'), { count: 12 });
      const crash = new Error('simulated crash');
      await assert.rejects(
        ingestInto(t, [src], {
          collection: 'Crash',
          batchSize: 5,
          workers: 1,
          onProgress: (p) => {
            if (p.added >= 5) throw crash;
          },
        }),
        (err) => err === crash,
      );
      const series = await t.store.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
      const rows = await t.store.db.selectFrom('image').select(['sop_instance_uid', 'file_size']).execute();
      assert.equal(rows.length, 5, 'exactly the first batch is committed');
      assert.equal(series.image_count, 5);
      assert.equal(Number(series.total_size), rows.reduce((n, r) => n + Number(r.file_size), 0));

      // A blob written just before a crash, with no row yet, is written again and indexed.
      const orphan = s.files[11]!;
      const orphanKey = path.join(t.dataDir, 'files', s.seriesUid, `${orphan.sopUid}.dcm`);
      fs.mkdirSync(path.dirname(orphanKey), { recursive: true });
      fs.writeFileSync(orphanKey, fs.readFileSync(orphan.path).subarray(0, 100));

      const rest = await ingestInto(t, [src], { collection: 'Crash', batchSize: 5 });
      assert.equal(rest.filesAdded, 7);
      assert.equal(rest.filesAlreadyPresent, 5);
      const after = await t.store.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
      assert.equal(after.image_count, 12);
      assert.equal(Number(after.total_size), s.files.reduce((n, f) => n + f.size, 0));
      assert.deepEqual(fs.readFileSync(orphanKey), fs.readFileSync(orphan.path));
    } finally {
      await t.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
}

test('sqlite: the first file of a new row wins, and later files fill only what is still empty', async () => {
  const t = await createTestStore('sqlite');
  const src = tempDir('nbia-src-');
  try {
    const studyUid = newUid();
    const seriesUid = newUid();
    fs.mkdirSync(path.join(src, 'a'));
    fs.writeFileSync(path.join(src, 'a', '1.dcm'), ctInstance({ patientId: 'P', studyUid, seriesUid, seriesDescription: 'First', bodyPart: 'CHEST' }));
    fs.writeFileSync(path.join(src, 'a', '2.dcm'), ctInstance({ patientId: 'P', studyUid, seriesUid, seriesDescription: 'Second', bodyPart: 'LUNG' }));
    await ingestInto(t, [path.join(src, 'a')], { collection: 'X' });
    let row = await t.store.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.series_description, 'First');
    assert.equal(row.site, null);
    const released = row.date_released;
    // A later run with --site fills the empty site but keeps the rest and the release date.
    fs.mkdirSync(path.join(src, 'b'));
    fs.writeFileSync(path.join(src, 'b', '3.dcm'), ctInstance({ patientId: 'P', studyUid, seriesUid, seriesDescription: 'Third' }));
    await ingestInto(t, [path.join(src, 'b')], { collection: 'X', site: 'North' });
    row = await t.store.db.selectFrom('series').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.series_description, 'First');
    assert.equal(row.body_part_examined, 'CHEST');
    assert.equal(row.site, 'North');
    assert.equal(row.date_released, released);
    assert.equal(row.image_count, 3);
  } finally {
    await t.dispose();
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('a path that does not exist is a clear error, and nothing is created', async () => {
  const t = await createTestStore('sqlite');
  try {
    await assert.rejects(
      ingestInto(t, [path.join(t.dataDir, 'nope')], { collection: 'X' }),
      (err: Error) => /no such file or folder: .*nope/.test(err.message),
    );
    assert.equal(await count(t, 'collection'), 0);
    await assert.rejects(ingestInto(t, [t.dataDir], { collection: 'X', workers: 0 }), /workers must be a whole number/);
    await assert.rejects(ingestInto(t, [t.dataDir], { collection: '  ' }), /must not be empty/);
  } finally {
    await t.dispose();
  }
});

test('an aborted run commits the files already read and says it was interrupted', async () => {
  const t = await createTestStore('sqlite');
  const src = tempDir('nbia-src-');
  try {
    writeSeries(src, { count: 40 });
    const controller = new AbortController();
    const summary = await ingestInto(t, [src], {
      collection: 'Stop',
      batchSize: 4,
      workers: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.added >= 4) controller.abort();
      },
    });
    assert.equal(summary.interrupted, true);
    assert.ok(summary.filesSeen < 40, `stopped early (${summary.filesSeen} seen)`);
    assert.equal(summary.filesAdded, summary.filesSeen, 'every file read was committed');
    const series = await t.store.db.selectFrom('series').select('image_count').executeTakeFirstOrThrow();
    assert.equal(series.image_count, summary.filesAdded);
    assert.equal(await count(t, 'image'), summary.filesAdded);
    const rest = await ingestInto(t, [src], { collection: 'Stop' });
    assert.equal(rest.filesAdded, 40 - summary.filesAdded);
    assert.equal(await count(t, 'image'), 40);
  } finally {
    await t.dispose();
    fs.rmSync(src, { recursive: true, force: true });
  }
});
