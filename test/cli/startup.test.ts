// `nbia --help` must not load what only the commands need: the server (fastify and its
// plugins), argon2 and the account store, the ingest workers, the demo generator. A module
// resolve hook in the child process records every module it loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { REPO } from './run.js';

/** Runs `nbia ARGS` and returns what it printed and every module URL it resolved. */
function loadedBy(args: string[]): { status: number | null; stdout: string; urls: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-startup-'));
  try {
    const log = path.join(dir, 'modules.log');
    const hooks = path.join(dir, 'hooks.mjs');
    fs.writeFileSync(
      hooks,
      `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}
`,
    );
    const register = path.join(dir, 'register.mjs');
    fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(register).href, path.join(REPO, 'src/cli/main.ts'), ...args], {
      cwd: REPO,
      encoding: 'utf8',
    });
    const urls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    return { status: child.status, stdout: child.stdout, urls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const loads = (urls: string[], part: string) => urls.some((u) => u.includes(part));

test('nbia --help registers every command without loading what the commands run', () => {
  const { status, stdout, urls } = loadedBy(['--help']);
  assert.equal(status, 0);
  for (const command of ['serve', 'ingest', 'collections', 'carts', 'demo', 'users', 'grant', 'revoke', 'tokens', 'audit']) {
    assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} is listed`);
  }
  // The recorder sees the modules that are loaded: the command files and commander.
  for (const part of ['/src/cli/serve.ts', '/src/cli/audit-command.ts', '/node_modules/commander/']) assert.ok(loads(urls, part), `${part} loaded`);
  const heavy = [
    '/node_modules/fastify/',
    '/node_modules/@fastify/',
    '/node_modules/argon2/',
    '/node_modules/cli-progress/',
    '/node_modules/dicom-parser/',
    '/src/server.ts',
    '/src/auth/accounts.ts',
    '/src/cli/audit.ts',
    '/src/demo/index.ts',
    '/src/demo/generate.ts',
    '/src/archive/carts.ts',
    '/node_modules/kysely/',
    '/node_modules/pg/',
    '/node_modules/better-sqlite3/',
    '/src/ingest/pool.ts',
    '/src/archive/collections.ts',
  ];
  assert.deepEqual(heavy.filter((part) => loads(urls, part)), [], 'loaded only to print the help');
});
