// `nbia audit [downloads]` as the command line sees it: argument, options and help. The
// listing (audit.ts) needs the store module, so it loads when the command runs; `--help`
// and the other commands never pay for it.
import type { Command } from 'commander';
import { action, addStoreOptions } from './common.js';
import type { AuditFlags } from './audit.js';

/** How many events `nbia audit` lists without --limit. */
export const DEFAULT_LIMIT = 100;

function addFilterOptions(cmd: Command): Command {
  return addStoreOptions(
    cmd
      .option('--user <name>', 'only this account')
      .option('--since <when>', 'only from this time on: 24h, 7d, 2026-03-01, 2026-03-01T08:00 (UTC)')
      .option('--limit <n>', `the most recent N (default ${DEFAULT_LIMIT})`),
  );
}

export function registerAudit(program: Command): void {
  // One command with an optional `downloads` argument (not a subcommand), so that the
  // filter options read the same before or after it: `nbia audit downloads --user x`.
  addFilterOptions(
    program
      .command('audit')
      .argument('[downloads]', 'list downloads (getImage and friends, with bytes) instead of the audit trail')
      .description(
        'list the audit trail (logins, failed logins, logouts, user, grant and token changes), or with `downloads` ' +
          'the downloads; oldest first, times in UTC',
      ),
  ).action(
    action(async (what: string | undefined, flags: AuditFlags) => {
      const { runAudit } = await import('./audit.js');
      await runAudit(what, flags);
    }),
  );
}
