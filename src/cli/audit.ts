// `nbia audit`: the audit trail (logins, failed logins, logouts, account, grant and token
// changes) and `nbia audit downloads`: who downloaded which series, how many bytes.
import type { Command } from 'commander';
import { listAuditEvents, listDownloadEvents, type AuditFilter } from '../auth/audit.js';
import { nowTimestamp } from '../store/db.js';
import { UserError } from '../errors.js';
import { action, addStoreOptions, withStore, type StoreFlags } from './common.js';

interface AuditFlags extends StoreFlags {
  user?: string;
  since?: string;
  limit?: string;
}

const DEFAULT_LIMIT = 100;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now (`90m`, `24h`, `7d`), a date (`2026-03-01`) or a time
 * (`2026-03-01T08:00`, UTC unless it carries an offset). An impossible date is an error,
 * never rolled over into another day.
 */
export function parseSince(text: string, nowMs = Date.now()): string {
  const relative = /^(\d+)([smhd])$/.exec(text.trim());
  if (relative) return nowTimestamp(new Date(nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!));
  const absolute = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (absolute) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', zone = 'Z'] = absolute;
    const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
    const calendar = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    const real =
      calendar.getUTCFullYear() === Number(y) && calendar.getUTCMonth() === Number(mo) - 1 && calendar.getUTCDate() === Number(d);
    if (real && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60 && Number.isFinite(ms)) return nowTimestamp(new Date(ms));
  }
  throw new UserError(`--since "${text}" is not a time: use a duration (90m, 24h, 7d), a date (2026-03-01) or a UTC time (2026-03-01T08:00)`);
}

function filterFrom(flags: AuditFlags): AuditFilter {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new UserError(`--limit must be a positive whole number, not "${flags.limit}"`);
  return {
    limit,
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.since !== undefined ? { since: parseSince(flags.since) } : {}),
  };
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

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
      if (what !== undefined && what !== 'downloads') throw new UserError(`unknown audit list "${what}": use nbia audit, or nbia audit downloads`);
      const filter = filterFrom(flags);
      await withStore(flags, async ({ store }) => {
        if (what === 'downloads') {
          const rows = await listDownloadEvents(store.db, filter);
          if (rows.length === 0) return void process.stdout.write('no downloads match\n');
          process.stdout.write(
            formatTable(
              ['AT (UTC)', 'USER', 'ENDPOINT', 'SERIES', 'BYTES', 'ADDRESS'],
              rows.map((r) => [r.at, r.user_name, r.endpoint, r.series_instance_uid, String(r.bytes), r.address ?? '-']),
            ),
          );
          return;
        }
        const rows = await listAuditEvents(store.db, filter);
        if (rows.length === 0) return void process.stdout.write('no audit events match\n');
        process.stdout.write(
          formatTable(
            ['AT (UTC)', 'EVENT', 'USER', 'ADDRESS', 'DETAIL'],
            rows.map((r) => [r.at, r.event, r.user_name ?? '-', r.address ?? '-', r.detail ?? '']),
          ),
        );
      });
    }),
  );
}
