// `nbia download` as users run it: a child process against a real `nbia serve` child.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { nbia, startCli } from '../cli/run.js';
import { tempDir } from '../helpers/stores.js';
import { CAROL_PASSWORD, freePort, metadataWithoutTimestamps, seedDownloadArchive, serveArchive, treeOf, type DownloadArchive, type ServerProcess } from './archive.js';

let archive: DownloadArchive;
let server: ServerProcess;
let port: number;

before(async () => {
  archive = await seedDownloadArchive({ series: 4, images: 6, imageBytes: 64 * 1024 });
  port = await freePort();
  server = await serveArchive(archive.t, port);
});

after(async () => {
  await server?.stop();
  await archive?.dispose();
});

function manifest(uids: string[]): string {
  const file = path.join(tempDir('nbia-manifest-'), 'test.tcia');
  fs.writeFileSync(
    file,
    [`downloadServerUrl=http://127.0.0.1:${port}/nbia-download/servlet/DownloadServlet`, 'includeAnnotation=true', 'noOfrRetry=4', 'databasketId=manifest-1.tcia', 'manifestVersion=3.0', 'ListOfSeriesToDownload=', ...uids, ''].join('\n'),
  );
  return file;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

test('usage errors exit 2 with a message', async () => {
  for (const args of [
    ['download', '--series', '1.2.3'],
    ['download', '--out', '/tmp/x', '--modality', 'CT', '--series', '1.2.3'],
    ['download', '--out', '/tmp/x'],
    ['download', '--out', '/tmp/x', '--series', '1.2', '--parallel', '0'],
    ['download', '--out', '/tmp/x', '--series', '1.2', '--layout', 'tree'],
    ['download', '--out', '/tmp/x', '--bogus'],
    ['download', '--out', '/tmp/x', '--series', '1.2'],
  ]) {
    const r = await nbia(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /\S/);
  }
});

test('a manifest: its server by default, descriptive folders, metadata.csv, restricted series reported; a re-run skips what is complete', async () => {
  const out = tempDir('nbia-dl-');
  const uids = [...archive.open.map((s) => s.uid), archive.closed.uid];
  const first = await nbia(['download', manifest(uids), '--out', out]);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /4 of 5 series complete/);
  assert.match(first.stdout, new RegExp(`not available: ${archive.closed.uid.replace(/\./g, '\\.')}`));
  assert.match(first.stderr, /^ok /m, 'plain lines when not a terminal');
  const tree = treeOf(out);
  for (const s of archive.open) {
    const files = [...tree.entries()].filter(([name]) => name.includes(`-${s.uid.replace(/\./g, '').slice(-5)}/`) && name.endsWith('.dcm')).sort(([a], [b]) => a.localeCompare(b));
    assert.equal(files.length, 6);
    assert.deepEqual(files.map(([, bytes]) => md5(bytes)), s.md5s);
    // Open-A/<patient>/<study>/<series>/1-1.dcm
    assert.match(files[0]![0], /^Open-A\/OA-\d\/NA-NA-NA-\d{5}\/NA-NA-\d{5}\/1-0*1\.dcm$/);
  }
  const csv = tree.get('metadata.csv')!.toString('utf8');
  assert.match(csv, /^"Series UID","Collection",/);
  assert.equal(csv.trim().split('\n').length, 5);
  assert.ok(!csv.includes(archive.closed.uid));

  const again = await nbia(['download', manifest(archive.open.map((s) => s.uid)), '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /4 of 4 series complete .*\(0 downloaded, 4 already there\)/);
});

test('series downloaded on the main thread (--threads 0) or on download threads (--threads 3): the same tree', async () => {
  const trees = [];
  for (const threads of ['0', '3']) {
    const out = tempDir('nbia-dl-');
    const r = await nbia(['download', manifest(archive.open.map((s) => s.uid)), '--out', out, '--threads', threads, '--layout', 'flat']);
    assert.equal(r.code, 0, r.stderr);
    const tree = treeOf(out);
    for (const s of archive.open) {
      const files = [...tree.entries()].filter(([name]) => name.startsWith(`${s.uid}/`) && name.endsWith('.dcm')).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
      assert.deepEqual(files.map(([, bytes]) => md5(bytes)).sort(), [...s.md5s].sort(), `--threads ${threads}`);
    }
    trees.push(new Map([...tree].filter(([name]) => name !== 'metadata.csv' && !name.startsWith('.nbia-download/'))));
  }
  assert.deepEqual(trees[0], trees[1]);
});

test('a user sees the restricted series of a cart (downloaded on threads, which send the user\'s token); flat layout', async () => {
  const out = tempDir('nbia-dl-');
  const guest = await nbia(['download', '--out', out, '--server', `http://127.0.0.1:${port}`, '--cart', 'mixed-cart', '--layout', 'flat']);
  assert.equal(guest.code, 0, guest.stderr);
  assert.match(guest.stdout, /1 of 1 series complete/);
  // Into a folder of its own, so that both series run at once, each on a thread of its own.
  const carolOut = tempDir('nbia-dl-');
  const { child, done } = startCli(['download', '--out', carolOut, '--server', `http://127.0.0.1:${port}`, '--cart', 'mixed-cart', '--layout', 'flat', '--threads', '2', '--user', 'carol', '--password-stdin'], { stdin: `${CAROL_PASSWORD}\n` });
  void child;
  const carol = await done;
  assert.equal(carol.code, 0, carol.stderr);
  assert.match(carol.stdout, /2 of 2 series complete .*\(2 downloaded, 0 already there\)/);
  assert.equal(fs.readdirSync(path.join(carolOut, archive.closed.uid)).filter((f) => f.endsWith('.dcm')).length, 6);
  const wrong = startCli(['download', '--out', out, '--server', `http://127.0.0.1:${port}`, '--cart', 'mixed-cart', '--user', 'carol', '--password-stdin'], { stdin: 'nope\n' });
  const refused = await wrong.done;
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Invalid user credentials/);
});

test('a query by collection and patient', async () => {
  const out = tempDir('nbia-dl-');
  const r = await nbia(['download', '--out', out, '--server', `http://127.0.0.1:${port}`, '--collection', 'open-a', '--patient', 'oa-2', '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 of 1 series complete/);
  assert.deepEqual(fs.readdirSync(path.join(out, 'Open-A')), ['OA-2']);
});

test('resume: the command and the server killed mid-stream, more than once, end with the files of an uninterrupted run', async () => {
  const uids = archive.open.map((s) => s.uid);
  const file = manifest(uids);
  const reference = tempDir('nbia-dl-ref-');
  const ref = await nbia(['download', file, '--out', reference, '--parallel', '1']);
  assert.equal(ref.code, 0, ref.stderr);

  const out = tempDir('nbia-dl-resume-');
  const partialExists = () => {
    const state = path.join(out, '.nbia-download');
    return fs.existsSync(state) && fs.readdirSync(state).some((f) => f.endsWith('.partial') && fs.readdirSync(path.join(state, f)).length > 0);
  };
  let midStream = 0;
  // Kill the command twice while a series is half extracted.
  for (let round = 0; round < 2; round++) {
    const run = startCli(['download', file, '--out', out, '--parallel', '1', '--backoff', '100']);
    while (!partialExists() && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    if (partialExists()) midStream++;
    run.child.kill('SIGKILL');
    await run.done;
  }
  // Kill the server mid-stream and start it again on the same port: the command resumes.
  const run = startCli(['download', file, '--out', out, '--parallel', '1', '--backoff', '1500', '--retries', '5']);
  const before = new Set(fs.existsSync(path.join(out, '.nbia-download')) ? fs.readdirSync(path.join(out, '.nbia-download')).filter((f) => f.endsWith('.done.json')) : []);
  while (run.child.exitCode === null) {
    const state = path.join(out, '.nbia-download');
    const partial = fs.existsSync(state) && fs.readdirSync(state).some((f) => f.endsWith('.partial') && !before.has(f) && fs.readdirSync(path.join(state, f)).length > 0);
    if (partial) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await server.stop();
  server = await serveArchive(archive.t, port);
  const resumed = await run.done;
  // Either the retries bridged the restart (0) or the series is listed as failed (1); a re-run finishes it.
  assert.ok(resumed.code === 0 || resumed.code === 1, resumed.stderr);
  const last = await nbia(['download', file, '--out', out, '--parallel', '1']);
  assert.equal(last.code, 0, last.stderr);
  assert.ok(midStream >= 1, 'at least one kill landed mid-series');

  const want = treeOf(reference);
  const got = treeOf(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [name, bytes] of want) {
    if (name === 'metadata.csv') assert.equal(metadataWithoutTimestamps(got.get(name)), metadataWithoutTimestamps(bytes));
    else assert.ok(bytes.equals(got.get(name)!), name);
  }
  assert.deepEqual(fs.readdirSync(path.join(out, '.nbia-download')).filter((f) => !f.endsWith('.done.json')), [], 'no partial state left');
});

test('a series whose stored file changed fails after its retries and is listed; the others arrive (exit 1)', async () => {
  const [good, bad] = [archive.open[2]!, archive.open[3]!];
  const blob = archive.t.blobs.pathOf(`${bad.uid}/${bad.uid}.3.dcm`, false);
  const bytes = fs.readFileSync(blob);
  bytes[bytes.length - 1]! ^= 0xff; // same size, other content: the server breaks the connection at it
  fs.writeFileSync(blob, bytes);
  const out = tempDir('nbia-dl-');
  const r = await nbia(['download', '--out', out, '--server', `http://127.0.0.1:${port}`, '--series', good.uid, bad.uid, '--retries', '1', '--backoff', '50', '--layout', 'flat']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /1 of 2 series complete/);
  assert.match(r.stdout, new RegExp(`failed: ${bad.uid.replace(/\./g, '\\.')}`));
  assert.match(r.stderr, /retry 1\/1/);
  assert.equal(fs.readdirSync(path.join(out, good.uid)).filter((f) => f.endsWith('.dcm')).length, 6);
  assert.equal(fs.existsSync(path.join(out, bad.uid)), false, 'nothing half-made in place');
});
