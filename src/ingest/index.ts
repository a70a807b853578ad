// Ingest: walk the given folders, hash and parse every file on a pool of threads, and
// commit them in batches (blobs first, then rows in one transaction). Re-running over the
// same files adds and changes nothing; a crash or an interrupt loses at most the open
// batch, which the next run completes.
import os from 'node:os';
import path from 'node:path';
import type { Opened } from '../cli/common.js';
import { ApiError, UserError } from '../errors.js';
import { nowTimestamp } from '../store/db.js';
import { checkCollectionName, findCollection, setCollection } from '../archive/collections.js';
import { findFiles } from './walk.js';
import { hashFiles } from './pool.js';
import { commitBatch, type BatchTarget, type HashedFile } from './batch.js';
import { defaultReportPath, writeReport } from './report.js';
import type { FileResult, IngestOptions, IngestProgress, IngestSummary } from './types.js';

export type { IngestOptions, IngestProgress, IngestSummary, SkippedFile, SkipReason } from './types.js';

import { DEFAULT_BATCH_SIZE, MAX_WORKERS } from './limits.js';

export { DEFAULT_BATCH_SIZE, MAX_WORKERS };

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

function positiveInteger(value: number | undefined, fallback: number, what: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UserError(`${what} must be a whole number from 1 to ${max}, not ${value}`);
  return value;
}

export async function ingest(opened: Opened, paths: string[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const startedAt = nowTimestamp();
  const workers = positiveInteger(options.workers, defaultWorkers(), 'the number of workers', MAX_WORKERS);
  const batchSize = positiveInteger(options.batchSize, DEFAULT_BATCH_SIZE, 'the batch size', 100_000);
  const site = options.site?.trim() || null;
  const inPlace = options.inPlace === true;

  let collectionName: string;
  try {
    collectionName = checkCollectionName(options.collection);
  } catch (err) {
    throw err instanceof ApiError ? new UserError(err.message) : err;
  }

  const { db } = opened.store;
  const dataDir = opened.config.dataDir;
  // Copies that a killed run left half-written are never referenced by a row: clear them.
  await opened.blobs.removeStalePartials?.();
  // Never ingest the archive's own files (an `nbia ingest .` run inside the data folder).
  const files = await findFiles(paths, { exclude: [path.join(dataDir, 'files'), path.join(dataDir, 'reports')] });

  // The collection is created with its first file (a run that stores nothing leaves no
  // empty collection behind); an existing one changes access only when told to.
  let collection = await findCollection(db, collectionName);
  if (collection && options.public !== undefined) collection = await setCollection(db, collection.name, { public: options.public });

  // The hashing threads write each copy from the bytes they hashed while most files turn
  // out new: from the start into a new collection, then while a batch adds at least half its
  // files. A re-run over files already stored would write copies only to delete them, so
  // there the few new files are copied from their source at commit instead.
  const staging = inPlace ? undefined : await opened.blobs.openStaging?.();
  let stageCopies = staging !== undefined && !collection;

  const summary: IngestSummary = {
    collection: collection?.name ?? collectionName,
    filesSeen: 0,
    filesAdded: 0,
    filesAlreadyPresent: 0,
    filesSkipped: 0,
    skipped: [],
    bytesSeen: 0,
    bytesAdded: 0,
    seriesTouched: 0,
    seconds: 0,
    interrupted: false,
    reportFile: options.reportFile ? path.resolve(options.reportFile) : defaultReportPath(dataDir),
  };
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  const seriesTouched = new Set<string>();
  const target: BatchTarget = {
    db,
    blobs: opened.blobs,
    ...(staging ? { staging } : {}),
    collectionId: collection ? Number(collection.id) : null,
    site,
    inPlace,
    async ensureCollection() {
      if (target.collectionId === null) {
        const row = await setCollection(db, collectionName, options.public === undefined ? {} : { public: options.public });
        target.collectionId = Number(row.id);
        summary.collection = row.name;
      }
      return target.collectionId;
    },
  };

  const progress = (): IngestProgress => {
    const elapsed = (performance.now() - started) / 1000;
    const filesPerSecond = elapsed > 0 ? summary.filesSeen / elapsed : 0;
    const bytesPerSecond = elapsed > 0 ? summary.bytesSeen / elapsed : 0;
    const bytesLeft = bytesTotal - summary.bytesSeen;
    return {
      filesTotal: files.length,
      bytesTotal,
      filesDone: summary.filesSeen,
      bytesDone: summary.bytesSeen,
      added: summary.filesAdded,
      alreadyPresent: summary.filesAlreadyPresent,
      skipped: summary.skipped.length,
      elapsedSeconds: elapsed,
      filesPerSecond,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 && summary.filesSeen > 0 ? bytesLeft / bytesPerSecond : null,
    };
  };
  let lastProgress = 0;
  const report = (force: boolean) => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < 100) return;
    lastProgress = now;
    options.onProgress(progress());
  };

  let pending: (FileResult & { ok: true })[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch: HashedFile[] = pending
      .sort((a, b) => a.index - b.index) // first in walk order wins within a batch
      .map((r) => ({ path: files[r.index]!.path, size: r.size, md5: r.md5, crc32: r.crc32, parsed: r.parsed, ...(r.staged === undefined ? {} : { staged: r.staged }) }));
    pending = [];
    const outcome = await commitBatch(target, batch);
    stageCopies = staging !== undefined && outcome.added * 2 >= batch.length;
    summary.filesAdded += outcome.added;
    summary.bytesAdded += outcome.bytesAdded;
    summary.filesAlreadyPresent += outcome.alreadyPresent;
    summary.skipped.push(...outcome.skipped);
    for (const uid of outcome.seriesAdded) seriesTouched.add(uid);
    report(true);
  };

  const finish = async (error?: unknown) => {
    // Copies staged for files never committed (an interrupted or failed run). One that cannot
    // be deleted now is stale for the next run, which clears it.
    await staging?.close().catch(() => undefined);
    summary.filesSkipped = summary.skipped.length;
    summary.seriesTouched = seriesTouched.size;
    summary.seconds = (performance.now() - started) / 1000;
    summary.interrupted = options.signal?.aborted === true && summary.filesSeen < files.length;
    if (summary.reportFile) {
      try {
        await writeReport(summary.reportFile, summary, {
          startedAt,
          finishedAt: nowTimestamp(),
          paths: paths.map((p) => path.resolve(p)),
          inPlace,
          site,
          ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
        });
      } catch (err) {
        if (error === undefined) throw new UserError(`cannot write the report ${summary.reportFile}: ${(err as Error).message}`);
      }
    }
  };

  try {
    report(true);
    for await (const result of hashFiles(files.map((f) => f.path), {
      workers,
      maxOutstanding: batchSize * 2,
      signal: options.signal,
      stageAs: () => (stageCopies ? staging?.newPath() : undefined),
    })) {
      summary.filesSeen++;
      summary.bytesSeen += files[result.index]!.size;
      if (result.ok) pending.push(result);
      else summary.skipped.push({ path: files[result.index]!.path, reason: result.reason, message: result.message });
      if (pending.length >= batchSize) await flush();
      report(false);
    }
    await flush();
  } catch (err) {
    await finish(err);
    throw err;
  }
  await finish();
  report(true);
  return summary;
}
