// `nbia download`: series from a manifest, UIDs, a query or a cart, fetched N at a time,
// each extracted and verified as it arrives, retried with backoff, resumed after a break;
// progress on the way, a metadata.csv and a summary at the end.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { NbiaClient, NbiaHttpError, parseCsv, type SeriesMetadataRow } from '../client/index.js';
import { UserError } from '../errors.js';
import { parseManifest } from './manifest.js';
import { metadataCsvRow, METADATA_COLUMNS, seriesFolder, type Layout } from './layout.js';
import { planDownload, selectedUids, type SeriesQuery } from './plan.js';
import { createProgress, type Progress } from './progress.js';
import { createHttpFetch } from './http-fetch.js';
import { mainThreadRunner, threadRunner, type SeriesRunner } from './series-threads.js';
import { completedSeries, discardPartial, resumableBytes, VerificationError, ZipFormatError, type DoneRecord, type SeriesTask } from './series.js';

export interface DownloadRequest {
  out: string;
  manifest?: string;
  server?: string;
  series?: readonly string[];
  query?: SeriesQuery;
  cart?: string;
  user?: string;
  password?: string;
  parallel: number;
  /** Threads that download series (each from the socket to the disk); 0: the main thread does it all. */
  threads: number;
  layout: Layout;
  /** Attempts per series after the first. */
  retries: number;
  /** The first retry waits this long; each later one twice as long. */
  backoffMs: number;
  /** Where progress goes (bars when it is a terminal). */
  progressStream: Writable & { isTTY?: boolean };
  /** Where the summary goes. */
  summaryStream: Writable;
}

export interface DownloadSummary {
  requested: number;
  downloaded: string[];
  alreadyComplete: string[];
  failed: Array<{ uid: string; reason: string }>;
  notAvailable: string[];
  bytes: number;
  seconds: number;
}

const MiB = 1024 * 1024;

