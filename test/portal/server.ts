// A real archive for the portal tests: `nbia serve` in a child process on a fresh data
// folder (the demo archive: three public collections and the restricted DEMO-RESTRICTED),
// plus a user granted DEMO-RESTRICTED, made with the `nbia` command as an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO, nbia, startCli } from '../cli/run.js';
import { tempDir } from '../helpers/stores.js';

export interface PortalServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export const USER = 'alice';
export const PASSWORD = 'portal-test-password';
export const RESTRICTED = 'DEMO-RESTRICTED';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function addUser(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'users', 'add', USER, '--password-stdin'], {
    cwd: REPO,
    env: { ...process.env, NBIA_DATA: dataDir },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.stdin!.end(`${PASSWORD}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`nbia users add exited ${code}`);
}

export async function startPortalServer(): Promise<PortalServer> {
  if (!fs.existsSync(path.join(REPO, 'dist/portal-static/index.html'))) throw new Error('the portal is not built: run `npm run build:portal`');
  const dataDir = tempDir('nbia-portal-');
  const port = await freePort();
  const { child, done } = startCli(['serve', '--host', '127.0.0.1', '--port', String(port)], { env: { NBIA_DATA: dataDir } });
  let log = '';
  child.stdout!.on('data', (d: string) => (log += d));
  child.stderr!.on('data', (d: string) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/nbia-api/services/up`).then((r) => r.ok, () => false);
    if (up) break;
    if (child.exitCode !== null || i > 600) throw new Error(`nbia serve did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await addUser(dataDir);
  const granted = await nbia(['grant', USER, RESTRICTED], { env: { NBIA_DATA: dataDir } });
  if (granted.code !== 0) throw new Error(`nbia grant failed: ${granted.stderr}`);
  return {
    url,
    dataDir,
    stop: async () => {
      (child as ChildProcess).kill('SIGTERM');
      await done;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
