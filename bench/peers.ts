// Against the peers, in one run on the same files (issue 7): Orthanc (Debian `orthanc`), nginx
// and plain tools, each figure beside ours, with the ratio. What a user meets, measured from
// outside: whole `nbia ingest` commands with their start-up, a compiled `nbia serve` in its
// own process, wrk (a separate process) for lookups one at a time and under 64
// connections, curl for downloads.
//
// The files: 1,120 CT instances of 514 KiB (series of 500, 500 and 120, one patient each),
// written with the project's DICOM writer into a scratch folder on the disk.
//
// Rows:
//   1. ingest wall time, copy mode: `nbia ingest` vs Orthanc (POST /instances, 4 uploads in
//      flight) vs `cp -r` of the same folder;
//   2. getSeries?PatientID= (v2, bearer token) one client, keep-alive: median and p99, vs
//      Orthanc's /tools/find at series level for the same patient;
//   3. the same under 64 connections: req/s and p99;
//   4. one 500-file series as getImage vs Orthanc's /series/{id}/archive vs nginx serving
//      the same ZIP prebuilt, each server warmed by 2 s of the same downloads first (our
//      first download after start is reported on its own);
//   5. 16 of those downloads at once, three rounds: total MB/s and our server's peak RSS;
//   and, so no figure gets worse unseen: getSOPInstanceUIDs vs Orthanc /series/{id}/instances,
//   getCollectionValues vs Orthanc /patients; and our HTTP floor, /services/up, one client.
// NBIA_BENCH_PEERS_FILES changes the file count (default 1120).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { ctInstance, newUid } from '../test/ingest/dicom-files.js';
import { cpuTicks, download, freePort, procStatusKiB, reachable, startNginx, stop, TICKS_PER_SECOND } from './lib/processes.js';

type Figures = Record<string, number | string>;

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NBIA_BIN = path.join(PROJECT_ROOT, 'bin', 'nbia.js');
const ORTHANC_BIN = '/usr/sbin/Orthanc';
const SIDE = 512;
const ROUNDS = 9;
const PARALLEL = 16;
const PARALLEL_ROUNDS = 3;
/** Orthanc's archive is some 30 times slower: it takes part in this many of the single rounds, and one parallel round. */
const ORTHANC_ROUNDS = 3;

interface SeriesFiles {
  patientId: string;
  seriesUid: string;
  files: string[];
}

