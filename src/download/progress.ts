// Progress of a download run: on a terminal, one bar with the bytes, rate, ETA and series
// done; elsewhere (logs, CI), one plain line per event. Both end with the same summary.
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';

export interface Progress {
  start(totalBytes: number, totalSeries: number, alreadyBytes: number): void;
  bytes(n: number): void;
  /** A line about one series (done, retried, failed). */
  note(line: string): void;
  seriesDone(): void;
  stop(): void;
}

const MiB = 1024 * 1024;

export function createProgress(stream: Writable & { isTTY?: boolean }): Progress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class BarProgress implements Progress {
  private bar: cliProgress.SingleBar;
  private done = 0;
  private total = 0;
  constructor(private readonly stream: Writable) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: '{bar} {percentage}% | {mib}/{totalMib} MiB | {rate} MiB/s | ETA {eta_formatted} | series {done}/{series}',
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(totalBytes: number, totalSeries: number, alreadyBytes: number): void {
    this.total = totalSeries;
    this.started = Date.now();
    this.base = alreadyBytes;
    this.bar.start(Math.max(totalBytes, 1), alreadyBytes, this.payload(alreadyBytes, totalBytes));
  }
  private started = 0;
  private base = 0;
  private value = 0;
  private payload(value: number, total = this.bar.getTotal()) {
    const seconds = (Date.now() - this.started) / 1000;
    return {
      mib: (value / MiB).toFixed(1),
      totalMib: (total / MiB).toFixed(1),
      rate: seconds > 0 ? ((value - this.base) / MiB / seconds).toFixed(1) : '0.0',
      done: this.done,
      series: this.total,
    };
  }
  bytes(n: number): void {
    this.value = Math.max(0, this.value + n);
    this.bar.update(this.base + this.value, this.payload(this.base + this.value));
  }
  note(line: string): void {
    // Above the bar, which redraws below it.
    this.stream.write(`\r\x1b[K${line}\n`);
    this.bar.render();
  }
  seriesDone(): void {
    this.done++;
    this.bar.update(this.base + this.value, this.payload(this.base + this.value));
  }
  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  constructor(private readonly stream: Writable) {}
  start(totalBytes: number, totalSeries: number): void {
    this.stream.write(`downloading ${totalSeries} series, ${(totalBytes / MiB).toFixed(1)} MiB\n`);
  }
  bytes(): void {}
  note(line: string): void {
    this.stream.write(`${line}\n`);
  }
  seriesDone(): void {}
  stop(): void {}
}
