// The client covers every NBIA endpoint the server registers (the server's own tables), and
// every endpoint it knows is one the server serves; and src/client stays browser-safe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ENDPOINTS } from '../../src/nbia/endpoints/index.js';
import { ADVANCED_ENDPOINTS } from '../../src/nbia/advanced/index.js';
import { endpointPaths } from '../../src/nbia/families.js';
import { ENDPOINTS, NbiaClient } from '../../src/client/index.js';
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
    assert.equal(typeof api[e.name], 'function', `${e.family}.${e.name}`);
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
  } finally {
    await app.close();
    await t.dispose();
  }
});

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