export async function benchPeers(): Promise<Figures> {
  const total = Number(process.env.NBIA_BENCH_PEERS_FILES ?? 1120);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-bench-peers-'));
  const children: ChildProcess[] = [];
  const out: Figures = {};
  try {
    console.log('  building (tsc and the bundle, as npm run build) and writing the files...');
    for (const args of [[path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], [path.join(PROJECT_ROOT, 'scripts', 'bundle.mjs')]]) {
      if (spawnSync(process.execPath, args, { stdio: 'inherit' }).status !== 0) throw new Error(`build step failed: ${args.join(' ')}`);
    }
    const source = path.join(root, 'source');
    const series = writeFiles(source, total);
    const bytes = series.flatMap((s) => s.files).reduce((n, f) => n + fs.statSync(f).size, 0);
    out['files / MB'] = `${total} / ${(bytes / 1e6).toFixed(0)}`;

    // ---- 1. ingest
    console.log('  ingest: cp -r, nbia ingest, Orthanc...');
    const cpSeconds: number[] = [];
    const nbiaSeconds: number[] = [];
    let dataDir = '';
    for (let round = 0; round < 3; round++) {
      const copy = path.join(root, `copy-${round}`);
      // Each timed command starts with no dirty pages left by the one before (sync): else the
      // kernel's writeback of one command's output is charged to whichever runs next.
      run('sync', []);
      cpSeconds.push(timed(() => run('cp', ['-r', source, copy])));
      fs.rmSync(copy, { recursive: true, force: true });
      dataDir = path.join(root, `data-${round}`);
      run('sync', []);
      nbiaSeconds.push(timed(() => run(process.execPath, [NBIA_BIN, 'ingest', source, '--collection', 'BENCH', '--public', '--data', dataDir])));
      if (round < 2) fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const orthanc = await startOrthanc(root);
    if (orthanc) children.push(orthanc.child);
    run('sync', []);
    const orthancIngestSeconds = orthanc ? await uploadToOrthanc(orthanc.port, series.flatMap((s) => s.files)) : NaN;
    const filesPerSecond = (s: number) => total / s;
    out['ingest files/s: nbia ingest (median of 3 whole commands)'] = round(filesPerSecond(median(nbiaSeconds)));
    out['ingest files/s: Orthanc (POST /instances, 4 in flight)'] = orthanc ? round(filesPerSecond(orthancIngestSeconds)) : 'Orthanc not found';
    out['ingest files/s: cp -r (median of 3)'] = round(filesPerSecond(median(cpSeconds)));
    out['ingest: nbia / Orthanc (goal >= 3)'] = orthanc ? round(orthancIngestSeconds / median(nbiaSeconds), 2) : 'n/a';
    out['ingest: nbia / cp -r (goal >= 0.8)'] = round(median(cpSeconds) / median(nbiaSeconds), 2);
    // The floor under every whole command: Node's own start, which the environment can
    // raise (NODE_EXTRA_CA_CERTS makes it parse a CA bundle first: about 50 ms on the bench
    // machine).
    const nodeStart = median(Array.from({ length: 5 }, () => timed(() => run(process.execPath, ['-e', '0']))));
    out['node -e 0, ms (the floor of a whole command)'] = `${round(nodeStart * 1000)}${process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS is set)' : ''}`;

    // ---- the servers
    const server = await startNbia(dataDir);
    children.push(server.child);
    const base = `http://127.0.0.1:${server.port}/nbia-api/services`;
    const token = await guestToken(server.port);
    const auth = `Authorization: Bearer ${token}`;
    const [big] = series;
    const orthancSeriesId = orthanc ? await orthancLookup(orthanc.port, big!.seriesUid) : undefined;
    const orthancBase = orthanc ? `http://127.0.0.1:${orthanc.port}` : '';
    const findBody = JSON.stringify({ Level: 'Series', Query: { PatientID: big!.patientId }, Expand: true });

    // ---- 2. and 3. lookups
    console.log('  lookups: wrk, 1 and 64 connections...');
    const lookups: Array<[string, string, WrkRequest, WrkRequest | undefined]> = [
      ['getSeries?PatientID= (v2, token)', 'Orthanc /tools/find series of a patient',
        { url: `${base}/v2/getSeries?PatientID=${big!.patientId}`, headers: [auth] },
        orthanc ? { url: `${orthancBase}/tools/find`, method: 'POST', body: findBody } : undefined],
      ['getSOPInstanceUIDs (v1)', 'Orthanc /series/{id}/instances',
        { url: `${base}/v1/getSOPInstanceUIDs?SeriesInstanceUID=${big!.seriesUid}` },
        orthancSeriesId ? { url: `${orthancBase}/series/${orthancSeriesId}/instances` } : undefined],
      ['getCollectionValues (v1)', 'Orthanc /patients',
        { url: `${base}/v1/getCollectionValues` },
        orthanc ? { url: `${orthancBase}/patients` } : undefined],
    ];
    // The floor under every lookup: our HTTP stack answering `up` (no query, no body to
    // speak of), timed the same way.
    const up: WrkRequest = { url: `${base}/up` };
    wrk(up, 1, 2, root);
    const floor = wrk(up, 1, 5, root);
    out['nbia /services/up (HTTP alone), 1 client: median / p99 ms'] = `${floor.p50} / ${floor.p99}`;
    for (const [name, peerName, ours, peer] of lookups) {
      // Each server first answers the same request for 2 s, unmeasured: a server that has
      // been running, not one whose request path V8 has not compiled yet (wrk's p99 counts
      // every request a slow one held back, so the first second's would dominate it).
      wrk(ours, 1, 2, root);
      const one = wrk(ours, 1, 5, root);
      out[`${name}, 1 client: median / p99 ms`] = `${one.p50} / ${one.p99}`;
      if (peer) {
        wrk(peer, 1, 2, root);
        const p = wrk(peer, 1, 5, root);
        out[`${peerName}, 1 client: median / p99 ms`] = `${p.p50} / ${p.p99}`;
        out[`${name} / Orthanc, 1 client median (goal <= 1)`] = round(one.p50 / p.p50, 2);
      }
      if (name.startsWith('getSeries')) {
        const many = wrk(ours, 64, 10, root);
        out[`${name}, 64 connections: req/s, p99 ms`] = `${round(many.rps)}, ${many.p99}`;
        // The same index served by one process per core (nbia serve --workers 2).
        const pool = await startNbia(dataDir, 2);
        children.push(pool.child);
        const pooled = wrk({ ...ours, url: ours.url.replace(`:${server.port}/`, `:${pool.port}/`) }, 64, 10, root);
        out[`${name}, --workers 2, 64 connections: req/s, p99 ms`] = `${round(pooled.rps)}, ${pooled.p99}`;
        if (peer) {
          const p = wrk(peer, 64, 10, root);
          out[`${peerName}, 64 connections: req/s, p99 ms`] = `${round(p.rps)}, ${p.p99}`;
          out[`${name} / Orthanc, 64 connections req/s (goal >= 1.5)`] = round(many.rps / p.rps, 2);
          out[`${name} / Orthanc, 64 connections p99 (goal <= 1)`] = round(many.p99 / p.p99, 2);
          out[`${name}, --workers 2 / Orthanc, 64 connections: req/s (goal >= 1.5), p99 (goal <= 1)`] = `${round(pooled.rps / p.rps, 2)}, ${round(pooled.p99 / p.p99, 2)}`;
        }
        pool.child.kill('SIGTERM');
      }
    }

    // ---- 4. and 5. downloads
    console.log('  downloads: one series, then 16 at once...');
    const zipUrl = `${base}/v4/getImage?SeriesInstanceUID=${big!.seriesUid}`;
    const zipFile = path.join(root, 'www', 'series.zip');
    fs.mkdirSync(path.dirname(zipFile), { recursive: true });
    // The server's first download since it started: V8 has not compiled the download path
    // yet (measured here: the first is about half as fast as the tenth).
    // Timed to /dev/null like the rounds; the copy nginx serves is fetched after it.
    out['one series, nbia getImage, first download after start: MB/s'] = round((await download(zipUrl)).mbPerSecond);
    run('curl', ['-sf', '-o', zipFile, zipUrl]);
    const nginx = await startNginx(path.join(root, 'www'));
    if (nginx) children.push(nginx.child);
    const targets: Array<[string, string | undefined, number | undefined]> = [
      ['nbia getImage', zipUrl, server.child.pid],
      ['Orthanc archive', orthancSeriesId ? `${orthancBase}/series/${orthancSeriesId}/archive` : undefined, orthanc?.child.pid],
      ['nginx prebuilt ZIP', nginx ? `http://127.0.0.1:${nginx.port}/series.zip` : undefined, nginx?.child.pid],
    ];
    // As for the lookups: each server first serves the download for 2 s, unmeasured, so the
    // rounds measure running servers (nginx and Orthanc get the same).
    for (const [, url] of targets) {
      if (!url) continue;
      for (const until = Date.now() + 2000; Date.now() < until; ) await download(url);
    }
    out['nbia server RSS MB before the timed downloads'] = round(procStatusKiB(server.child.pid!, 'VmRSS') / 1024);
    const rates = new Map<string, number[]>();
    // CPU seconds of each server (all its threads) and of curl over the rounds: on a machine
    // of few cores their sum per download bounds the rate, whatever each does with it.
    const serverCpu = new Map<string, number>();
    const clientCpu = new Map<string, number>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, url, pid] of targets) {
        if (!url || (name === 'Orthanc archive' && r >= ORTHANC_ROUNDS)) continue;
        const ticks = pid ? cpuTicks(pid) : NaN;
        const d = await download(url);
        serverCpu.set(name, (serverCpu.get(name) ?? 0) + (pid ? cpuTicks(pid) - ticks : NaN) / TICKS_PER_SECOND);
        clientCpu.set(name, (clientCpu.get(name) ?? 0) + d.clientCpuSeconds);
        rates.set(name, [...(rates.get(name) ?? []), d.mbPerSecond]);
      }
    }
    for (const [name, url] of targets) {
      out[`one ${big!.files.length}-file series, ${name}: median / best MB/s of ${rates.get(name)?.length ?? 0}`] = url ? `${round(median(rates.get(name)!))} / ${round(Math.max(...rates.get(name)!))}` : 'not available';
      const rounds = rates.get(name)?.length ?? 0;
      if (url) out[`one series, ${name}: CPU ms per download, server / curl`] = `${Math.round((serverCpu.get(name)! / rounds) * 1000)} / ${Math.round((clientCpu.get(name)! / rounds) * 1000)}`;
    }
    const nginxMedian = rates.has('nginx prebuilt ZIP') ? median(rates.get('nginx prebuilt ZIP')!) : NaN;
    out['one series: nbia / nginx, medians (goal >= 0.8)'] = round(median(rates.get('nbia getImage')!) / nginxMedian, 2);
    if (rates.has('Orthanc archive')) out['one series: nbia / Orthanc, medians'] = round(median(rates.get('nbia getImage')!) / median(rates.get('Orthanc archive')!), 1);

    // 16 at once, PARALLEL_ROUNDS times, the servers taking turns as above; the peak RSS is
    // the highest of any round.
    let peak = 0;
    for (let r = 0; r < PARALLEL_ROUNDS; r++) {
      for (const [name, url] of targets) {
        if (!url || (name === 'Orthanc archive' && r > 0)) continue;
        const pid = name.startsWith('nbia') ? server.child.pid! : undefined;
        const sampler = pid ? setInterval(() => (peak = Math.max(peak, procStatusKiB(pid, 'VmRSS'))), 20) : undefined;
        const started = process.hrtime.bigint();
        const results = await Promise.all(Array.from({ length: PARALLEL }, () => download(url)));
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (sampler) clearInterval(sampler);
        const mbps = results.reduce((n, d) => n + d.bytes, 0) / 1e6 / seconds;
        rates.set(`${name} x${PARALLEL}`, [...(rates.get(`${name} x${PARALLEL}`) ?? []), mbps]);
      }
    }
    for (const [name, url] of targets) {
      if (!url) continue;
      const all = rates.get(`${name} x${PARALLEL}`)!;
      out[`${PARALLEL} parallel, ${name}: total MB/s, median / best of ${all.length}`] = `${round(median(all))} / ${round(Math.max(...all))}`;
    }
    out[`${PARALLEL} parallel, nbia server peak RSS MB (goal < 200)`] = round(peak / 1024);
    const par = (name: string) => median(rates.get(`${name} x${PARALLEL}`) ?? [NaN]);
    out[`${PARALLEL} parallel: nbia / nginx, medians (goal >= 0.8)`] = round(par('nbia getImage') / par('nginx prebuilt ZIP'), 2);
    out['load average at the end'] = os.loadavg()[0]!.toFixed(2);
    out.cpus = os.cpus().length;
    return out;
  } finally {
    for (const child of children) await stop(child);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------

export function writeFiles(source: string, total: number): SeriesFiles[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= 500) sizes.push(Math.min(500, left));
  const pool = randomFillSync(Buffer.alloc(4 * SIDE * SIDE));
  let n = 0;
  return sizes.map((count, s) => {
    const patientId = `BENCH-P${s + 1}`;
    const seriesUid = newUid();
    const studyUid = newUid();
    const dir = path.join(source, patientId, `series-${s + 1}`);
    fs.mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (let i = 1; i <= count; i++, n++) {
      const start = (n * 4099) % (2 * SIDE * SIDE);
      const file = path.join(dir, `${String(i).padStart(4, '0')}.dcm`);
      fs.writeFileSync(file, ctInstance({ patientId, studyUid, seriesUid, instanceNumber: i, side: SIDE, pixels: pool.subarray(start) }));
      files.push(file);
    }
    return { patientId, seriesUid, files };
  });
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString().slice(0, 500)}`);
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await reachable(port)) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

async function startNbia(dataDir: string, workers = 1): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const args = [NBIA_BIN, 'serve', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', '--no-demo', '--workers', String(workers)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, child, 'nbia serve');
  return { child, port };
}

async function guestToken(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/nbia-api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=nbia_guest&password=&grant_type=password&client_id=NBIA',
  });
  const body = (await r.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

// ---------------------------------------------------------------------------------------
// Orthanc, on a throwaway configuration and storage, loopback only, no plugins

async function startOrthanc(root: string): Promise<{ child: ChildProcess; port: number } | undefined> {
  if (!fs.existsSync(ORTHANC_BIN)) return undefined;
  const dir = path.join(root, 'orthanc');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const dicomPort = await freePort();
  const config = path.join(dir, 'orthanc.json');
  fs.writeFileSync(config, JSON.stringify({
    Name: 'bench', StorageDirectory: path.join(dir, 'storage'), IndexDirectory: path.join(dir, 'index'),
    StorageCompression: false, HttpPort: port, DicomPort: dicomPort, RemoteAccessAllowed: false, AuthenticationEnabled: false,
    Plugins: [], SaveJobs: false, HttpCompressionEnabled: false,
  }));
  const child = spawn(ORTHANC_BIN, [config], { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForPort(port, child, 'Orthanc');
  return { child, port };
}

/** Uploads every file with 4 requests in flight, from a separate process; returns seconds. */
async function uploadToOrthanc(port: number, files: string[]): Promise<number> {
  const script = `
