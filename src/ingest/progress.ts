// A single updating progress line on a terminal: files, bytes, rate and ETA. Drawn at most
// ten times a second, and only when the stream is a TTY (logs and pipes get the summary).
import type { IngestProgress } from './types.js';
import { formatBytes } from './report.js';

export interface ProgressLine {
  update(p: IngestProgress): void;
  /** Clears the line, so the summary starts on a clean one. */
  done(): void;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function formatProgress(p: IngestProgress): string {
  const pct = p.bytesTotal > 0 ? (100 * p.bytesDone) / p.bytesTotal : p.filesTotal > 0 ? (100 * p.filesDone) / p.filesTotal : 100;
  const eta = p.etaSeconds === null ? '--:--' : formatDuration(p.etaSeconds);
  return (
    `ingest ${pct.toFixed(0).padStart(3)}% ${p.filesDone}/${p.filesTotal} files ` +
    `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ` +
    `${p.filesPerSecond.toFixed(0)} files/s ${formatBytes(p.bytesPerSecond)}/s ETA ${eta} ` +
    `(added ${p.added}, present ${p.alreadyPresent}, skipped ${p.skipped})`
  );
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressLine | null {
  if (!stream.isTTY) return null;
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.filesDone < p.filesTotal) return;
      last = now;
      const width = Math.max(20, (stream.columns || 100) - 1);
      stream.write(`\r\x1b[2K${formatProgress(p).slice(0, width)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
