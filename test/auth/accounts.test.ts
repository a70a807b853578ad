// Account administration in-process, on both dialects: the checks on names and
// passwords, the guest's special place, and what removal and unlocking take with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import {
  addUser,
  ensureGuestUser,
  grantCollection,
  listUsers,
  removeUser,
  revokeAllTokens,
  revokeCollection,
  setUserPassword,
  unlockUser,
} from '../../src/auth/accounts.js';
import { recordLoginFailure, accountKey, lockRemainingMs } from '../../src/auth/throttle.js';
import { UserError } from '../../src/errors.js';
import { TEST_ACTOR, addTestUser, bearer, loginOk, probe, seedTwoCollections, startApp } from './helpers.js';

const userError = (pattern: RegExp) => (err: unknown) => err instanceof UserError && pattern.test(err.message);

for (const dialect of DIALECTS) {
  test(`${dialect}: account checks refuse bad names, short passwords, duplicates and changes to the guest`, async () => {
    const t = await createTestStore(dialect);
    try {
      const db = t.store.db;
      await seedTwoCollections(db);
      await assert.rejects(addUser(db, 'bad name', 'long enough pw', TEST_ACTOR), userError(/not a valid user name/));
      await assert.rejects(addUser(db, '', 'long enough pw', TEST_ACTOR), userError(/not a valid user name/));
      await assert.rejects(addUser(db, 'bob', 'short', TEST_ACTOR), userError(/at least 8 characters/));
      await addUser(db, 'bob', 'long enough pw', TEST_ACTOR);
      await assert.rejects(addUser(db, 'bob', 'long enough pw', TEST_ACTOR), userError(/"bob" exists already/));
      await assert.rejects(addUser(db, 'BOB', 'long enough pw', TEST_ACTOR), userError(/"bob" exists already/));
      await assert.rejects(addUser(db, 'nbia_guest', 'long enough pw', TEST_ACTOR), userError(/built-in public account/));
      await assert.rejects(removeUser(db, 'nbia_guest', TEST_ACTOR), userError(/built-in public account/));
      await assert.rejects(setUserPassword(db, 'nbia_guest', 'long enough pw', TEST_ACTOR), userError(/built-in public account/));
      await assert.rejects(grantCollection(db, 'nbia_guest', 'RESTR', TEST_ACTOR), userError(/make a collection public/));
      await assert.rejects(setUserPassword(db, 'nobody', 'long enough pw', TEST_ACTOR), userError(/there is no user "nobody"/));
      await assert.rejects(revokeCollection(db, 'bob', 'NOPE', TEST_ACTOR), userError(/there is no collection "NOPE"/));
      assert.equal((await revokeCollection(db, 'bob', 'RESTR', TEST_ACTOR)).changed, false, 'revoking what was never granted changes nothing');
      const pub = await grantCollection(db, 'bob', 'PUB', TEST_ACTOR);
      assert.deepEqual(pub, { changed: true, collection: 'PUB', isPublic: true });
      // The guest row is made once, however often it is asked for.
      const [a, b] = await Promise.all([ensureGuestUser(db), ensureGuestUser(db)]);
      assert.equal(a, b);
      assert.equal(await ensureGuestUser(db), a);
      const names = (await db.selectFrom('app_user').select('name').orderBy('name').execute()).map((r) => r.name);
      assert.deepEqual(names, ['bob', 'nbia_guest']);
    } finally {
      await t.dispose();
    }
  });

  test(`${dialect}: list, token revocation, unlock and removal`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      const db = t.store.db;
      await seedTwoCollections(db);
      await addTestUser(db, 'alice', 'correct horse');
      await addTestUser(db, 'carol', 'correct horse');
      await grantCollection(db, 'alice', 'RESTR', TEST_ACTOR);
      await grantCollection(db, 'alice', 'PUB', TEST_ACTOR);
      const s1 = await loginOk(app, 'alice', 'correct horse');
      await loginOk(app, 'alice', 'correct horse');
      const listed = await listUsers(db);
      assert.deepEqual(
        listed.map((u) => [u.name, u.collections, u.liveSessions]),
        [['alice', ['PUB', 'RESTR'], 2], ['carol', [], 0]],
      );

      assert.equal(await revokeAllTokens(db, 'alice', TEST_ACTOR), 4, 'two sessions, two tokens each');
      assert.equal((await probe(app, 'v1', bearer(s1.access_token))).statusCode, 401);
      assert.equal((await listUsers(db))[0]?.liveSessions, 0);

      // A lock from failed logins ends at once with unlock.
      for (let i = 0; i < 6; i++) await recordLoginFailure(db, [accountKey('alice')], Date.now());
      assert.ok((await lockRemainingMs(db, [accountKey('alice')], Date.now())) > 0);
      assert.equal(await unlockUser(db, 'alice', TEST_ACTOR), true);
      assert.equal(await lockRemainingMs(db, [accountKey('alice')], Date.now()), 0);

      const s3 = await loginOk(app, 'alice', 'correct horse');
      await removeUser(db, 'alice', TEST_ACTOR);
      assert.equal((await probe(app, 'v4', bearer(s3.access_token))).statusCode, 401, 'a removed user\'s token stops at once');
      const leftovers = await Promise.all([
        db.selectFrom('token').select('token_hash').where('session_id', '=', s3.session_state).execute(),
        db.selectFrom('collection_grant').selectAll().execute(),
      ]);
      assert.deepEqual(leftovers, [[], []]);
      const events = (await db.selectFrom('audit_event').select('event').orderBy('id').execute()).map((r) => r.event);
      assert.deepEqual(events.filter((e) => !e.startsWith('login')), ['user_add', 'user_add', 'grant', 'grant', 'tokens_revoke', 'user_unlock', 'user_remove']);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
}
