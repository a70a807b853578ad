// Two `nbia serve` processes on one PostgreSQL index and one file store, behind nginx as a
// round-robin load balancer (the deployment the README shows). Nothing a request depends on
// may live in one node's memory: tokens, logout, grants and revokes, login throttling and
// newly ingested series must hold on every node from the next request on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestStore, tempDir, type TestStore } from '../helpers/stores.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { seedArchive, ALICE_PASSWORD, BOB_PASSWORD } from '../fixtures/nbia/seed.js';
import { grantCollection, revokeCollection } from '../../src/auth/accounts.js';
import { ctInstance, newUid } from '../ingest/dicom-files.js';
import { ingestInto } from '../ingest/helpers.js';

const ACTOR = { address: null, description: 'multi-node test' };

let t: TestStore;
let nodes: ServeProcess[] = [];
let nginx: ChildProcess | undefined;
let balancer = '';
let nginxDir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The nginx configuration of the README's deployment, with this test's ports and temp paths. */
function nginxConfig(dir: string, port: number, upstreams: number[]): string {
  return `
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream nbia {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 100m;
    location / {
      proxy_pass http://nbia;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers at ${url}: ${fs.readFileSync(path.join(nginxDir, 'error.log'), 'utf8')}`);
}

before(async () => {
  t = await createTestStore('postgres');
  await seedArchive(t.store.db);
  // Two nodes, each its own process, sharing the index and the file store.
  nodes = await Promise.all([0, 1].map(() => startServeProcess(['--data', t.dataDir, '--database', t.databaseUrl, '--trust-proxy'])));
  nginxDir = tempDir('nbia-nginx-');
  const port = await freePort();
  fs.writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, port, nodes.map((n) => n.port)));
  nginx = spawn('nginx', ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.once('error', (err) => {
    throw new Error(`cannot start nginx (apt-get install -y nginx-light): ${err.message}`);
  });
  balancer = `http://127.0.0.1:${port}`;
  await waitForHttp(`${balancer}/nbia-api/services/v1/getCollectionValues`);
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await Promise.all(nodes.map((n) => n.stop()));
  await t?.dispose();
  if (nginxDir) fs.rmSync(nginxDir, { recursive: true, force: true });
});

async function login(origin: string, user: string, password: string): Promise<Response> {
  return fetch(`${origin}/nbia-api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user, password, grant_type: 'password', client_id: 'NBIA' }).toString(),
  });
}

async function tokenFrom(origin: string, user: string, password: string): Promise<string> {
  const r = await login(origin, user, password);
  assert.equal(r.status, 200, `login of ${user}: ${await r.clone().text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** The collections a token sees through v2 (which needs a token): null when refused. */
async function collectionsSeen(origin: string, token: string): Promise<string[] | null> {
  const r = await fetch(`${origin}/nbia-api/services/v2/getCollectionValues`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status === 401) return null;
  assert.equal(r.status, 200, await r.clone().text());
  return ((await r.json()) as Array<{ Collection: string }>).map((c) => c.Collection).sort();
}

test('nginx spreads requests over both nodes', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await fetch(`${balancer}/nbia-api/services/v1/getCollectionValues`);
    assert.equal(r.status, 200);
    seen.add(r.headers.get('x-upstream') ?? '');
  }
  assert.deepEqual([...seen].sort(), nodes.map((n) => `127.0.0.1:${n.port}`).sort());
});

test('a token issued by one node works on the other and through the balancer; logout on one ends it on all', async () => {
  const [a, b] = nodes as [ServeProcess, ServeProcess];
  const token = await tokenFrom(a.origin, 'alice', ALICE_PASSWORD);
  assert.deepEqual(await collectionsSeen(b.origin, token), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);
  for (let i = 0; i < 4; i++) assert.deepEqual(await collectionsSeen(balancer, token), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);

  const out = await fetch(`${b.origin}/nbia-api/logout`, { headers: { authorization: `Bearer ${token}` } });
  assert.ok(out.status < 300, `logout answered ${out.status}`);
  assert.equal(await collectionsSeen(a.origin, token), null);
  assert.equal(await collectionsSeen(b.origin, token), null);
});

test('grant and revoke take effect on every node on the next request', async () => {
  const [a, b] = nodes as [ServeProcess, ServeProcess];
  const token = await tokenFrom(b.origin, 'bob', BOB_PASSWORD);
  assert.deepEqual(await collectionsSeen(a.origin, token), ['LIDC-Demo', 'breast-mini']);
  await grantCollection(t.store.db, 'bob', 'Secret-Trial', ACTOR);
  assert.deepEqual(await collectionsSeen(a.origin, token), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);
  assert.deepEqual(await collectionsSeen(b.origin, token), ['LIDC-Demo', 'Secret-Trial', 'breast-mini']);
  await revokeCollection(t.store.db, 'bob', 'Secret-Trial', ACTOR);
  assert.deepEqual(await collectionsSeen(a.origin, token), ['LIDC-Demo', 'breast-mini']);
  assert.deepEqual(await collectionsSeen(b.origin, token), ['LIDC-Demo', 'breast-mini']);
});

test('failed logins counted on both nodes lock the account on both', async () => {
  const [a, b] = nodes as [ServeProcess, ServeProcess];
  // Five failures are free (ACCOUNT_FREE_FAILURES), spread over the two nodes; the sixth starts a lock.
  for (let i = 0; i < 6; i++) {
    const r = await login(nodes[i % 2]!.origin, 'alice', 'wrong password');
    assert.ok(r.status === 401 || r.status === 400 || r.status === 429, `failure ${i + 1} answered ${r.status}`);
  }
  // The right password, on the node that saw only three of the failures: refused while the lock lasts.
  const locked = await login(a.origin, 'alice', ALICE_PASSWORD);
  assert.equal(locked.status, 429, await locked.text());
  assert.ok(Number(locked.headers.get('retry-after')) >= 1);
  // A lock ends by itself (1 s for the first); then the right password works on the other node.
  await new Promise((r) => setTimeout(r, Number(locked.headers.get('retry-after')) * 1000 + 200));
  assert.equal((await login(b.origin, 'alice', ALICE_PASSWORD)).status, 200);
});

test('series ingested while the nodes run are listed by both', async () => {
  const folder = tempDir('nbia-multi-ingest-');
  try {
    const seriesUid = newUid();
    for (let i = 1; i <= 3; i++) fs.writeFileSync(path.join(folder, `${i}.dcm`), ctInstance({ patientId: 'MULTI-1', seriesUid, studyUid: '1.2.3.99', instanceNumber: i }));
    await ingestInto(t, [folder], { collection: 'Multi-Node', public: true });
    for (const origin of [...nodes.map((n) => n.origin), balancer, balancer]) {
      const r = await fetch(`${origin}/nbia-api/services/v1/getSeries?Collection=Multi-Node`);
      assert.equal(r.status, 200);
      const rows = (await r.json()) as Array<{ SeriesInstanceUID: string; ImageCount: number }>;
      assert.deepEqual(rows.map((s) => [s.SeriesInstanceUID, s.ImageCount]), [[seriesUid, 3]]);
      // And its files download through any node, from the shared file store.
      const zip = await fetch(`${origin}/nbia-api/services/v1/getImage?SeriesInstanceUID=${seriesUid}`);
      assert.equal(zip.status, 200);
      const body = Buffer.from(await zip.arrayBuffer());
      assert.equal(body.length, Number(zip.headers.get('content-length')));
      assert.equal(body.readUInt32LE(0), 0x04034b50, 'a ZIP local file header');
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
