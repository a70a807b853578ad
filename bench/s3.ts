// The S3 file store, against the local store measured in the same run:
//   1. `blobs migrate` of a 128 MiB series (256 files of 512 KiB) into S3: MB/s;
//   2. getImage of that series from the local store and from S3, interleaved rounds: MB/s
//      (median and best), the ratio, and the growth of this process's peak RSS while the S3
//      downloads run (flat memory: a few MiB, not the series' size).
// The S3 endpoint is s3rver in a child process on loopback (its own speed bounds the S3
// figures: they say what our side costs and that memory stays flat, not what AWS would do).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeSyntheticImages } from './lib/series.js';
import type { AddressInfo } from 'node:net';

const MiB = 1024 * 1024;
const FILE_SIZE = 512 * 1024;
const FILE_COUNT = 256;
const SERIES_UID = '1.2.826.0.1.3680043.9.7777.3';
const ROUNDS = 3;

type Figures = Record<string, number | string>;

export async function benchS3(): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-bench-s3-'));
  let endpoint: ChildProcess | undefined;
  try {
    const { openStore } = await import('../src/store/db.js');
    const { FsBlobStore } = await import('../src/blobs/fs/fs-blob-store.js');
    const { S3BlobStore } = await import('../src/blobs/s3/s3-blob-store.js');
    const { s3ClientFromEnv } = await import('../src/blobs/s3/client.js');
    const { migrateBlobs } = await import('../src/blobs/migrate.js');
    const { buildServer } = await import('../src/server.js');
    const { DEFAULT_SERVER_OPTIONS } = await import('../src/context.js');

    const store = await openStore(`sqlite:${path.join(dir, 'nbia.sqlite')}`);
    const local = new FsBlobStore(dir);
    await seed(store.db, local);
    const started = await startEndpoint(path.join(dir, 's3'));
    endpoint = started.child;
    const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${started.port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
    const s3 = new S3BlobStore(s3ClientFromEnv(env), { bucket: 'bench', prefix: 'archive/' });

    const t0 = performance.now();
    const migrated = await migrateBlobs(store.db, local, s3);
    const migrateSeconds = (performance.now() - t0) / 1000;
    if (migrated.failed > 0 || !migrated.switched) throw new Error(`migrate failed: ${migrated.failures[0]?.reason}`);

    const serve = async (blobs: InstanceType<typeof FsBlobStore> | InstanceType<typeof S3BlobStore>) => {
      const app = await buildServer({ store, blobs, options: DEFAULT_SERVER_OPTIONS }, { logger: false });
      await app.listen({ host: '127.0.0.1', port: 0 });
      return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/nbia-api/services/v4/getImage?SeriesInstanceUID=${SERIES_UID}` };
    };
    const fsServer = await serve(local);
    const s3Server = await serve(s3);
    try {
      await download(fsServer.url);
      await download(s3Server.url);
      const rates = { local: [] as number[], s3: [] as number[] };
      let rssGrowth = 0;
      for (let round = 0; round < ROUNDS; round++) {
        rates.local.push((await download(fsServer.url)).mbPerSecond);
        global.gc?.();
        const before = process.memoryUsage().rss;
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
        const r = await download(s3Server.url);
        clearInterval(sampler);
        rates.s3.push(r.mbPerSecond);
        rssGrowth = Math.max(rssGrowth, peak - before);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      return {
        'series (files x KiB)': `${FILE_COUNT} x ${FILE_SIZE / 1024}`,
        'blobs migrate to S3, MB/s': (FILE_COUNT * FILE_SIZE) / MiB / migrateSeconds,
        'getImage from the local store, MB/s (median)': median(rates.local),
        'getImage from S3, MB/s (median)': median(rates.s3),
        'getImage from S3, MB/s (best)': Math.max(...rates.s3),
        'S3 / local (medians)': median(rates.s3) / median(rates.local),
        'peak RSS growth during an S3 getImage, MiB': rssGrowth / MiB,
        'series size, MiB': (FILE_COUNT * FILE_SIZE) / MiB,
      };
    } finally {
      await fsServer.app.close();
      await s3Server.app.close();
      await store.close();
      s3.client.destroy();
    }
  } finally {
    endpoint?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(db: import('kysely').Kysely<import('../src/store/schema.js').Database>, local: import('../src/blobs/fs/fs-blob-store.js').FsBlobStore): Promise<void> {
  const now = '2026-01-01 00:00:00.000';
  const collection = await db.insertInto('collection').values({ name: 'BENCH-S3', is_public: 1, created_at: now }).returning('id').executeTakeFirstOrThrow();
  const patient = await db.insertInto('patient').values({ collection_id: collection.id, patient_id: 'BENCH-S3-1' }).returning('id').executeTakeFirstOrThrow();
  const study = await db.insertInto('study').values({ patient_pk: patient.id, study_instance_uid: `${SERIES_UID}.0` }).returning('id').executeTakeFirstOrThrow();
  const series = await db
    .insertInto('series')
    .values({ study_pk: study.id, patient_pk: patient.id, collection_id: collection.id, series_instance_uid: SERIES_UID, modality: 'CT', image_count: FILE_COUNT, total_size: FILE_COUNT * FILE_SIZE })
    .returning('id')
    .executeTakeFirstOrThrow();
  await writeSyntheticImages(db, local, { pk: series.id, uid: SERIES_UID }, FILE_COUNT, FILE_SIZE);
}

/** s3rver in a child process, so its work and memory are not this process's. */
function startEndpoint(directory: string): Promise<{ child: ChildProcess; port: number }> {
  const code = `
    const S3rver = require('s3rver');
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(directory)}, configureBuckets: [{ name: 'bench' }] })
      .run().then((a) => console.log('PORT ' + a.port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
}

function download(url: string): Promise<{ bytes: number; mbPerSecond: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          if (!res.complete || bytes !== Number(res.headers['content-length'])) reject(new Error('download broke off'));
          else resolve({ bytes, mbPerSecond: bytes / MiB / ((performance.now() - t0) / 1000) });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
