// Ingest speed: N CT files of 512 KiB (written with the project's DICOM writer) ingested
// into a fresh SQLite archive, against `md5sum` over the same files in the same run (the
// floor: ingest must at least read and MD5 every byte). Also the in-place mode (no copy).
// Set NBIA_BENCH_INGEST_FILES to change N (default 2000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { openStore } from '../src/store/db.js';
import { FsBlobStore } from '../src/blobs/fs/fs-blob-store.js';
import { defaultWorkers, ingest } from '../src/ingest/index.js';
import { ctInstance, newUid } from '../test/ingest/dicom-files.js';

const run = promisify(execFile);

async function ingestInto(dataDir: string, source: string, inPlace: boolean) {
  const databaseUrl = `sqlite:${path.join(dataDir, 'nbia.sqlite')}`;
  const store = await openStore(databaseUrl);
  try {
    const started = performance.now();
    const summary = await ingest({ config: { dataDir, databaseUrl }, store, blobs: new FsBlobStore(dataDir) }, [source], {
      collection: 'Bench',
      inPlace,
      reportFile: path.join(dataDir, 'report.json'),
    });
    return { seconds: (performance.now() - started) / 1000, summary };
  } finally {
    await store.close();
  }
}

export async function benchIngest(): Promise<Record<string, number | string>> {
  const n = Number(process.env.NBIA_BENCH_INGEST_FILES ?? 2000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-bench-ingest-'));
  try {
    const source = path.join(root, 'source');
    const pixels = randomBytes(512 * 512 * 2);
    const files: string[] = [];
    let bytes = 0;
    const perSeries = 250;
    let seriesUid = newUid();
    let studyUid = newUid();
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % perSeries === 0) {
        seriesUid = newUid();
        studyUid = newUid();
      }
      const dir = path.join(source, `series-${Math.floor(i / perSeries)}`);
      if (i % perSeries === 0) fs.mkdirSync(dir, { recursive: true });
      // One pixel buffer for all (generation time is not what is measured); headers differ.
      const data = ctInstance({ patientId: `BENCH-${Math.floor(i / 1000)}`, studyUid, seriesUid, instanceNumber: (i % perSeries) + 1, side: 512, pixels });
      const file = path.join(dir, `${String(i).padStart(6, '0')}.dcm`);
      fs.writeFileSync(file, data);
      files.push(file);
      bytes += data.length;
    }

    // Baseline: coreutils md5sum over the same files (page cache warm, one core).
    const md5Started = performance.now();
    for (let i = 0; i < files.length; i += 500) await run('md5sum', files.slice(i, i + 500), { maxBuffer: 64 * 1024 * 1024 });
    const md5Seconds = (performance.now() - md5Started) / 1000;

    const copied = await ingestInto(path.join(root, 'data-copy'), source, false);
    const inPlace = await ingestInto(path.join(root, 'data-in-place'), source, true);
    if (copied.summary.filesAdded !== n || inPlace.summary.filesAdded !== n) {
      throw new Error(`bench ingest stored ${copied.summary.filesAdded} / ${inPlace.summary.filesAdded} of ${n} files`);
    }
    const mib = bytes / 1024 / 1024;
    const md5FilesPerSecond = n / md5Seconds;
    return {
      files: n,
      'file size (KiB)': Math.round(bytes / n / 1024),
      workers: defaultWorkers(),
      'md5sum files/s (baseline, 1 core)': md5FilesPerSecond,
      'md5sum MiB/s': mib / md5Seconds,
      'ingest (copy) files/s': n / copied.seconds,
      'ingest (copy) MiB/s': mib / copied.seconds,
      'ingest (copy) / md5sum': n / copied.seconds / md5FilesPerSecond,
      'ingest --in-place files/s': n / inPlace.seconds,
      'ingest --in-place MiB/s': mib / inPlace.seconds,
      'ingest --in-place / md5sum': n / inPlace.seconds / md5FilesPerSecond,
      'goal files/s (512 KiB CT)': 1000,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
