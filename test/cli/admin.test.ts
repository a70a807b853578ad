// `nbia collections list|set` and `nbia carts create` as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { tempDir } from '../helpers/stores.js';
import { writeSeries } from '../ingest/dicom-files.js';
import { nbia } from './run.js';

test('collections and carts --help describe their options', async () => {
  const [set, create] = await Promise.all([nbia(['collections', 'set', '--help']), nbia(['carts', 'create', '--help'])]);
  for (const r of [set, create]) assert.equal(r.code, 0);
  for (const word of ['--public', '--restricted', '--license-name', '--license-uri', '--license-text', '--description', '--description-uri', '--data', '--database']) {
    assert.ok(set.stdout.includes(word), `collections set --help mentions ${word}`);
  }
  for (const word of ['--series', '--description', '--url', '--owner']) assert.ok(create.stdout.includes(word), `carts create --help mentions ${word}`);
});

test('nbia collections set and list', async () => {
  const data = tempDir('nbia-cli-');
  const src = tempDir('nbia-src-');
  try {
    const a = writeSeries(path.join(src, 'a'), { count: 2, patientId: 'P1' });
    const b = writeSeries(path.join(src, 'b'), { count: 1, patientId: 'P2' });
    const ingested = await nbia(['ingest', '--workers', '1', src, '--collection', 'Trial-X', '--data', data]);
    assert.equal(ingested.code, 0, ingested.stderr);

    const set = await nbia([
      'collections', 'set', 'trial-x', '--public', '--license-name', 'CC BY 4.0',
      '--license-uri', 'https://creativecommons.org/licenses/by/4.0/', '--description', 'A trial', '--data', data,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, 'collection "Trial-X": public, licence CC BY 4.0 <https://creativecommons.org/licenses/by/4.0/>\n');
    const created = await nbia(['collections', 'set', 'Later', '--data', data]);
    assert.equal(created.stdout, 'collection "Later": restricted\n');

    const bytes = [...a.files, ...b.files].reduce((n, f) => n + fs.statSync(f.path).size, 0);
    const list = await nbia(['collections', 'list', '--data', data]);
    assert.equal(list.code, 0);
    const lines = list.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(lines[0], ['COLLECTION', 'ACCESS', 'PATIENTS', 'SERIES', 'IMAGES', 'BYTES', 'SIZE', 'LICENCE']);
    assert.deepEqual(lines[1]!.slice(0, 6), ['Later', 'restricted', '0', '0', '0', '0']);
    assert.deepEqual([lines[2]![0], lines[2]![1], lines[2]![2], lines[2]![3], lines[2]![4], lines[2]![5], lines[2]![7]], ['Trial-X', 'public', '2', '2', '3', String(bytes), 'CC BY 4.0']);
    const json = await nbia(['collections', 'list', '--json', '--data', data]);
    const parsed = JSON.parse(json.stdout) as { name: string; images: number; bytes: number; isPublic: boolean }[];
    assert.deepEqual(parsed.map((c) => [c.name, c.isPublic, c.images, c.bytes]), [['Later', false, 0, 0], ['Trial-X', true, 3, bytes]]);

    const restricted = await nbia(['collections', 'set', 'Trial-X', '--restricted', '--data', data]);
    assert.match(restricted.stdout, /"Trial-X": restricted, licence CC BY 4.0/);

    const errors = await Promise.all([
      nbia(['collections', 'set', 'Trial-X', '--public', '--restricted', '--data', data]),
      nbia(['collections', 'set', 'Trial-X', '--license-uri', 'not a url', '--data', data]),
      nbia(['collections', 'frob', '--data', data]),
    ]);
    assert.deepEqual(errors.map((e) => e.code), [2, 2, 2]);
    assert.match(errors[0]!.stderr, /cannot be used with option '--restricted'/);
    assert.match(errors[1]!.stderr, /--license-uri must be an absolute URL/);
    assert.match(errors[2]!.stderr, /unknown command 'frob'/);

    const db = new SQLite(path.join(data, 'nbia.sqlite'), { readonly: true });
    const row = db.prepare("select is_public, license_name, description, description_updated_at from collection where name = 'Trial-X'").get() as Record<string, unknown>;
    db.close();
    assert.equal(row.is_public, 0);
    assert.equal(row.license_name, 'CC BY 4.0');
    assert.equal(row.description, 'A trial');
    assert.ok(row.description_updated_at);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
  }
});

test('nbia carts create: a shared cart of known series; duplicates and unknown series refused with exit 2', async () => {
  const data = tempDir('nbia-cli-');
  const src = tempDir('nbia-src-');
  try {
    const a = writeSeries(path.join(src, 'a'), { count: 1 });
    const b = writeSeries(path.join(src, 'b'), { count: 1 });
    assert.equal((await nbia(['ingest', '--workers', '1', src, '--collection', 'C', '--data', data])).code, 0);
    const listFile = path.join(src, 'series.txt');
    fs.writeFileSync(listFile, `# my series\n${b.seriesUid}\n`);

    const ok = await nbia(['carts', 'create', 'Lung-Cart', '--series', a.seriesUid, '--series-file', listFile, '--description', 'two series', '--url', 'https://example.org/x', '--data', data]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'cart "Lung-Cart" created with 2 series (owner admin)\n');

    const [dup, unknown, none] = await Promise.all([
      nbia(['carts', 'create', 'lung-cart', '--series', a.seriesUid, '--data', data]),
      nbia(['carts', 'create', 'Other', '--series', a.seriesUid, '9.9.9', '--data', data]),
      nbia(['carts', 'create', 'Empty', '--data', data]),
    ]);
    assert.deepEqual([dup.code, unknown.code, none.code], [2, 2, 2]);
    assert.match(dup.stderr, /Duplicate list name: a cart named "Lung-Cart" already exists/);
    assert.match(unknown.stderr, /unknown SeriesInstanceUID: 9\.9\.9/);
    assert.match(none.stderr, /at least one series/);

    const db = new SQLite(path.join(data, 'nbia.sqlite'), { readonly: true });
    const carts = db.prepare('select name, name_key, owner_name, description, url from cart').all();
    const members = db.prepare('select position, series_instance_uid from cart_series order by position').all();
    db.close();
    assert.deepEqual(carts, [{ name: 'Lung-Cart', name_key: 'lung-cart', owner_name: 'admin', description: 'two series', url: 'https://example.org/x' }]);
    assert.deepEqual(members, [
      { position: 1, series_instance_uid: a.seriesUid },
      { position: 2, series_instance_uid: b.seriesUid },
    ]);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
    fs.rmSync(src, { recursive: true, force: true });
  }
});
