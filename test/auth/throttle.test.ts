// Failed logins are slowed and then refused (429 + Retry-After) per account and per
// address; counts live in the database, so two nodes share them; locks end by themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { lockMs } from '../../src/auth/throttle.js';
import { addTestUser, login, sleep, startApp } from './helpers.js';

test('lock lengths: free failures, then doubling from 1 s, capped at 15 minutes', () => {
  assert.equal(lockMs(5, 5), 0);
  assert.equal(lockMs(6, 5), 1000);
  assert.equal(lockMs(7, 5), 2000);
  assert.equal(lockMs(10, 5), 16000);
  assert.equal(lockMs(15, 5), 512000);
  assert.equal(lockMs(16, 5), 900000);
  assert.equal(lockMs(5000, 5), 900000);
  assert.equal(lockMs(21, 20), 1000);
});

for (const dialect of DIALECTS) {
  test(`${dialect}: failed logins on one account, spread over two nodes, lock it briefly with 429 and Retry-After`, async () => {
    const t = await createTestStore(dialect);
    const nodeA = await startApp(t);
    const nodeB = await startApp(t);
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      await addTestUser(t.store.db, 'bob', 'battery staple');
      // Six failures, alternating nodes and addresses: the account's count is shared.
      for (let i = 0; i < 6; i++) {
        const node = i % 2 === 0 ? nodeA : nodeB;
        const res = await login(node.app, 'alice', `wrong ${i}`, { address: `10.0.0.${i + 1}` });
        assert.equal(res.statusCode, 401, `failure ${i + 1} is a plain 401`);
      }
      const locked = await login(nodeA.app, 'alice', 'correct horse', { address: '10.0.0.99' });
      assert.equal(locked.statusCode, 429, 'even the right password waits out the lock');
      assert.equal(locked.headers['retry-after'], '1');
      assert.equal(locked.json().error, 'too_many_requests');
      const lockedToo = await login(nodeB.app, 'ALICE', 'correct horse', { address: '10.0.0.98' });
      assert.equal(lockedToo.statusCode, 429, 'case variants of the name share the lock');
      assert.equal((await login(nodeB.app, 'bob', 'battery staple', { address: '10.0.0.1' })).statusCode, 200, 'other accounts are unaffected');

      await sleep(1050);
      assert.equal((await login(nodeB.app, 'alice', 'correct horse', { address: '10.0.0.99' })).statusCode, 200, 'the lock ends by itself');
      // The success cleared the account's count: a new mistake is a plain 401 again.
      assert.equal((await login(nodeA.app, 'alice', 'wrong again', { address: '10.0.0.99' })).statusCode, 401);
      assert.equal((await login(nodeA.app, 'alice', 'correct horse', { address: '10.0.0.99' })).statusCode, 200);

      const audit = await t.store.db.selectFrom('audit_event').select(['event', 'user_name', 'address', 'detail']).where('user_name', '=', 'alice').orderBy('id').execute();
      const failed = audit.filter((a) => a.event === 'login_failed');
      assert.equal(failed.length, 7);
      assert.deepEqual(failed.slice(0, 6).map((a) => a.address), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
      assert.match(String(failed[5]?.detail), /refused for 1 s/);
      assert.equal(audit.filter((a) => a.event === 'login').length, 2);
    } finally {
      await nodeA.app.close();
      await nodeB.app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: many failed logins from one address lock that address, not the accounts or other addresses`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await addTestUser(t.store.db, 'bob', 'battery staple');
      const huge = await login(app, 'x'.repeat(100_000), 'guess', { address: '192.0.2.200' });
      assert.equal(huge.statusCode, 401, 'a name no account can have is a plain failure');
      const hugeRows = await t.store.db.selectFrom('login_failure').select('throttle_key').execute();
      assert.deepEqual(hugeRows, [{ throttle_key: 'addr:192.0.2.200' }], 'and gets no counter of its own');
      const attacker = '192.0.2.7';
      // Failures on different (unknown) names: no account reaches its limit, the address does.
      for (let i = 0; i < 3; i++) {
        assert.equal((await login(app, `nobody${i}`, 'guess', { address: attacker })).statusCode, 401, `failure ${i + 1}`);
      }
      const key = `addr:${attacker}`;
      const row = () => t.store.db.selectFrom('login_failure').select(['throttle_key', 'failures']).where('throttle_key', '=', key).execute();
      assert.deepEqual(await row(), [{ throttle_key: key, failures: 3 }]);
      // Stand in for 16 more failures (each costs an argon2 run), leaving the address at its free limit of 20 after one more.
      await t.store.db.updateTable('login_failure').set({ failures: 19 }).where('throttle_key', '=', key).execute();
      assert.equal((await login(app, 'nobody19', 'guess', { address: attacker })).statusCode, 401, 'failure 20 is still free');
      assert.equal((await login(app, 'bob', 'battery staple', { address: attacker })).statusCode, 200, 'at the limit, logins still work');
      assert.equal((await login(app, 'nobody20', 'guess', { address: attacker })).statusCode, 401, 'failure 21 starts a lock');
      const refused = await login(app, 'bob', 'battery staple', { address: attacker });
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal((await login(app, 'bob', 'battery staple', { address: '198.51.100.1' })).statusCode, 200, 'bob elsewhere is fine');
      assert.equal((await login(app, 'nbia_guest', '', { address: attacker })).statusCode, 200, 'the guest has no password to guess');
      assert.deepEqual(await row(), [{ throttle_key: key, failures: 21 }], 'refused attempts are not counted');
      const names = (await t.store.db.selectFrom('login_failure').select('throttle_key').orderBy('throttle_key').execute()).map((r) => r.throttle_key);
      assert.deepEqual(names, ['addr:192.0.2.200', key, 'user:nobody0', 'user:nobody1', 'user:nobody19', 'user:nobody2', 'user:nobody20']);
      await sleep(1050);
      assert.equal((await login(app, 'bob', 'battery staple', { address: attacker })).statusCode, 200, 'the address lock ends by itself');
    } finally {
      await app.close();
      await t.dispose();
    }
  });
}
