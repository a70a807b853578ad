// The client covers every NBIA endpoint the server registers (the server's own tables), and
// every endpoint it knows is one the server serves; and src/client stays browser-safe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ENDPOINTS } from '../../src/nbia/endpoints/index.js';
import { ADVANCED_ENDPOINTS } from '../../src/nbia/advanced/index.js';
import { endpointPaths } from '../../src/nbia/families.js';
import { ENDPOINTS, NbiaClient, functionName } from '../../src/client/index.js';
import { createTestStore } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { REPO } from '../cli/run.js';

const key = (family: string, name: string, method: string) => `${method} ${family}/${name}`;
const clientKeys = new Set(ENDPOINTS.map((e) => key(e.family, e.name, e.method)));

test('every endpoint in the server tables has a client function', () => {
  const missing: string[] = [];
  for (const def of [...SEARCH_ENDPOINTS, ...ADVANCED_ENDPOINTS]) {
    for (const family of def.families) if (!clientKeys.has(key(family, def.name, def.method))) missing.push(key(family, def.name, def.method));
  }
  assert.deepEqual(missing, []);
  const client = new NbiaClient('http://127.0.0.1:1');
  for (const e of ENDPOINTS) {
    const api = (e.family === 'advanced' ? client.advanced : client[e.family]) as unknown as Record<string, unknown>;
    assert.equal(typeof api[functionName(e)], 'function', `${e.family}.${functionName(e)}`);
  }
});

test('every client endpoint is routed by the server', async () => {
  const t = await createTestStore('sqlite');
  const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
  try {
    await app.ready();
    const unrouted = ENDPOINTS.filter((e) => !endpointPaths(e.family, e.name).every((url) => app.hasRoute({ method: e.method, url })));
    assert.deepEqual(unrouted, []);
    // And the session's two: the token endpoint and logout.
    assert.ok(app.hasRoute({ method: 'POST', url: '/nbia-api/oauth/token' }));
    assert.ok(app.hasRoute({ method: 'GET', url: '/nbia-api/logout' }));
    // The check can fail: a made-up endpoint is not routed.
    assert.equal(app.hasRoute({ method: 'GET', url: '/nbia-api/services/v4/getNothing' }), false);

    // The other way round, beyond the endpoint tables: every route under services/ (the
    // downloads and WADO-URI are registered apart from them) is one the client calls.
    const served = routes(app.printRoutes({ commonPrefix: false })).filter((r) => r.split(' ')[1]!.startsWith('/nbia-api/services/'));
    assert.ok(served.includes('GET /nbia-api/services/v1/wado') && served.includes('GET /nbia-api/services/v4/getDCMImage'), 'the route tree was read');
    const called = new Set(ENDPOINTS.map((e) => `${e.method} ${endpointPaths(e.family, e.name)[0]}`));
    const session = ['POST /nbia-api/services/oauth/token', 'GET /nbia-api/services/logout', 'POST /nbia-api/services/logout', 'GET /nbia-api/services/up'];
    assert.deepEqual(served.filter((r) => !called.has(r) && !session.includes(r)), []);
  } finally {
    await app.close();
    await t.dispose();
  }
});

/** `METHOD /path` of each route in Fastify's printRoutes tree (HEAD left out: it goes with GET). */
function routes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(path);
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method} ${path}`);
  }
  return out;
}

test('src/client imports nothing but its own modules and uses no Node-only globals', () => {
  const dir = path.join(REPO, 'src', 'client');
  const offenders: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('./')) offenders.push(`${file}: ${spec}`);
    }
    const code = source.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const global of ['Buffer', 'process', 'require(', '__dirname', 'setImmediate']) if (code.includes(global)) offenders.push(`${file}: ${global}`);
  }
  assert.deepEqual(offenders, []);
});
