// Latency of single requests against a running server, measured from this process: time to
// the first byte of the body and to its end, with the server's resident memory read from
// /proc; and throughput under many connections from wrk, a separate process.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

export interface Timing {
  status: number;
  firstByteMs: number;
  totalMs: number;
  bytes: number;
}

/** One GET; the body is counted and dropped, never held. */
export function timeGet(origin: string, pathAndQuery: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    let bytes = 0;
    http
      .get(`${origin}${pathAndQuery}`, { agent }, (res) => {
        res.on('data', (chunk: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          bytes += chunk.length;
        });
        res.on('end', () => {
          const totalMs = performance.now() - started;
          resolve({ status: res.statusCode ?? 0, firstByteMs: firstByteMs < 0 ? totalMs : firstByteMs, totalMs, bytes });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export interface Sampled {
  medianMs: number;
  p99Ms: number;
  firstByteMedianMs: number;
  bytes: number;
  status: number;
}

/** `rounds` timed requests after `warm` untimed ones; paths are taken in turn from `paths`. */
export async function sample(origin: string, paths: string[], rounds: number, warm = 2): Promise<Sampled> {
  for (let i = 0; i < warm; i++) await timeGet(origin, paths[i % paths.length]!);
  const totals: number[] = [];
  const firsts: number[] = [];
  let last: Timing | undefined;
  for (let i = 0; i < rounds; i++) {
    last = await timeGet(origin, paths[i % paths.length]!);
    if (last.status !== 200) throw new Error(`${paths[i % paths.length]} answered ${last.status}`);
    totals.push(last.totalMs);
    firsts.push(last.firstByteMs);
  }
  totals.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  return { medianMs: quantile(totals, 0.5), p99Ms: quantile(totals, 0.99), firstByteMedianMs: quantile(firsts, 0.5), bytes: last!.bytes, status: last!.status };
}

/** Resident and peak resident memory of a process, in MiB (Linux). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** Samples the process's RSS every 20 ms while `during` runs; the highest seen, in MiB. */
export async function peakRssDuring<T>(pid: number, during: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = memoryOf(pid).rssMiB;
  const timer = setInterval(() => (peak = Math.max(peak, memoryOf(pid).rssMiB)), 20);
  try {
    const result = await during();
    return { result, peakMiB: Math.max(peak, memoryOf(pid).rssMiB) };
  } finally {
    clearInterval(timer);
  }
}

export interface WrkResult {
  requestsPerSecond: number;
  medianMs: number;
  /** wrk's p99, which adds the requests a slow answer held back (coordinated omission). */
  p99Ms: number;
  non2xx: number;
}

const toMs = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);

/**
 * wrk with `connections` connections for `seconds`, each request a random one of
 * `paths` (chosen by a Lua script), so the server answers many different queries.
 */
export async function wrk(origin: string, paths: string[], connections: number, seconds: number): Promise<WrkResult> {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-wrk-')), 'paths.lua');
  fs.writeFileSync(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\n` +
      'math.randomseed(os.time())\n' +
      'request = function() return wrk.format("GET", paths[math.random(#paths)]) end\n',
  );
  try {
    const { stdout } = await promisify(execFile)('wrk', [`-t${Math.min(2, connections)}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, origin], { maxBuffer: 1 << 20 });
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
    const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(stdout);
    const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(stdout);
    const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
    if (!rps || !p50 || !p99) throw new Error(`could not read wrk's output:\n${stdout}`);
    return { requestsPerSecond: Number(rps[1]), medianMs: toMs(p50[1]!, p50[2]!), p99Ms: toMs(p99[1]!, p99[2]!), non2xx: Number(non2xx?.[1] ?? 0) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is not installed: apt-get install -y wrk', { cause: err });
    throw err;
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
}
