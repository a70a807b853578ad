// `nbia blobs migrate --to s3://BUCKET/PREFIX`: copies an archive's stored files from the
// local store to S3, verified by MD5, resumable; the index is not touched (see
// src/blobs/migrate.ts). Exit codes: 0 every file is in the target, 1 some failed (listed;
// re-run to retry), 2 usage or fatal errors, 130 interrupted.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { action, addStoreOptions, withStore, type StoreFlags } from './common.js';
import { usageErrorsExitWith2 } from './ingest.js';

interface MigrateFlags extends StoreFlags {
  to: string;
  concurrency?: string;
}

export function registerBlobs(program: Command): void {
  const blobs = program.command('blobs').summary('manage the file store').description('Manage where the archive keeps its DICOM files.');
  const migrate = blobs
    .command('migrate')
    .summary('copy the stored files to S3, verified by MD5, resumable')
    .description(
      'Copy every file of the local file store (<data>/files) to S3-compatible storage under the same keys, without ' +
        're-ingesting. Each file is checked against the MD5 the index recorded at ingest before its object is written, ' +
        'the server checks every upload against its Content-MD5, and the object is read back (size and MD5) after. ' +
        'Objects already there with the right size and MD5 are skipped, so an interrupted run resumes where it stopped. ' +
        'Once every file is there, the index records the target as the archive\'s file store (in one transaction that ' +
        'first copies any image added meanwhile), so every command and API node started after that reads from S3 without ' +
        '--blobs. Image rows are not changed: the keys are the same in both stores, and files ingested with --in-place ' +
        'stay where they are. The local copies are never deleted: API nodes still running on them keep working until restarted. ' +
        'Run it while no ingest runs: an ingest started before the switch would go on writing to the local store.',
    );
  usageErrorsExitWith2(migrate);
  addStoreOptions(
    migrate
      .requiredOption('--to <url>', 's3://BUCKET/PREFIX to copy into (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)')
      .option('--concurrency <n>', 'copies in flight, 1 to 64 (default 8)'),
  )
    .addHelpText('after', '\nExample:\n  AWS_ENDPOINT_URL=http://127.0.0.1:9000 nbia blobs migrate --data /srv/nbia --to s3://nbia/archive')
    .action(action(runMigrate));
}

async function runMigrate(flags: MigrateFlags): Promise<void> {
  const [{ parseBlobLocation, openBlobStore, blobLocationUrl, recordedBlobLocation }, { parseCount }] = await Promise.all([import('../blobs/location.js'), import('./ingest.js')]);
  const to = parseBlobLocation(flags.to);
  if (to.kind !== 's3') throw new UserError('--to must be s3://BUCKET/PREFIX: files move from the local store to S3');
  const concurrency = parseCount(flags.concurrency, '--concurrency', 64);
  const [{ migrateBlobs }, { FsBlobStore }, { S3BlobStore }] = await Promise.all([
    import('../blobs/migrate.js'),
    import('../blobs/fs/fs-blob-store.js'),
    import('../blobs/s3/s3-blob-store.js'),
  ]);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    process.stderr.write('\nnbia: interrupted: finishing the copies in flight (Ctrl-C again to stop at once); re-run to go on\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The source is the store the index records: NBIA_BLOBS (perhaps already set to the target) is not asked.
    await withStore({ ...flags, blobs: '' }, async (opened) => {
      const recorded = blobLocationUrl(await recordedBlobLocation(opened.store.db));
      if (recorded === blobLocationUrl(to)) {
        process.stdout.write(`The archive's files are already in ${recorded}: nothing to do.\n`);
        return;
      }
      if (!(opened.blobs instanceof FsBlobStore)) throw new UserError(`the archive's files are in ${recorded}: only files in the local store can be migrated`);
      const target = await openBlobStore(to, opened.config.dataDir);
      if (!(target instanceof S3BlobStore)) throw new Error('an s3:// location opened another kind of store');
      const tty = process.stderr.isTTY === true;
      let last = 0;
      const summary = await migrateBlobs(opened.store.db, opened.blobs, target, {
        ...(concurrency === undefined ? {} : { concurrency }),
        signal: controller.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < (tty ? 200 : 5000) && p.filesDone !== p.filesTotal) return;
          last = now;
          const line = `nbia: ${p.filesDone}/${p.filesTotal} files, ${gib(p.bytesDone)}/${gib(p.bytesTotal)} GiB (${p.copied} copied, ${p.alreadyThere} already there, ${p.failed} failed)`;
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      const lines = [
        `Files in the local store: ${summary.filesTotal} (${gib(summary.bytesTotal)} GiB)`,
        `Copied to ${blobLocationUrl(to)}: ${summary.copied} (${gib(summary.bytesCopied)} GiB), already there: ${summary.alreadyThere}, failed: ${summary.failed}`,
        `Read in place (not copied, still read from where they are): ${summary.inPlace}`,
        `Time: ${summary.seconds.toFixed(1)} s`,
      ];
      for (const f of summary.failures.slice(0, 20)) lines.push(`  failed ${f.sopInstanceUid} (${f.blobKey}): ${f.reason}`);
      if (summary.failures.length > 20) lines.push(`  ... and ${summary.failures.length - 20} more`);
      if (summary.interrupted) lines.push('Interrupted: run the same command again to go on.');
      else if (summary.failed > 0) lines.push('Some files were not copied: fix what the reasons say and run the same command again (copied files are skipped).');
      else if (summary.switched) {
        lines.push(`Done: the archive's file store is now ${blobLocationUrl(to)}; commands and API nodes started from now on use it.`);
        lines.push(`Restart the API nodes still running; after that the local copies under ${opened.config.dataDir}/files may be removed.`);
      } else lines.push('Images kept being added while copying: stop the ingests, then run the same command again.');
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      process.exitCode = summary.interrupted ? 130 : summary.failed > 0 || !summary.switched ? 1 : 0;
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);
