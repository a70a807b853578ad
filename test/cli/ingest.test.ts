// `nbia ingest` as a user runs it: help, usage errors (exit 2), a clean run (0), skipped
// files (1), refusals, the environment variables, PostgreSQL, and interrupts and kills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createTestStore, tempDir } from '../helpers/stores.js';
import { ctInstance, writeSeries } from '../ingest/dicom-files.js';
import { nbia, startCli } from './run.js';

test('nbia ingest --help explains every option and the exit codes', async () => {
  const r = await nbia(['ingest', '--help']);
  assert.equal(r.code, 0);
  for (const word of ['--collection', '--public', '--site', '--in-place', '--workers', '--data', '--database', 'NBIA_DATA', 'NBIA_DATABASE', 'Exit status', '130']) {
    assert.ok(r.stdout.includes(word), `help mentions ${word}`);
  }
});

test('nbia ingest usage errors exit 2 with a message', async () => {
  const data = tempDir('nbia-cli-');
  try {
    const cases: [string[], RegExp][] = [
      [['ingest', data], /--collection/],
      [['ingest', data, '--collection', 'X', '--workers', '0'], /--workers must be a whole number from 1/],
      [['ingest', data, '--collection', ' '], /--collection must not be empty/],
      [['ingest', path.join(data, 'missing-folder'), '--collection', 'X', '--data', data], /no such file or folder: .*missing-folder/],
      [['ingest', data, '--collection', 'X', '--frobnicate'], /unknown option/],
    ];
    const results = await Promise.all(cases.map(([args]) => nbia(args)));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')} → exit 2 (stderr: ${r.stderr})`);
      assert.match(r.stderr, cases[i]![1]);
    });
    assert.deepEqual(fs.readdirSync(data), [], 'a usage error creates nothing');
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('nbia ingest: 0 when everything went in, 1 with the reasons when files were skipped or refused', async () => {
  const data = tempDir('nbia-cli-');
  const src = tempDir('nbia-src-');
  try {
    const s = writeSeries(path.join(src, 'ct'), { count: 3 });
    const ok = await nbia(['ingest', src, '--collection', 'CLI-Test', '--public', '--site', 'Main', '--workers', '2', '--data', data]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /collection "CLI-Test": 3 files seen, 3 added/);
    const report = /report: (.+)/.exec(ok.stdout)?.[1];
    assert.ok(report && report.startsWith(path.join(data, 'reports')) && fs.existsSync(report), `report printed: ${ok.stdout}`);
    assert.equal(fs.readdirSync(path.join(data, 'files', s.seriesUid)).length, 3);

    fs.writeFileSync(path.join(src, 'notes.txt'), 'hello\n');
    fs.writeFileSync(path.join(src, 'ct', 'changed.dcm'), ctInstance({ studyUid: s.studyUid, seriesUid: s.seriesUid, sopUid: s.files[0]!.sopUid }));
    const skipped = await nbia(['ingest', '--workers', '1', src, '--collection', 'CLI-Test', '--data', data]);
    assert.equal(skipped.code, 1, skipped.stderr);
    assert.match(skipped.stdout, /0 added .*3 already present, 2 skipped/);
    assert.match(skipped.stdout, /notes\.txt: not_dicom/);
    assert.match(skipped.stdout, /changed\.dcm: sop_conflict: SOPInstanceUID .* different content/);
    const json = JSON.parse(fs.readFileSync(/report: (.+)/.exec(skipped.stdout)![1]!, 'utf8')) as { skipped: { reason: string }[] };
    assert.deepEqual(json.skipped.map((x) => x.reason).sort(), ['not_dicom', 'sop_conflict']);

    // Another collection may not take this series.
    fs.rmSync(path.join(src, 'notes.txt'));
    fs.rmSync(path.join(src, 'ct', 'changed.dcm'));
    const other = await nbia(['ingest', '--workers', '1', src, '--collection', 'Elsewhere', '--data', data]);
    assert.equal(other.code, 1);
    assert.match(other.stdout, /other_collection: SOPInstanceUID .* already stored in collection "CLI-Test"/);

    const db = new SQLite(path.join(data, 'nbia.sqlite'), { readonly: true });
    const rows = db.prepare('select name, is_public from collection').all();
    const series = db.prepare('select site, image_count from series').all();
    db.close();
    assert.deepEqual(rows, [{ name: 'CLI-Test', is_public: 1 }]);
    assert.deepEqual(series, [{ site: 'Main', image_count: 3 }]);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('nbia ingest reads NBIA_DATA, and NBIA_DATABASE / --database for PostgreSQL', async () => {
  const data = tempDir('nbia-cli-');
  const src = tempDir('nbia-src-');
  const pg = await createTestStore('postgres');
  try {
    writeSeries(src, { count: 2 });
    const viaEnv = await nbia(['ingest', '--workers', '1', src, '--collection', 'Env', '--in-place'], { env: { NBIA_DATA: data } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.ok(fs.existsSync(path.join(data, 'nbia.sqlite')));

    const viaPg = await nbia(['ingest', '--workers', '1', src, '--collection', 'Pg', '--data', data], { env: { NBIA_DATABASE: pg.databaseUrl } });
    assert.equal(viaPg.code, 0, viaPg.stderr);
    const images = await pg.store.db.selectFrom('image').select(['in_place', 'file_size']).execute();
    assert.equal(images.length, 2);
    assert.deepEqual(images.map((i) => i.in_place), [0, 0]);
    const again = await nbia(['ingest', '--workers', '1', src, '--collection', 'Pg', '--data', data, '--database', pg.databaseUrl]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 added .*2 already present/);
  } finally {
    await pg.dispose();
    fs.rmSync(data, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
  }
});

/** Waits until the run has committed some images, then returns how many. */
async function waitForImages(dbFile: string, min: number, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (fs.existsSync(dbFile)) {
      try {
        const db = new SQLite(dbFile, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare('select count(*) as n from image').get() as { n: number };
          if (row.n >= min) return row.n;
        } finally {
          db.close();
        }
      } catch {
        // The schema is not there yet.
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the run committed nothing in time');
}

function consistency(dbFile: string): { images: number; counted: number; sized: boolean } {
  const db = new SQLite(dbFile, { readonly: true });
  try {
    const images = (db.prepare('select count(*) as n from image').get() as { n: number }).n;
    const counted = (db.prepare('select coalesce(sum(image_count), 0) as n from series').get() as { n: number }).n;
    const mismatched = (
      db
        .prepare('select count(*) as n from series s where total_size <> (select coalesce(sum(file_size), 0) from image i where i.series_pk = s.id)')
        .get() as { n: number }
    ).n;
    return { images, counted, sized: mismatched === 0 };
  } finally {
    db.close();
  }
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`nbia ingest stopped by ${signal} keeps a consistent index, and the next run completes it`, async () => {
    const data = tempDir('nbia-cli-');
    const src = tempDir('nbia-src-');
    try {
      const total = 1000;
      for (let i = 0; i < 5; i++) writeSeries(path.join(src, `s${i}`), { count: total / 5, side: 4 });
      const dbFile = path.join(data, 'nbia.sqlite');
      const run = startCli(['ingest', src, '--collection', 'Stopped', '--data', data, '--batch-size', '10', '--workers', '1']);
      await waitForImages(dbFile, 10);
      run.child.kill(signal);
      const r = await run.done;
      if (signal === 'SIGINT') {
        assert.equal(r.code, 130, r.stderr);
        assert.match(r.stderr, /interrupted/);
        assert.match(r.stdout, /^interrupted: collection "Stopped"/m);
      } else assert.equal(r.signal, 'SIGKILL');
      const stopped = consistency(dbFile);
      assert.ok(stopped.images > 0 && stopped.images < total, `stopped midway (${stopped.images} of ${total})`);
      assert.equal(stopped.counted, stopped.images, 'series counts match the image rows');
      assert.ok(stopped.sized, 'series sizes match the image rows');

      const rest = await nbia(['ingest', '--workers', '1', src, '--collection', 'Stopped', '--data', data]);
      assert.equal(rest.code, 0, rest.stderr);
      assert.match(rest.stdout, new RegExp(`${total - stopped.images} added .*${stopped.images} already present, 0 skipped`));
      const done = consistency(dbFile);
      assert.deepEqual(done, { images: total, counted: total, sized: true });
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
}
