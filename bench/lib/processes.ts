// Processes a bench starts beside the server under test: nginx with a throwaway config,
// curl downloads that discard the bytes, and readings of a child's CPU time and memory.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

// ---------------------------------------------------------------------------------------
// nginx with a throwaway config

export async function startNginx(dir: string): Promise<{ child: ChildProcess; port: number } | undefined> {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
  if (!binary) return undefined;
  const port = await freePort();
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  types { application/octet-stream bin; }
  server { listen 127.0.0.1:${port}; root ${dir}; }
}
`,
  );
  const child = spawn(binary, ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (await reachable(port)) return { child, port };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop(child);
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Stops a child we started, by its own handle; waits until it has exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------
// Clients that discard the bytes

let curlPresent: boolean | undefined;
export function hasCurl(): boolean {
  curlPresent ??= spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
  return curlPresent;
}

const NODE_CLIENT = `
const http = require('node:http');
const t0 = process.hrtime.bigint();
http.get(process.argv[1], { agent: false }, (res) => {
  let n = 0;
  res.on('data', (c) => (n += c.length));
  res.on('end', () => console.log(n + ' ' + Number(process.hrtime.bigint() - t0) / 1e9 + ' ' + res.statusCode));
}).on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/**
 * One download in a separate process; bytes received, MB/s (10^6 bytes per second) and the
 * client's CPU seconds (curl runs under sh, whose children's times are read when it is done).
 */
export function download(url: string): Promise<{ bytes: number; mbPerSecond: number; clientCpuSeconds: number }> {
  const [cmd, args] = hasCurl()
    ? ['sh', ['-c', 'curl -s -o /dev/null -w "%{size_download} %{time_total} %{http_code}" "$1"; echo; cat /proc/$$/stat', 'sh', url]]
    : [process.execPath, ['-e', NODE_CLIENT, url]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      const [line = '', stat] = out.trim().split('\n');
      const [bytes, seconds, status] = line.trim().split(' ').map(Number);
      if (code !== 0 || status !== 200 || !bytes || !seconds) return reject(new Error(`download of ${url} failed: ${out} (exit ${code})`));
      // Fields 16 and 17 of /proc/<pid>/stat: CPU time of waited-for children, user and system.
      const fields = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
      const clientCpuSeconds = stat ? (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND : NaN;
      resolve({ bytes, mbPerSecond: bytes / 1e6 / seconds, clientCpuSeconds });
    });
  });
}

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common platform. */
export const TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process (all its threads), in clock ticks. */
export function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  } catch {
    return NaN;
  }
}

export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