export async function runDownload(req: DownloadRequest): Promise<DownloadSummary> {
  const started = Date.now();
  let manifestUids: string[] = [];
  let manifestServer: string | undefined;
  if (req.manifest) {
    let text: string;
    try {
      text = await fsp.readFile(req.manifest, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read the manifest ${req.manifest}: ${(err as Error).message}`);
    }
    try {
      const m = parseManifest(text);
      manifestUids = m.seriesInstanceUids;
      manifestServer = m.downloadServerUrl;
    } catch (err) {
      throw new UserError(`${req.manifest} is not a .tcia manifest: ${(err as Error).message}`);
    }
  }
  const server = req.server ?? manifestServer;
  if (!server) throw new UserError('no server: give --server URL (or a manifest with a downloadServerUrl line)');
  let client: NbiaClient;
  // node:http underneath the client: the archives are read from its messages (http-fetch.ts).
  const http = createHttpFetch();
  try {
    client = new NbiaClient({ baseUrl: server, fetch: http.fetch });
  } catch (err) {
    http.close();
    throw new UserError(`--server: ${(err as Error).message}`);
  }
  try {
    return await runWith(req, client, manifestUids, started);
  } finally {
    http.close();
  }
}

async function runWith(req: DownloadRequest, client: NbiaClient, manifestUids: string[], started: number): Promise<DownloadSummary> {
  if (req.user) await client.login(req.user, req.password ?? '');

  const uids = await selectedUids(client, { uids: [...manifestUids, ...(req.series ?? [])], query: req.query, cart: req.cart });
  const plan = await planDownload(client, uids);
  const tasks = tasksOf(plan.available, req.layout);
  const summary: DownloadSummary = { requested: uids.length, downloaded: [], alreadyComplete: [], failed: [], notAvailable: plan.notAvailable, bytes: 0, seconds: 0 };
  await fsp.mkdir(req.out, { recursive: true });

  const progress = createProgress(req.progressStream);
  for (const uid of plan.notAvailable) progress.note(`not available to ${client.session.userName}: ${uid} (restricted, or no such series)`);
  const done = new Map<string, DoneRecord>();
  const todo: SeriesTask[] = [];
  for (const task of tasks) {
    const record = await completedSeries(req.out, task);
    if (record) {
      done.set(task.uid, record);
      summary.alreadyComplete.push(task.uid);
    } else {
      todo.push(task);
    }
  }
  let already = 0;
  for (const t of todo) already += await resumableBytes(req.out, t.uid);
  const totalBytes = todo.reduce((n, t) => n + Number(t.row.FileSize ?? 0), 0);
  progress.start(totalBytes, todo.length, Math.min(already, totalBytes));
  if (summary.alreadyComplete.length > 0) progress.note(`${summary.alreadyComplete.length} series already complete in ${req.out}`);

  const atOnce = Math.max(1, Math.min(req.parallel, todo.length));
  const runner = seriesRunner(req, client, atOnce);
  try {
    await downloadAll(req, todo, atOnce, runner, summary, done, progress);
  } finally {
    await runner.close();
  }
  progress.stop();

  await writeMetadataCsv(req.out, tasks.flatMap((t) => (done.has(t.uid) ? [metadataCsvRow(t.row, t.folder, done.get(t.uid)!.downloadedAt)] : [])));
  summary.seconds = (Date.now() - started) / 1000;
  writeSummary(req.summaryStream, summary, req.out);
  return summary;
}

/**
 * Download threads when series run side by side; one series at a time (a run of one, or
 * --parallel 1) runs on the main thread, which would otherwise idle while a thread that
 * costs some 70-90 ms to start did the same work.
 */
function seriesRunner(req: DownloadRequest, client: NbiaClient, atOnce: number): SeriesRunner {
  const threads = Math.min(req.threads, atOnce);
  return threads > 1 ? threadRunner(client, req.out, req.layout, threads) : mainThreadRunner(client, req.out, req.layout);
}

/** Runs the series, `atOnce` at a time, each with its retries; records each outcome. */
async function downloadAll(req: DownloadRequest, todo: SeriesTask[], atOnce: number, runner: SeriesRunner, summary: DownloadSummary, done: Map<string, DoneRecord>, progress: Progress): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const task = todo[next++]!;
      const outcome = await withRetries(req, task, (n) => {
        summary.bytes += n;
        progress.bytes(n);
      }, (line) => progress.note(line), runner);
      if ('record' in outcome) {
        done.set(task.uid, outcome.record);
        summary.downloaded.push(task.uid);
        progress.note(`ok ${task.uid} -> ${task.folder} (${outcome.record.dicomFiles} files, ${(outcome.record.bytes / MiB).toFixed(1)} MiB)`);
      } else {
        summary.failed.push({ uid: task.uid, reason: outcome.reason });
        progress.note(`FAILED ${task.uid}: ${outcome.reason}`);
      }
      progress.seriesDone();
    }
  };
  await Promise.all(Array.from({ length: atOnce }, worker));
}

function tasksOf(rows: SeriesMetadataRow[], layout: Layout): SeriesTask[] {
  const used = new Set<string>();
  return rows.map((row) => {
    let folder = seriesFolder(layout, row);
    // Two series with the same number, description and UID tail would share a folder.
    if (used.has(folder)) folder = `${folder}-${row.SeriesInstanceUID}`;
    used.add(folder);
    return { uid: row.SeriesInstanceUID, row, folder };
  });
}

type Outcome = { record: DoneRecord } | { reason: string };

async function withRetries(req: DownloadRequest, task: SeriesTask, onBytes: (n: number) => void, note: (line: string) => void, runner: SeriesRunner): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    try {
      return { record: await runner.download(task, (n) => ((received += n), onBytes(n))) };
    } catch (err) {
      const reason = (err as Error).message;
      // A damaged or untrue archive is fetched again from its first byte; a broken connection resumes.
      if (err instanceof VerificationError || err instanceof ZipFormatError) {
        await discardPartial(req.out, task.uid);
        onBytes(-received);
      }
      const permanent = err instanceof NbiaHttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
      if (permanent || attempt >= req.retries) return { reason };
      const wait = req.backoffMs * 2 ** attempt * (0.75 + Math.random() / 2);
      note(`retry ${attempt + 1}/${req.retries} of ${task.uid} in ${(wait / 1000).toFixed(1)} s: ${reason}`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** metadata.csv: rows of earlier runs kept, this run's series added or updated, by Series UID. */
async function writeMetadataCsv(out: string, rows: ReturnType<typeof metadataCsvRow>[]): Promise<void> {
  const file = path.join(out, 'metadata.csv');
  const merged = new Map<string, Record<string, string>>();
  try {
    const [header, ...old] = parseCsv(await fsp.readFile(file, 'utf8'));
    for (const r of old) {
      const row = Object.fromEntries(header!.map((h, i) => [h, r[i] ?? '']));
      if (row['Series UID']) merged.set(row['Series UID'], row);
    }
  } catch {
    // no metadata.csv yet
  }
  for (const r of rows) merged.set(r['Series UID'], r);
  if (merged.size === 0) return;
  const text = stringify([...merged.values()], { header: true, columns: [...METADATA_COLUMNS], quoted_string: true });
  await fsp.writeFile(`${file}.tmp`, text);
  await fsp.rename(`${file}.tmp`, file);
}

function writeSummary(stream: Writable, s: DownloadSummary, out: string): void {
  const lines = [
    `${s.downloaded.length + s.alreadyComplete.length} of ${s.requested} series complete in ${out}` +
      ` (${s.downloaded.length} downloaded, ${s.alreadyComplete.length} already there); ` +
      `${(s.bytes / MiB).toFixed(1)} MiB in ${s.seconds.toFixed(1)} s`,
  ];
  if (s.notAvailable.length > 0) {
    lines.push(`${s.notAvailable.length} series not available to this account (restricted, or no such series): log in with --user, or ask for access`);
    for (const uid of s.notAvailable) lines.push(`  not available: ${uid}`);
  }
  if (s.failed.length > 0) {
    lines.push(`${s.failed.length} series did not arrive whole; run the same command again to resume them:`);
    for (const f of s.failed) lines.push(`  failed: ${f.uid}: ${f.reason}`);
  }
  stream.write(lines.join('\n') + '\n');
}
