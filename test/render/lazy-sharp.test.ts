// The renderer's image library (sharp, with libvips) loads on the first render, not with the
// server: a server that only answers the API and downloads never pays its memory. Checked on
// the compiled server from outside: libvips is not among the process's mappings after start
// and after a download, and is once an image has been rendered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/stores.js';
import { nbia } from '../cli/run.js';
import { ctInstance, newUid } from '../ingest/dicom-files.js';

const servers: ServeProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

const mapsLibvips = (pid: number) => /libvips/.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));

test('nbia serve loads libvips on its first render, not at start', { skip: process.platform !== 'linux' && 'reads /proc/<pid>/maps' }, async () => {
  const source = tempDir();
  const data = tempDir();
  const [studyUid, seriesUid, sopUid] = [newUid(), newUid(), newUid()];
  fs.writeFileSync(path.join(source, 'ct.dcm'), ctInstance({ patientId: 'LAZY-1', studyUid, seriesUid, sopUid, instanceNumber: 1, side: 16 }));
  const ingest = await nbia(['ingest', source, '--collection', 'LAZY', '--public', '--data', data]);
  assert.equal(ingest.code, 0, ingest.stderr);

  const server = await startServeProcess(['--data', data]);
  servers.push(server);
  assert.equal(mapsLibvips(server.pid), false, 'libvips mapped at start');

  const api = `${server.origin}/nbia-api/services/v1`;
  const zip = await fetch(`${api}/getImage?SeriesInstanceUID=${seriesUid}`);
  assert.equal(zip.status, 200);
  assert.ok((await zip.arrayBuffer()).byteLength > 0);
  assert.equal(mapsLibvips(server.pid), false, 'libvips mapped by a download');

  const png = await fetch(`${api}/wado?${new URLSearchParams({ requestType: 'WADO', studyUID: studyUid, seriesUID: seriesUid, objectUID: sopUid, contentType: 'image/png' })}`);
  assert.equal(png.status, 200, await png.clone().text());
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.deepEqual([...Buffer.from(await png.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.equal(mapsLibvips(server.pid), true, 'libvips mapped once an image was rendered');

  fs.rmSync(source, { recursive: true, force: true });
});
