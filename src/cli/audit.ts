// `nbia audit`: the audit trail (logins, failed logins, logouts, account, grant and token
// changes) and `nbia audit downloads`: who downloaded which series, how many bytes. The
// command and its options are in audit-command.ts, which loads this module when it runs.
import { listAuditEvents, listDownloadEvents, type AuditFilter } from '../auth/audit.js';
import { nowTimestamp } from '../store/db.js';
import { UserError } from '../errors.js';
import { withStore, type StoreFlags } from './common.js';
import { DEFAULT_LIMIT } from './audit-command.js';

export interface AuditFlags extends StoreFlags {
  user?: string;
  since?: string;
  limit?: string;
}

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

/** `nbia audit [downloads]`: the listing itself (registered in audit-command.ts). */
export async function runAudit(what: string | undefined, flags: AuditFlags): Promise<void> {
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
}
