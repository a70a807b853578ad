// Download throughput, against baselines measured in the same run:
//   1. one getImage of a 1 GiB series (2,048 files of 512 KiB) over loopback, beside a plain
//      1 GiB file served by the same server code in a second process (a bare Fastify route
//      streaming it, and a route reading it into three recycled buffers: what Node can do
//      without ZIP framing or CRC-32, the ceiling for getImage) and by nginx (sendfile;
//      started here on a loopback port with a temporary config);
//   2. 16 getImage downloads at once: total MB/s and the server's peak RSS.
// The server runs in a child process (this file, started with NBIA_BENCH_DOWNLOAD_SERVER=1)
// so its memory can be read from /proc/<pid>/status. Clients discard the bytes (curl -o
// /dev/null when curl is installed, else a small node client in its own process).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { randomFillSync } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeSyntheticImages } from './lib/series.js';
import { cpuTicks, download, hasCurl, procStatusKiB, startNginx, stop, TICKS_PER_SECOND } from './lib/processes.js';
import { fileURLToPath } from 'node:url';

const GiB = 1024 ** 3;
const FILE_SIZE = 512 * 1024;
const FILE_COUNT = GiB / FILE_SIZE;
const SERIES_UID = '1.2.826.0.1.3680043.9.7777.1';
const ROUNDS = 7;
const PARALLEL = 16;
const SERVER_FLAG = 'NBIA_BENCH_DOWNLOAD_SERVER';

type Figures = Record<string, number | string>;
interface CpuCost {
  server: number;
  client: number;
}

