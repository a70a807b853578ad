// The downloader's fetch over node:http: what the client library relies on (status, headers,
// text bodies, POST forms, redirects, abort), and the node:http message of a body, read
// directly without the web body taking a byte of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createHttpFetch, nodeBody } from '../../src/download/http-fetch.js';

const big = randomBytes(3 * 1024 * 1024);
let server: http.Server;
let base: string;
const { fetch, close } = createHttpFetch();

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/json') return res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' }).end('{"a":1}');
    if (url.pathname === '/big') return res.writeHead(200, { 'content-length': big.length }).end(big);
    if (url.pathname === '/form') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.headers['content-type']} ${body}`));
      return;
    }
    if (url.pathname === '/see-other') return res.writeHead(303, { location: '/form' }).end();
    if (url.pathname === '/moved') return res.writeHead(307, { location: `${base}/json` }).end();
    if (url.pathname === '/missing') return res.writeHead(404, { 'content-type': 'text/plain' }).end('no such series');
    if (url.pathname === '/empty') return res.writeHead(204).end();
    if (url.pathname === '/stall') return res.writeHead(200, { 'content-length': 10 }).write('12345');
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('status, headers and a JSON body read through the web body', async () => {
  const res = await fetch(`${base}/json`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('etag'), '"v1"');
  assert.deepEqual(await res.json(), { a: 1 });
  const missing = await fetch(`${base}/missing`);
  assert.equal(missing.status, 404);
  assert.equal(missing.ok, false);
  assert.equal(await missing.text(), 'no such series');
  const empty = await fetch(`${base}/empty`);
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
});

test('a POST form; redirects followed (303 turns into a GET without the body)', async () => {
  const posted = await fetch(`${base}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
  assert.equal(await posted.text(), 'POST application/x-www-form-urlencoded a=1&b=2');
  const seeOther = await fetch(`${base}/see-other`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
  assert.equal(await seeOther.text(), 'GET undefined ');
  const moved = await fetch(`${base}/moved`);
  assert.deepEqual(await moved.json(), { a: 1 });
});

test('the node:http message holds every byte of a large body (the web body took none)', async () => {
  for (let round = 0; round < 2; round++) {
    const res = await fetch(`${base}/big`);
    const msg = nodeBody(res);
    assert.ok(msg, 'a node:http message');
    const chunks: Buffer[] = [];
    for await (const c of msg) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(big), `round ${round}`);
  }
});

test('an aborted request rejects with an AbortError', async () => {
  const ac = new AbortController();
  const res = await fetch(`${base}/stall`, { signal: ac.signal });
  const msg = nodeBody(res)!;
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(
    (async () => {
      for await (const c of msg) void c;
    })(),
    (e: unknown) => (e as Error).name === 'AbortError' || /abort/i.test((e as Error).message),
  );
});
