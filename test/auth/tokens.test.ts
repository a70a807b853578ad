// Token flows against a real app on both dialects: the reply every client reads, password
// checks, the guest, refresh rotation, expiry, logout, and tokens outliving a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { openStore } from '../../src/store/db.js';
import { addTestUser, bearer, form, login, loginOk, probe, refresh, seedTwoCollections, sleep, startApp } from './helpers.js';

const REPLY_KEYS = [
  'access_token', 'expires_in', 'id_token', 'not-before-policy', 'refresh_expires_in', 'refresh_token', 'scope', 'session_state', 'token_type',
].sort();

for (const dialect of DIALECTS) {
  test(`${dialect}: a password login answers the field set and types clients read, and stores only hashes`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      for (const path of ['/nbia-api/oauth/token', '/nbia-api/services/oauth/token']) {
        const res = await login(app, 'alice', 'correct horse', { path });
        assert.equal(res.statusCode, 200, res.body);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.headers['cache-control'], 'no-store');
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), REPLY_KEYS);
        // Integers in the JSON text itself (the Data Retriever's struct has int fields).
        assert.match(res.body, /"expires_in":7200[,}]/);
        assert.match(res.body, /"refresh_expires_in":86400[,}]/);
        assert.match(res.body, /"not-before-policy":0[,}]/);
        assert.equal(body.token_type, 'Bearer');
        assert.equal(body.scope, 'openid profile email');
        for (const key of ['access_token', 'refresh_token', 'id_token', 'session_state']) {
          assert.equal(typeof body[key], 'string');
          assert.ok(body[key].length >= 32, `${key} is long enough to be unguessable`);
        }
        assert.notEqual(body.access_token, body.refresh_token);
        const stored = await t.store.db.selectFrom('token').select(['token_hash', 'kind', 'session_id']).where('session_id', '=', body.session_state).execute();
        const sha = (s: string) => createHash('sha256').update(s).digest('hex');
        assert.deepEqual(
          stored.map((r) => [r.kind, r.token_hash]).sort(),
          [['access', sha(body.access_token)], ['refresh', sha(body.refresh_token)]].sort(),
        );
        const everything = JSON.stringify(await t.store.db.selectFrom('token').selectAll().execute());
        assert.ok(!everything.includes(body.access_token) && !everything.includes(body.refresh_token), 'no raw token in the database');
        assert.equal((await probe(app, 'v2', bearer(body.access_token))).json().viewer, 'alice');
      }
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: client ids, grant types and missing fields are answered the OAuth2 way`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      const post = (fields: Record<string, string>) =>
        app.inject({ method: 'POST', url: '/nbia-api/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
      for (const client of ['NBIA', 'nbia', 'nbiaRestAPIClient']) {
        const res = await post({ grant_type: 'password', client_id: client, client_secret: 'ItsBetweenUAndMe', scope: 'openid', username: 'alice', password: 'correct horse' });
        assert.equal(res.statusCode, 200, `${client}: ${res.body}`);
      }
      const upper = await post({ grant_type: 'PASSWORD', client_id: 'NBIA', username: 'alice', password: 'correct horse' });
      assert.equal(upper.statusCode, 200, 'grant_type is compared case-insensitively');
      const badClient = await post({ grant_type: 'password', client_id: 'evil', username: 'alice', password: 'correct horse' });
      assert.equal(badClient.statusCode, 401);
      assert.equal(badClient.json().error, 'invalid_client');
      const unsupported = await post({ grant_type: 'client_credentials', client_id: 'NBIA' });
      assert.equal(unsupported.statusCode, 400);
      assert.equal(unsupported.json().error, 'unsupported_grant_type');
      const noGrant = await post({ username: 'alice', password: 'correct horse' });
      assert.equal(noGrant.statusCode, 400);
      assert.equal(noGrant.json().error, 'invalid_request');
      assert.match(noGrant.json().error_description, /grant_type/);
      const noUser = await post({ grant_type: 'password', password: 'x' });
      assert.equal(noUser.statusCode, 400);
      assert.match(noUser.json().error_description, /username/);
      const noRefresh = await post({ grant_type: 'refresh_token' });
      assert.equal(noRefresh.statusCode, 400);
      assert.match(noRefresh.json().error_description, /refresh_token/);
      const twice = await app.inject({
        method: 'POST', url: '/nbia-api/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=password&username=alice&username=bob&password=x',
      });
      assert.equal(twice.statusCode, 400);
      const get = await app.inject({ method: 'GET', url: '/nbia-api/oauth/token' });
      assert.equal(get.statusCode, 405);
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: nbia_guest logs in with any password and sees public collections only; other passwords are checked`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await seedTwoCollections(t.store.db);
      await addTestUser(t.store.db, 'alice', 'correct horse');
      for (const password of ['', 'ItsBetweenUAndMe', 'anything at all']) {
        const tokens = await loginOk(app, 'nbia_guest', password);
        const seen = (await probe(app, 'v2', bearer(tokens.access_token))).json();
        assert.deepEqual(seen, { viewer: 'guest', series: [{ Collection: 'PUB', SeriesInstanceUID: '1.2.3.1' }] });
      }
      const noPassword = await app.inject({
        method: 'POST', url: '/nbia-api/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'password', username: 'nbia_guest' }),
      });
      assert.equal(noPassword.statusCode, 200, 'the guest needs no password field at all');
      const guestRows = await t.store.db.selectFrom('app_user').select(['name', 'password_hash']).where('name', '=', 'nbia_guest').execute();
      assert.deepEqual(guestRows, [{ name: 'nbia_guest', password_hash: null }], 'one guest row, created on first login');

      const wrong = await login(app, 'alice', 'wrong horse');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error, 'invalid_grant');
      const unknown = await login(app, 'mallory', 'correct horse');
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(unknown.json(), wrong.json(), 'an unknown account is answered like a wrong password');
      const caseVariant = await login(app, 'Alice', 'correct horse');
      assert.equal(caseVariant.statusCode, 401, 'user names are exact');
      const empty = await login(app, 'alice', '');
      assert.equal(empty.statusCode, 401);
      const hash = (await t.store.db.selectFrom('app_user').select('password_hash').where('name', '=', 'alice').executeTakeFirstOrThrow()).password_hash;
      assert.match(String(hash), /^\$argon2id\$/);
      assert.ok(!String(hash).includes('correct horse'));
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: a refresh rotates both tokens and the used refresh token stops working`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      const first = await loginOk(app, 'alice', 'correct horse');
      const res = await refresh(app, first.refresh_token);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /"expires_in":7200[,}]/);
      const second = res.json();
      assert.notEqual(second.access_token, first.access_token);
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.equal(second.session_state, first.session_state, 'a refresh continues the session');
      assert.equal((await probe(app, 'v2', bearer(second.access_token))).json().viewer, 'alice');

      const reused = await refresh(app, first.refresh_token);
      assert.equal(reused.statusCode, 401);
      assert.equal(reused.json().error, 'invalid_grant');
      const third = await refresh(app, second.refresh_token);
      assert.equal(third.statusCode, 200, 'the new refresh token works');

      const accessAsRefresh = await refresh(app, third.json().access_token);
      assert.equal(accessAsRefresh.statusCode, 401);
      assert.equal(accessAsRefresh.json().error, 'invalid_grant');
      // Two nodes or two threads racing with one refresh token: exactly one wins.
      const contested = (await refresh(app, third.json().refresh_token)).json().refresh_token as string;
      const race = await Promise.all([refresh(app, contested), refresh(app, contested), refresh(app, contested)]);
      assert.deepEqual(race.map((r) => r.statusCode).sort(), [200, 401, 401]);
      const garbage = await refresh(app, 'not-a-token');
      assert.equal(garbage.statusCode, 401);
      assert.equal(garbage.json().error, 'invalid_grant');
      const refreshAsAccess = await probe(app, 'v2', bearer(third.json().refresh_token));
      assert.equal(refreshAsAccess.statusCode, 401);
      assert.match(refreshAsAccess.json().error_description, /refresh token/);
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: tokens expire when they say, access and refresh alike`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t, { tokenLifetimeSeconds: 2, refreshLifetimeSeconds: 4 });
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      // Sleeps are measured from when a login answered, so a slow machine cannot make this flaky.
      const spare = await loginOk(app, 'alice', 'correct horse');
      const spareIssuedBy = Date.now();
      const res = await login(app, 'alice', 'correct horse');
      const issuedBy = Date.now();
      assert.match(res.body, /"expires_in":2[,}]/);
      assert.match(res.body, /"refresh_expires_in":4[,}]/);
      const tokens = res.json();
      assert.equal((await probe(app, 'v2', bearer(tokens.access_token))).statusCode, 200);
      await sleep(issuedBy + 2050 - Date.now());
      const expired = await probe(app, 'v4', bearer(tokens.access_token));
      assert.equal(expired.statusCode, 401, 'expired even where anonymous access is allowed');
      assert.equal(expired.json().error, 'invalid_token');
      assert.match(expired.json().error_description, /expired/);
      const renewed = await refresh(app, tokens.refresh_token);
      assert.equal(renewed.statusCode, 200, 'the refresh token outlives the access token');
      await sleep(spareIssuedBy + 4050 - Date.now());
      const late = await refresh(app, spare.refresh_token);
      assert.equal(late.statusCode, 401, 'a refresh token issued over 4 s ago has expired');
      assert.match(late.json().error_description, /expired/);
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: logout revokes the access and refresh tokens of the session at once`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      const other = await loginOk(app, 'alice', 'correct horse');
      for (const [method, url] of [['GET', '/nbia-api/logout'], ['POST', '/nbia-api/services/logout']] as const) {
        const tokens = await loginOk(app, 'alice', 'correct horse');
        const out = await app.inject({ method, url, headers: { authorization: bearer(tokens.access_token) } });
        assert.equal(out.statusCode, 200, out.body);
        assert.match(String(out.headers['content-type']), /^application\/json/);
        const after = await probe(app, 'v1', bearer(tokens.access_token));
        assert.equal(after.statusCode, 401);
        assert.match(after.json().error_description, /revoked/);
        assert.equal((await refresh(app, tokens.refresh_token)).statusCode, 401, 'the refresh token died with the session');
        const again = await app.inject({ method, url, headers: { authorization: bearer(tokens.access_token) } });
        assert.equal(again.statusCode, 401);
      }
      assert.equal((await probe(app, 'v2', bearer(other.access_token))).statusCode, 200, 'another session of the same user is untouched');
      const anonymous = await app.inject({ method: 'GET', url: '/nbia-api/logout' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().error, 'invalid_token');
      assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
      // An expired (not revoked) access token may still end its session: that only takes rights away.
      const aged = await loginOk(app, 'alice', 'correct horse');
      await t.store.db.updateTable('token').set({ expires_at: '2001-01-01 00:00:00.000' }).where('session_id', '=', aged.session_state).where('kind', '=', 'access').execute();
      assert.equal((await app.inject({ method: 'GET', url: '/nbia-api/logout', headers: { authorization: bearer(aged.access_token) } })).statusCode, 200);
      assert.equal((await refresh(app, aged.refresh_token)).statusCode, 401, 'the session\'s refresh token is revoked');
      const stillIn = await loginOk(app, 'alice', 'correct horse');
      const head = await app.inject({ method: 'HEAD', url: '/nbia-api/logout', headers: { authorization: bearer(stillIn.access_token) } });
      assert.notEqual(head.statusCode, 200);
      assert.equal((await probe(app, 'v2', bearer(stillIn.access_token))).statusCode, 200, 'a HEAD does not log out');
      const undefinedBearer = await app.inject({ method: 'GET', url: '/nbia-api/logout', headers: { authorization: 'Bearer undefined' } });
      assert.equal(undefinedBearer.statusCode, 401);
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: tokens survive a restart and every node sharing the database honours a logout`, async () => {
    const t = await createTestStore(dialect);
    const first = await startApp(t);
    let secondStore: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      await addTestUser(t.store.db, 'alice', 'correct horse');
      const tokens = await loginOk(first.app, 'alice', 'correct horse');
      const keep = await loginOk(first.app, 'alice', 'correct horse');
      await first.app.close();
      // A new process: a fresh connection to the same database and a new app.
      secondStore = await openStore(t.databaseUrl);
      const second = await startApp({ store: secondStore, blobs: t.blobs });
      const third = await startApp(t); // another node, on its own handle
      try {
        assert.equal((await probe(second.app, 'v2', bearer(tokens.access_token))).json().viewer, 'alice');
        assert.equal((await refresh(second.app, keep.refresh_token)).statusCode, 200, 'a refresh token issued before the restart works');
        const out = await second.app.inject({ method: 'GET', url: '/nbia-api/logout', headers: { authorization: bearer(tokens.access_token) } });
        assert.equal(out.statusCode, 200);
        assert.equal((await probe(third.app, 'v2', bearer(tokens.access_token))).statusCode, 401, 'revoked on the other node at once');
      } finally {
        await second.app.close();
        await third.app.close();
      }
    } finally {
      await secondStore?.close();
      await t.dispose();
    }
  });
}
