// The account commands, run as a user runs them (a child process of the real CLI), and
// their effect on a running server over the same database: on the next request.
// (Each run starts a Node process, so the finer input checks are tested in-process in
// accounts.test.ts and prompt.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';
import { addTestUser, bearer, login, loginOk, probe, seedTwoCollections, startApp } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `nbia ARGS` on the test store, with `stdin` piped in (stdin is a pipe, never a terminal). */
function nbia(t: TestStore, args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', t.dataDir, '--database', t.databaseUrl], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function ok(run: Run, what: string): Run {
  assert.equal(run.code, 0, `${what}: exit ${run.code}\n${run.stderr}`);
  return run;
}

// The three tests use separate stores; run together, their Node starts share the CPUs.
describe('the account commands', { concurrency: true }, () => {
  for (const dialect of DIALECTS) {
    // Every command runs on SQLite; on PostgreSQL the ones whose SQL differs most (each run
    // costs a Node start, and the account functions are tested on both dialects in-process).
    const full = dialect === 'sqlite';
    it(`${dialect}: users add, grant, revoke, ${full ? 'passwd, ' : ''}tokens revoke, audit${full ? ', list and remove' : ''} from the command line`, async () => {
      const t = await createTestStore(dialect);
      const { app } = await startApp(t);
      try {
        await seedTwoCollections(t.store.db);
        ok(await nbia(t, ['users', 'add', 'alice', '--password-stdin'], 'first password\n'), 'users add');
        const first = await loginOk(app, 'alice', 'first password');
        const seen = async (token: string) => (await probe(app, 'v2', bearer(token))).json().series.map((s: { Collection: string }) => s.Collection);
        assert.deepEqual(await seen(first.access_token), ['PUB']);

        assert.match(ok(await nbia(t, ['grant', 'alice', 'RESTR']), 'grant').stdout, /may now see RESTR/);
        assert.deepEqual(await seen(first.access_token), ['PUB', 'RESTR'], 'the grant acts on the next request');
        assert.match(ok(await nbia(t, ['revoke', 'alice', 'RESTR']), 'revoke').stdout, /may no longer see RESTR/);
        assert.deepEqual(await seen(first.access_token), ['PUB'], 'the revoke acts on the next request');

        let password = 'first password';
        const expectedEvents = ['user_add', 'login', 'grant', 'revoke'];
        if (full) {
          assert.match(ok(await nbia(t, ['users', 'passwd', 'alice', '--password-stdin'], 'second password\r\n'), 'passwd').stdout, /2 live token\(s\) revoked/);
          assert.equal((await probe(app, 'v2', bearer(first.access_token))).statusCode, 401, 'a new password ends old sessions');
          assert.equal((await login(app, 'alice', 'first password')).statusCode, 401);
          password = 'second password';
          expectedEvents.push('passwd', 'login_failed');
        }
        const second = await loginOk(app, 'alice', password);
        const third = await loginOk(app, 'alice', password);
        expectedEvents.push('login', 'login', 'tokens_revoke');
        const live = full ? 4 : 6;
        assert.match(ok(await nbia(t, ['tokens', 'revoke', 'alice']), 'tokens revoke').stdout, new RegExp(`^${live} live token\\(s\\) of "alice" revoked`));
        for (const tokens of [second, third]) assert.equal((await probe(app, 'v4', bearer(tokens.access_token))).statusCode, 401);

        if (!full) {
          const audit = ok(await nbia(t, ['audit', '--user', 'alice']), 'audit');
          assert.deepEqual(audit.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/)[1]), expectedEvents);
          return;
        }
        await t.store.db
          .insertInto('download_event')
          .values({ at: '2026-03-01 10:00:00.000', user_name: 'alice', series_instance_uid: '1.2.3.1', endpoint: 'v4/getImage', bytes: 123456, address: '203.0.113.9' })
          .execute();
        const [list, audit, downloads] = await Promise.all([
          nbia(t, ['users', 'list']),
          nbia(t, ['audit', '--user', 'alice']),
          nbia(t, ['audit', 'downloads', '--user', 'alice', '--since', '2026-03-01']),
        ]);
        assert.match(ok(list, 'users list').stdout, /^USER\s+CREATED \(UTC\)\s+SESSIONS\s+COLLECTIONS\n(.*\n)*alice\s+\d{4}-\d\d-\d\d [\d:.]+\s+0\s+-\n/);
        const events = ok(audit, 'audit').stdout.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/)[1]);
        assert.deepEqual(events, expectedEvents);
        assert.match(ok(downloads, 'audit downloads').stdout, /2026-03-01 10:00:00\.000\s+alice\s+v4\/getImage\s+1\.2\.3\.1\s+123456\s+203\.0\.113\.9/);

        ok(await nbia(t, ['users', 'remove', 'alice']), 'users remove');
        assert.equal((await login(app, 'alice', 'second password')).statusCode, 401);
        assert.equal(await t.store.db.selectFrom('app_user').select('id').where('name', '=', 'alice').executeTakeFirst(), undefined);
      } finally {
        await app.close();
        await t.dispose();
      }
    });
  }

  it('sqlite: the account commands refuse bad input with a clear message and a non-zero exit', async () => {
    const t = await createTestStore('sqlite');
    try {
      await seedTwoCollections(t.store.db);
      await addTestUser(t.store.db, 'alice', 'first password');
      const runs = await Promise.all([
        nbia(t, ['users', 'add', 'bob']), // no --password-stdin, and stdin is not a terminal
        nbia(t, ['users', 'add', 'ALICE', '--password-stdin'], 'another password'),
        nbia(t, ['grant', 'alice', 'NO-SUCH-COLLECTION']),
      ]);
      const expected = [
        /no terminal to ask for the password on: pipe it in with --password-stdin/,
        /user "alice" exists already/,
        /there is no collection "NO-SUCH-COLLECTION"/,
      ];
      runs.forEach((run, i) => {
        assert.equal(run.code, 2, `case ${i}: ${run.stderr}`);
        assert.match(run.stderr, expected[i]!);
        assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      });
      const users = await t.store.db.selectFrom('app_user').select('name').orderBy('name').execute();
      assert.deepEqual(users, [{ name: 'alice' }], 'nothing was added');
    } finally {
      await t.dispose();
    }
  });
});