const fs = require('node:fs');
const files = JSON.parse(fs.readFileSync(0, 'utf8'));
let next = 0;
async function worker() {
  while (next < files.length) {
    const f = files[next++];
    const r = await fetch('http://127.0.0.1:${port}/instances', { method: 'POST', body: fs.readFileSync(f) });
    if (!r.ok) throw new Error(f + ': ' + r.status);
    await r.arrayBuffer();
  }
}
Promise.all([worker(), worker(), worker(), worker()]).catch((e) => { console.error(e); process.exit(1); });`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', script], { input: JSON.stringify(files), stdio: ['pipe', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('upload to Orthanc failed');
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function orthancLookup(port: number, seriesUid: string): Promise<string | undefined> {
  const r = await fetch(`http://127.0.0.1:${port}/tools/lookup`, { method: 'POST', body: seriesUid });
  const found = (await r.json()) as Array<{ ID: string; Type: string }>;
  return found.find((f) => f.Type === 'Series')?.ID;
}

// ---------------------------------------------------------------------------------------
// wrk, in its own process

interface WrkRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: string[];
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
}

function wrk(req: WrkRequest, connections: number, seconds: number, scratch: string): WrkResult {
  const args = ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${seconds}s`, '--latency'];
  for (const h of req.headers ?? []) args.push('-H', h);
  if (req.method === 'POST') {
    const script = path.join(scratch, 'wrk-post.lua');
    fs.writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(req.body ?? '')}\nwrk.headers["Content-Type"] = "application/json"\n`);
    args.push('-s', script);
  }
  args.push(req.url);
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(r.stdout);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  if (/Non-2xx/.test(r.stdout)) throw new Error(`wrk ${req.url}: non-2xx answers\n${r.stdout}`);
  return { rps, p50: ms('50'), p99: ms('99') };
}
