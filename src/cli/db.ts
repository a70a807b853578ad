// `nbia db copy --to URL`: moves an index (the one --data/--database name) into another
// database, typically the SQLite index of a growing archive into PostgreSQL. The files stay
// where they are: both indexes name the same blob keys. The copy code loads when it runs.
import type { Command } from 'commander';
import { action, addStoreOptions, type StoreFlags } from './common.js';
import { usageErrorsExitWith2 } from './ingest.js';
import { resolveStoreConfig } from '../config.js';
import { UserError } from '../errors.js';

interface CopyFlags extends StoreFlags {
  to: string;
  replace?: boolean;
}

export function registerDb(program: Command): void {
  const db = program.command('db').summary('manage the index database: copy it into another one').description('Manage the index database.');
  usageErrorsExitWith2(db);
  addStoreOptions(
    db
      .command('copy')
      .description('copy the whole index (metadata, accounts, tokens, carts, audit) into another database; the target is migrated first')
      .requiredOption('--to <url>', 'the target database: postgres://user@host:port/db or sqlite:<path>')
      .option('--replace', 'delete what the target already holds (refused otherwise)'),
  )
    .addHelpText('after', '\nExample:\n  nbia db copy --data ./data --to postgres://nbia@127.0.0.1:5432/nbia\n  nbia serve --data ./data --database postgres://nbia@127.0.0.1:5432/nbia')
    .action(action(copy));
}

async function copy(flags: CopyFlags): Promise<void> {
  const config = resolveStoreConfig(flags);
  const [{ openStore, describeDatabaseUrl }, { copyStore }] = await Promise.all([import('../store/db.js'), import('../store/copy.js')]);
  if (config.databaseUrl === flags.to) throw new UserError('--to names the index being copied: give another database');
  const source = await openStore(config.databaseUrl);
  try {
    const target = await openStore(flags.to);
    try {
      const tty = process.stderr.isTTY;
      let shown = '';
      const report = await copyStore(source, target, {
        replace: flags.replace,
        onProgress: (p) => {
          const line = `copy ${p.table}: ${p.copied.toLocaleString('en')} / ${p.total.toLocaleString('en')} rows`;
          if (tty) process.stderr.write(`\r${line}\x1b[K`);
          else if (p.copied === p.total && line !== shown) process.stderr.write(`${line}\n`);
          shown = line;
        },
      });
      if (tty) process.stderr.write('\r\x1b[K');
      const rate = report.seconds > 0 ? Math.round(report.totalRows / report.seconds) : report.totalRows;
      process.stdout.write(
        `copied ${report.totalRows.toLocaleString('en')} rows from ${describeDatabaseUrl(config.databaseUrl)} to ${describeDatabaseUrl(flags.to)} ` +
          `in ${report.seconds.toFixed(1)} s (${rate.toLocaleString('en')} rows/s)\n` +
          Object.entries(report.rows)
            .filter(([, n]) => n > 0)
            .map(([t, n]) => `  ${t.padEnd(18)} ${n.toLocaleString('en')}\n`)
            .join('') +
          `serve it with: nbia serve --data ${config.dataDir} --database ${describeDatabaseUrl(flags.to)}\n`,
      );
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
