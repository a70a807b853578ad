// The run report: a JSON file under the data folder with the counts and every skipped
// file with its reason, so a long run's failures can be read (and re-run) afterwards.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IngestSummary, SkipReason } from './types.js';

export function defaultReportPath(dataDir: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
  return path.join(dataDir, 'reports', `ingest-${stamp}-${process.pid}.json`);
}

export interface ReportContext {
  startedAt: string;
  finishedAt: string;
  paths: readonly string[];
  inPlace: boolean;
  site: string | null;
  /** Set when the run stopped on an error. */
  error?: string;
}

export async function writeReport(file: string, summary: IngestSummary, context: ReportContext): Promise<void> {
  const { skipped, ...counts } = summary;
  const body = {
    command: 'ingest',
    ...context,
    ...counts,
    skippedByReason: countByReason(summary),
    skipped,
  };
  await fs.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await fs.writeFile(partial, `${JSON.stringify(body, null, 2)}\n`);
  await fs.rename(partial, file);
}

export function countByReason(summary: Pick<IngestSummary, 'skipped'>): Partial<Record<SkipReason, number>> {
  const counts: Partial<Record<SkipReason, number>> = {};
  for (const s of summary.skipped) counts[s.reason] = (counts[s.reason] ?? 0) + 1;
  return counts;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The lines printed at the end of a run. */
export function formatSummary(summary: IngestSummary, maxSkippedLines = 10): string[] {
  const rate = summary.seconds > 0 ? summary.filesSeen / summary.seconds : 0;
  const lines = [
    `${summary.interrupted ? 'interrupted' : 'done'}: collection "${summary.collection}": ${summary.filesSeen} files seen, ` +
      `${summary.filesAdded} added (${formatBytes(summary.bytesAdded)}), ${summary.filesAlreadyPresent} already present, ` +
      `${summary.filesSkipped} skipped; ${summary.seriesTouched} series updated; ` +
      `${summary.seconds.toFixed(1)} s (${rate.toFixed(0)} files/s, ${formatBytes(summary.seconds > 0 ? summary.bytesSeen / summary.seconds : 0)}/s)`,
  ];
  if (summary.skipped.length > 0) {
    const byReason = Object.entries(countByReason(summary))
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    lines.push(`skipped (${byReason}):`);
    for (const s of summary.skipped.slice(0, maxSkippedLines)) lines.push(`  ${s.path}: ${s.reason}: ${s.message}`);
    if (summary.skipped.length > maxSkippedLines) lines.push(`  ... and ${summary.skipped.length - maxSkippedLines} more (see the report)`);
  }
  if (summary.reportFile) lines.push(`report: ${summary.reportFile}`);
  return lines;
}
