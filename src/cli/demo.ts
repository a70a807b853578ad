// `nbia demo --out DIR`: writes the demo archive as DICOM files, to look at or to ingest.
// The generator and the progress bar load when the command runs.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { DEMO_COLLECTIONS } from '../demo/collections.js';
import type { DemoWriteSummary } from '../demo/generate.js';
import { action } from './common.js';

interface DemoFlags {
  out?: string;
  quiet?: boolean;
}

const LAYOUT_HELP = `
What it writes (the same files, with the same UIDs, on every run):
${DEMO_COLLECTIONS.map((c) => `  ${c.name.padEnd(16)} ${c.public ? 'public    ' : 'restricted'} ${c.licenseName}`).join('\n')}
  about 40 patients, 1-2 studies each, CT, MR, PET and SEG series of 64x64 images,
  some 1,700 files and 17 MB, as DIR/<collection>/<patient>/<study>/<series>/<n>.dcm
  (Explicit VR Little Endian Part 10 files).

The server makes this archive by itself when it starts on an empty index (nbia serve,
unless --no-demo). To ingest the files by hand:
  nbia ingest DIR/DEMO-CT-LUNG --collection DEMO-CT-LUNG --public

Example:
  nbia demo --out ./demo-dicom
`;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('write the demo archive (synthetic CT, MR, PET/CT and SEG in 4 collections) as DICOM files')
    .option('--out <dir>', 'folder to write into; created when missing, existing demo files are overwritten')
    .option('-q, --quiet', 'no progress bar, only the summary')
    .addHelpText('after', LAYOUT_HELP)
    .action(action(demo));
}

async function demo(flags: DemoFlags): Promise<void> {
  if (!flags.out || flags.out.trim() === '') throw new UserError('tell me where to write: nbia demo --out DIR');
  const [{ default: cliProgress }, { writeDemoArchive }] = await Promise.all([import('cli-progress'), import('../demo/generate.js')]);
  const showBar = !flags.quiet && process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { format: 'writing the demo archive [{bar}] {value}/{total} files', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastCollection = '';
  const startedAt = performance.now();
  let summary: DemoWriteSummary;
  try {
    summary = writeDemoArchive(flags.out, {
      onFile: (done, total, file) => {
        if (showBar) {
          if (!started) bar.start(total, 0);
          started = true;
          if (done % 25 === 0 || done === total) bar.update(done);
        } else if (!flags.quiet && file.collection !== lastCollection) {
          // Without a terminal, one line per collection is progress enough.
          process.stderr.write(`writing ${file.collection} ...\n`);
        }
        lastCollection = file.collection;
      },
    });
  } finally {
    if (started) bar.stop();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const out = process.stdout;
  out.write(`wrote ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB, in ${seconds.toFixed(1)} s to ${summary.outDir}\n`);
  for (const c of summary.collections) {
    const access = DEMO_COLLECTIONS.find((d) => d.name === c.name)?.public ? 'public' : 'restricted';
    out.write(`  ${c.name.padEnd(16)} ${access.padEnd(10)} ${String(c.patients).padStart(3)} patients ${String(c.studies).padStart(3)} studies ${String(c.series).padStart(4)} series ${String(c.files).padStart(5)} files ${(c.bytes / 1e6).toFixed(1).padStart(6)} MB\n`);
  }
}
