// `nbia ingest PATH... --collection NAME`: index DICOM files and folders into a collection.
// Exit codes: 0 every file is in the archive, 1 some were skipped (see the summary and the
// report), 2 usage or fatal errors, 130 interrupted.
// The ingest machinery (worker pool, batches, the store) loads when the command runs.
import fs from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { MAX_WORKERS } from '../ingest/limits.js';
import { terminalProgress } from '../ingest/progress.js';
import { formatSummary } from '../ingest/report.js';
import { action, addBlobOptions, addStoreOptions, withStore, type StoreFlags } from './common.js';

interface IngestFlags extends StoreFlags {
  collection: string;
  public?: boolean;
  site?: string;
  inPlace?: boolean;
  workers?: string;
  batchSize?: string;
  report?: string;
}

/**
 * Usage errors (unknown option, missing argument) exit with 2 like every other usage or
 * fatal error; commander's own default is 1, which our commands keep for "some skipped".
 * Subcommands added afterwards inherit this.
 */
export function usageErrorsExitWith2(cmd: Command): Command {
  return cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
}

export function parseCount(raw: string | undefined, what: string, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UserError(`${what} must be a whole number from 1 to ${max}, not "${raw}"`);
  return n;
}

export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .summary('index DICOM files and folders into a collection')
    .description(
      'Index DICOM files and folders (walked recursively) into a collection. Each file is read once on a pool of ' +
        'threads (MD5 and CRC-32 of the whole file, header parsed), stored in the file store under ' +
        '<data>/files/<SeriesInstanceUID>/<SOPInstanceUID>.dcm as the bytes that were hashed (or referenced where ' +
        'it is with --in-place), and ' +
        'recorded in batched transactions keyed by SOPInstanceUID. Re-running over the same files adds and changes ' +
        'nothing; an interrupted or crashed run loses at most the open batch, and the next run completes it.\n\n' +
        'Files that are not DICOM, are truncated, or lack StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, ' +
        'PatientID or Modality are skipped with the reason. A SOPInstanceUID already stored with different bytes, ' +
        'or a series that belongs to another collection, is refused, never overwritten.',
    )
    .argument('<path...>', 'DICOM files or folders');
  usageErrorsExitWith2(cmd);
  addStoreOptions(
    addBlobOptions(cmd)
      .requiredOption('--collection <name>', 'the collection to ingest into; created if missing, restricted unless --public')
      .option('--public', 'make the collection public (everyone sees it, the guest included); without it an existing collection keeps its access')
      .option('--site <name>', 'the NBIA "Site" recorded on the series this run creates')
      .option('--in-place', 'reference the files where they are (absolute paths) instead of copying them; they must stay there')
      .option('--workers <n>', `hashing and parsing threads, 1 to ${MAX_WORKERS} (default: the number of CPUs)`)
      .option('--batch-size <n>', 'files per transaction (default 500): a crash loses at most one batch')
      .option('--report <file>', 'where to write the JSON report of the run (default <data>/reports/ingest-<time>.json)'),
  )
    .addHelpText(
      'after',
      '\nExit status: 0 all files are in the archive; 1 some files were skipped (listed in the summary and the report);\n' +
        '2 usage or fatal error; 130 interrupted (Ctrl-C: the files already read are committed first).\n\n' +
        'Examples:\n' +
        '  nbia ingest /mnt/scans/LIDC --collection LIDC-IDRI --public --site "Site A"\n' +
        '  nbia ingest ./dicom --collection Private-Trial --in-place --workers 4 --data /srv/nbia',
    )
    .action(action(runIngest));
}

async function runIngest(paths: string[], flags: IngestFlags): Promise<void> {
  if (flags.collection.trim() === '') throw new UserError('--collection must not be empty');
  if (flags.site !== undefined && flags.site.trim() === '') throw new UserError('--site must not be empty when given');
  const workers = parseCount(flags.workers, '--workers', MAX_WORKERS);
  const batchSize = parseCount(flags.batchSize, '--batch-size', 100_000);
  // A mistyped path is a usage error: say so before anything is opened or created.
  for (const p of paths) if (!fs.existsSync(p)) throw new UserError(`no such file or folder: ${p}`);

  const { ingest } = await import('../ingest/index.js');
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nnbia: stopped; the open batch is dropped and the next run completes it\n');
      process.exit(130);
    }
    controller.abort();
    process.stderr.write('\nnbia: interrupted: committing the files already read (press Ctrl-C again to stop at once)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = terminalProgress(process.stderr);
  try {
    const summary = await withStore(flags, async (opened) => {
      try {
        return await ingest(opened, paths, {
          collection: flags.collection,
          ...(flags.public ? { public: true } : {}),
          site: flags.site ?? null,
          inPlace: flags.inPlace === true,
          ...(workers === undefined ? {} : { workers }),
          ...(batchSize === undefined ? {} : { batchSize }),
          ...(flags.report === undefined ? {} : { reportFile: flags.report }),
          ...(progress ? { onProgress: (p) => progress.update(p) } : {}),
          signal: controller.signal,
        });
      } catch (err) {
        if (err instanceof UserError) throw err;
        // Whatever stopped the run, what was committed stays; say what happened plainly.
        throw new UserError(`ingest stopped: ${(err as Error).message}; the batches committed so far are kept, re-run to complete`);
      }
    });
    progress?.done();
    if (summary.filesSeen === 0 && !summary.interrupted) process.stderr.write(`nbia: no files found under ${paths.join(', ')}\n`);
    process.stdout.write(formatSummary(summary).map((l) => `${l}\n`).join(''));
    process.exitCode = summary.interrupted ? 130 : summary.filesSkipped > 0 ? 1 : 0;
  } finally {
    progress?.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