export async function benchDownload(): Promise<Figures> {
  const dir = scratchDir();
  const children: ChildProcess[] = [];
  try {
    const { plainFile } = await prepareData(dir);
    // Two server processes of the same build: one serves getImage (its memory is the figure),
    // the other the plain-file baselines, whose garbage would otherwise change the collector's
    // pace in the first and blur its figures.
    const compiled = compileForBench(dir);
    const server = await startServerChild(dir, plainFile, compiled);
    children.push(server.child);
    const baselines = await startServerChild(dir, plainFile, compiled);
    children.push(baselines.child);
    await new Promise((r) => setTimeout(r, 300));
    const idleRss = procStatusKiB(server.child.pid!, 'VmRSS');
    const nginx = await startNginx(dir);
    if (nginx) children.push(nginx.child);

    const zipUrl = `http://127.0.0.1:${server.port}/nbia-api/services/v4/getImage?SeriesInstanceUID=${SERIES_UID}`;
    const plainUrl = `http://127.0.0.1:${baselines.port}/bench/plain`;
    const recycledUrl = `http://127.0.0.1:${baselines.port}/bench/plain-recycled`;
    const nginxUrl = nginx ? `http://127.0.0.1:${nginx.port}/${path.basename(plainFile)}` : undefined;

    // Interleaved rounds, so a busy moment on the machine hits all alike; best and median of
    // each (on a shared machine the best of nginx swings widely: the medians are steadier).
    // Besides the rate, the CPU each side spent per GiB (server: all its threads; client:
    // curl): on a machine with few cores the sum of the two bounds the rate, whatever the
    // machine's load, so it is the steadier figure.
    const best = { zip: 0, plain: 0, recycled: 0, nginx: 0 };
    const cpu = { zip: [] as CpuCost[], plain: [] as CpuCost[], recycled: [] as CpuCost[], nginx: [] as CpuCost[] };
    const rates = { zip: [] as number[], plain: [] as number[], recycled: [] as number[], nginx: [] as number[] };
    await download(zipUrl); // warm the page cache and the server
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, url, pid] of [
        ['zip', zipUrl, server.child.pid!],
        ['plain', plainUrl, baselines.child.pid!],
        ['recycled', recycledUrl, baselines.child.pid!],
        ['nginx', nginxUrl, nginx?.child.pid],
      ] as const) {
        if (!url || !pid) continue;
        const before = cpuTicks(pid);
        const r = await download(url);
        best[kind] = Math.max(best[kind], r.mbPerSecond);
        rates[kind].push(r.mbPerSecond);
        cpu[kind].push({ server: ((cpuTicks(pid) - before) / TICKS_PER_SECOND) * (GiB / r.bytes), client: r.clientCpuSeconds * (GiB / r.bytes) });
      }
    }

    const hwmBefore = procStatusKiB(server.child.pid!, 'VmHWM');
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, procStatusKiB(server.child.pid!, 'VmRSS'))), 20);
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => download(zipUrl)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const totalBytes = results.reduce((n, r) => n + r.bytes, 0);

    const figures: Figures = {
      'one getImage of a 1 GiB series, MB/s': round(best.zip),
      'plain 1 GiB file, same server code (Fastify + createReadStream), MB/s': round(best.plain),
      'plain 1 GiB file, nginx, MB/s': nginx ? round(best.nginx) : 'nginx not found',
      'getImage / nginx (goal >= 0.8)': nginx ? round(best.zip / best.nginx, 3) : 'n/a',
      'median MB/s of the rounds: getImage / plain / recycled / nginx': [rates.zip, rates.plain, rates.recycled, rates.nginx].map((r) => Math.round(median(r))).join(' / '),
      'getImage / nginx, medians': nginx ? round(median(rates.zip) / median(rates.nginx), 3) : 'n/a',
      'plain 1 GiB file, recycled buffers, same server code, MB/s': round(best.recycled),
      'plain route / nginx': nginx ? round(best.plain / best.nginx, 3) : 'n/a',
      'recycled-buffer route / nginx (the ceiling for getImage)': nginx ? round(best.recycled / best.nginx, 3) : 'n/a',
      'server CPU s per GiB: getImage / plain / recycled / nginx': [cpu.zip, cpu.plain, cpu.recycled, cpu.nginx].map((c) => median(c.map((x) => x.server)).toFixed(3)).join(' / '),
      'client CPU s per GiB: getImage / plain / recycled / nginx': [cpu.zip, cpu.plain, cpu.recycled, cpu.nginx].map((c) => median(c.map((x) => x.client)).toFixed(3)).join(' / '),
      'load average at the start': os.loadavg()[0]!.toFixed(2),
      [`${PARALLEL} parallel getImage, total MB/s`]: round(totalBytes / 1e6 / seconds),
      [`${PARALLEL} parallel getImage, all complete`]: results.every((r) => r.bytes === results[0]!.bytes) ? 'yes' : 'NO',
      [`server peak RSS during the ${PARALLEL} downloads, MB (goal < 200)`]: round(peakRss / 1024),
      'server VmHWM after all downloads, MB': round(procStatusKiB(server.child.pid!, 'VmHWM') / 1024),
      'server VmHWM before the parallel downloads, MB': round(hwmBefore / 1024),
      'server idle RSS, MB': round(idleRss / 1024),
      server: server.mode,
      client: hasCurl() ? 'curl -o /dev/null' : 'node http (discarding)',
      cpus: os.cpus().length,
    };
    return figures;
  } finally {
    for (const child of children) await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const median = (xs: number[]) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

// ---------------------------------------------------------------------------------------
// Data: a 1 GiB series written into a fresh store, and a plain 1 GiB file

/** RAM-backed /dev/shm when it has room (the figures are about serving, not the disk). */
function scratchDir(): string {
  try {
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > 4 * GiB) return fs.mkdtempSync('/dev/shm/nbia-bench-download-');
  } catch {
    // fall through
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-bench-download-'));
}

async function prepareData(dir: string): Promise<{ plainFile: string }> {
  const { openStore } = await import('../src/store/db.js');
  const { FsBlobStore } = await import('../src/blobs/fs/fs-blob-store.js');
  const store = await openStore(`sqlite:${path.join(dir, 'nbia.sqlite')}`);
  const blobs = new FsBlobStore(dir);
  const db = store.db;
  const now = '2026-01-01 00:00:00.000';
  const collection = await db.insertInto('collection').values({ name: 'BENCH', is_public: 1, license_name: 'CC BY 4.0', created_at: now }).returning('id').executeTakeFirstOrThrow();
  const patient = await db.insertInto('patient').values({ collection_id: collection.id, patient_id: 'BENCH-1' }).returning('id').executeTakeFirstOrThrow();
  const study = await db.insertInto('study').values({ patient_pk: patient.id, study_instance_uid: `${SERIES_UID}.0` }).returning('id').executeTakeFirstOrThrow();
  const series = await db
    .insertInto('series')
    .values({ study_pk: study.id, patient_pk: patient.id, collection_id: collection.id, series_instance_uid: SERIES_UID, modality: 'CT', image_count: FILE_COUNT, total_size: FILE_COUNT * FILE_SIZE })
    .returning('id')
    .executeTakeFirstOrThrow();

  await writeSyntheticImages(db, blobs, { pk: series.id, uid: SERIES_UID }, FILE_COUNT, FILE_SIZE);
  await store.close();

  const plainFile = path.join(dir, 'plain-1GiB.bin');
  const pool = randomFillSync(Buffer.alloc(2 * FILE_SIZE));
  const fd = fs.openSync(plainFile, 'w');
  for (let i = 0; i < GiB / pool.length; i++) fs.writeSync(fd, pool);
  fs.closeSync(fd);
  return { plainFile };
}

// ---------------------------------------------------------------------------------------
// The server under test, in a child process

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The server child runs the project compiled to JavaScript (tsc, emit only, into the
 * scratch folder), as a deployment runs it: under the tsx loader the same server idles
 * about 40 MB higher, which would blur the memory figure. Falls back to tsx.
 */
function compileForBench(dir: string): string | undefined {
  const out = path.join(dir, 'build');
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(
    process.execPath,
    [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.json'), '--noCheck', '--noEmit', 'false', '--outDir', out, '--sourceMap', 'false', '--incremental', 'false'],
    { stdio: 'ignore' },
  );
  const entry = path.join(out, 'bench', 'download.js');
  if (!fs.existsSync(entry) || !fs.existsSync(path.join(out, 'src', 'server.js'))) return undefined;
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(out, 'node_modules'));
  return entry;
}

async function startServerChild(dir: string, plainFile: string, compiled: string | undefined): Promise<{ child: ChildProcess; port: number; mode: string }> {
  const args = compiled ? [compiled] : ['--import', 'tsx', fileURLToPath(import.meta.url)];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, [SERVER_FLAG]: '1', NBIA_BENCH_DIR: dir, NBIA_BENCH_PLAIN: plainFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`bench server exited (${code}) before listening`)));
  });
  return { child, port, mode: compiled ? 'compiled JavaScript (tsc)' : 'TypeScript under tsx' };
}

