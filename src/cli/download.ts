// `nbia download`: the NBIA Data Retriever's job from the command line (src/download).
import os from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action } from './common.js';
import { UserError } from '../errors.js';

interface DownloadFlags {
  out?: string;
  server?: string;
  series?: string[];
  collection?: string;
  modality?: string;
  patient?: string;
  cart?: string;
  user?: string;
  passwordStdin?: boolean;
  parallel: number;
  threads?: number;
  layout: string;
  retries: number;
  backoff: number;
}

function positiveInt(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
    return n;
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * A download thread per series at once, up to the cores: each thread takes series from the
 * socket to the disk (download/series-threads.ts), so the MD5s run on every core.
 */
function defaultThreads(parallel: number): number {
  return Math.max(1, Math.min(parallel, os.availableParallelism()));
}

export function registerDownload(program: Command): void {
  program
    .command('download')
    .description(
      'Download series as verified DICOM files (the NBIA Data Retriever\'s job): from a .tcia manifest, UIDs, a query or a shared cart. ' +
        'Re-run to resume. Exit 0 when every series arrived whole, 1 when some did not, 2 on usage errors.',
    )
    .argument('[manifest]', 'a .tcia manifest (its downloadServerUrl is the default server)')
    .option('--out <dir>', 'output folder (required)')
    .option('--server <url>', 'the NBIA server, e.g. http://127.0.0.1:8080 or https://services.cancerimagingarchive.net/nbia-api/services/')
    .option('--series <uid...>', 'SeriesInstanceUIDs')
    .option('--collection <name>', 'every series of a collection (narrow with --modality, --patient)')
    .option('--modality <m>', 'with --collection: only this modality')
    .option('--patient <id>', 'with --collection: only this PatientID')
    .option('--cart <name>', 'the series of a shared cart')
    .option('--user <name>', 'log in as this user (default: the guest, public data only)')
    .option('--password-stdin', 'with --user: read the password from standard input')
    .option('--parallel <n>', 'series downloaded at once', positiveInt('--parallel', 1), 4)
    .option('--threads <n>', 'threads that download series side by side, each from the socket to the disk (default: --parallel, at most the cores); 0 or 1, or one series at a time: the main thread does it all', positiveInt('--threads', 0))
    .option('--layout <layout>', 'descriptive (the Data Retriever\'s folders) or flat (one folder per SeriesInstanceUID)', 'descriptive')
    .option('--retries <n>', 'attempts per series after the first', positiveInt('--retries', 0), 4)
    .option('--backoff <ms>', 'wait before the first retry; doubled each time', positiveInt('--backoff', 0), 1000)
    // Usage errors exit 2 (commander's own default is 1, which here means "some series failed").
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(
      action(async (manifest: string | undefined, flags: DownloadFlags) => {
        if (!flags.out) throw new UserError('--out DIR is required: the folder the series go to');
        if (flags.layout !== 'descriptive' && flags.layout !== 'flat') throw new UserError(`--layout must be descriptive or flat, not ${JSON.stringify(flags.layout)}`);
        if ((flags.modality || flags.patient) && !flags.collection) throw new UserError('--modality and --patient narrow --collection: give --collection NAME too');
        if (!manifest && !flags.series?.length && !flags.collection && !flags.cart) {
          throw new UserError('nothing to download: give a .tcia manifest, --series UID..., --collection NAME or --cart NAME');
        }
        if (flags.passwordStdin && !flags.user) throw new UserError('--password-stdin needs --user NAME');
        let password: string | undefined;
        if (flags.user) {
          if (flags.passwordStdin) password = await readStdin();
          else if (process.stdin.isTTY) password = await (await import('./users.js')).promptHidden(`Password for ${flags.user}: `, process.stdin, process.stderr);
          else throw new UserError('--user needs a password: pipe it in with --password-stdin');
        }
        const [{ runDownload }, { NbiaError }] = await Promise.all([import('../download/run.js'), import('../client/index.js')]);
        const summary = await runDownload({
          out: flags.out,
          manifest,
          server: flags.server,
          series: flags.series,
          query: flags.collection ? { collection: flags.collection, modality: flags.modality, patientId: flags.patient } : undefined,
          cart: flags.cart,
          user: flags.user,
          password,
          parallel: flags.parallel,
          threads: flags.threads ?? defaultThreads(flags.parallel),
          layout: flags.layout,
          retries: flags.retries,
          backoffMs: flags.backoff,
          progressStream: process.stderr,
          summaryStream: process.stdout,
        }).catch((err: unknown) => {
          // The server refused the login or could not be asked at all: nothing was downloaded.
          if (err instanceof NbiaError) throw new UserError(`${err.message}; check --server, --user and the password, then run again`, 1);
          throw err;
        });
        if (summary.failed.length > 0 || summary.notAvailable.length > 0 || summary.requested === 0) process.exitCode = 1;
      }),
    );
}
