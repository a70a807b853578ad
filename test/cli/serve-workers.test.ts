// `nbia serve --workers N`: N processes on one port behave as one server. A token issued
// through one worker works through the others and a logout holds on all of them; a worker
// that dies is replaced while the others answer; SIGTERM stops every process; a bad count
// is a usage error. Run on the compiled server, as an operator starts it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/stores.js';
import { startCli } from './run.js';

const servers: ServeProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

/** The worker processes of a primary (its children). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on a connection of its own, so that the primary deals each to the next worker. */
function freshGet(origin: string, path: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}${path}`, { agent: false, timeout: 10_000, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`no answer to ${path} in 10 s`));
      })
      .on('error', reject);
  });
}

async function guestToken(origin: string): Promise<string> {
  const res = await fetch(`${origin}/nbia-api/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'nbia_guest', password: '', grant_type: 'password', client_id: 'NBIA' }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

test('serve --workers 2: one server on one port; tokens and logout hold across workers; a dead worker is replaced; SIGTERM stops all', { timeout: 120_000 }, async () => {
  const server = await startServeProcess(['--data', tempDir('nbia-workers-'), '--workers', '2']);
  servers.push(server);
  await until('two workers', () => childrenOf(server.pid).length === 2);
  const workers = childrenOf(server.pid);

  const token = await guestToken(server.origin);
  const v2 = '/nbia-api/services/v2/getCollectionValues';
  const codes = await Promise.all(Array.from({ length: 12 }, () => freshGet(server.origin, v2, token)));
  assert.deepEqual(codes, Array(12).fill(200), 'the token is known to every worker');

  const logout = await fetch(`${server.origin}/nbia-api/logout`, { headers: { Authorization: `Bearer ${token}` } });
  assert.ok(logout.status < 300, `logout answered ${logout.status}`);
  const after = await Promise.all(Array.from({ length: 12 }, () => freshGet(server.origin, v2, token)));
  assert.deepEqual(after, Array(12).fill(401), 'logged out on every worker');

  // A worker killed outright: a new one takes its place, and the server answers as before.
  // (A connection dealt to the worker in the instant it died is lost with it, as with any
  // node of a pool that crashes: clients retry.)
  process.kill(workers[0]!, 'SIGKILL');
  await until('a replacement worker', () => {
    const now = childrenOf(server.pid);
    return now.length === 2 && !now.includes(workers[0]!);
  });
  const later = await Promise.all(Array.from({ length: 8 }, () => freshGet(server.origin, '/nbia-api/services/v4/getCollectionValues')));
  assert.deepEqual(later, Array(8).fill(200));

  const all = childrenOf(server.pid);
  await server.stop();
  await until('every worker to exit', () => all.every((pid) => !alive(pid)), 15_000);
});

test('serve --workers with a bad count is a usage error naming the flag', async () => {
  for (const bad of ['0', 'two', '65', '1.5']) {
    const { done } = startCli(['serve', '--data', tempDir('nbia-workers-bad-'), '--no-demo', '--port', '0', '--workers', bad]);
    const r = await done;
    assert.notEqual(r.code, 0, `--workers ${bad} exits non-zero`);
    assert.match(r.stderr, /--workers must be a whole number from 1 to 64/);
  }
});