async function serveForBench(): Promise<void> {
  const { openStore } = await import('../src/store/db.js');
  const { FsBlobStore } = await import('../src/blobs/fs/fs-blob-store.js');
  const { buildServer } = await import('../src/server.js');
  const { DEFAULT_SERVER_OPTIONS } = await import('../src/context.js');
  const dir = process.env.NBIA_BENCH_DIR!;
  const plainFile = process.env.NBIA_BENCH_PLAIN!;
  const store = await openStore(`sqlite:${path.join(dir, 'nbia.sqlite')}`);
  const app = await buildServer({ store, blobs: new FsBlobStore(dir), options: DEFAULT_SERVER_OPTIONS }, { logger: false });
  const plainSize = fs.statSync(plainFile).size;
  // The baseline: the plainest way to serve one file from this framework.
  app.get('/bench/plain', async (_request, reply) =>
    reply
      .header('content-length', plainSize)
      .type('application/octet-stream')
      .send(fs.createReadStream(plainFile, { highWaterMark: 1024 * 1024 })),
  );
  // The same file read into three recycled 1 MiB buffers, one read ahead of the socket: no
  // allocation per chunk (the route above allocates one per read, and the collector it keeps
  // busy makes its figure swing by half from run to run), no framing, no checksum.
  app.get('/bench/plain-recycled', async (_request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(plainSize) });
    const handle = await fs.promises.open(plainFile);
    try {
      const buffers = Array.from({ length: 3 }, () => Buffer.allocUnsafeSlow(1024 * 1024));
      let position = 0;
      let next = handle.read(buffers[0]!, 0, buffers[0]!.length, 0);
      for (let i = 0; ; i++) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) break;
        position += bytesRead;
        const ahead = buffers[(i + 1) % 3]!;
        next = handle.read(ahead, 0, ahead.length, position);
        // After a drain the socket holds none of them, so the third buffer is always free.
        if (!res.write(buffer.subarray(0, bytesRead))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    } finally {
      await handle.close();
    }
  });
  // Stop cleanly when the bench is done (so that --cpu-prof and the like get written).
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening on ${(app.server.address() as net.AddressInfo).port}\n`);
}

if (process.env[SERVER_FLAG] === '1') {
  serveForBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
