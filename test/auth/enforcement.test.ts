// Who is asking, per family: v1/v4 take no token as the guest, v2 and the unversioned
// endpoints need one; any token that is sent must be good. Grants and revokes act on the
// next request; a public-only server shows public collections to everyone; the audit
// trail records logins, failures, logouts, grants and revokes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { grantCollection, revokeCollection } from '../../src/auth/accounts.js';
import { newToken } from '../../src/auth/tokens.js';
import { FAMILIES } from '../../src/nbia/families.js';
import { TEST_ACTOR, addTestUser, bearer, login, loginOk, probe, seedTwoCollections, startApp } from './helpers.js';

const PUB_ONLY = [{ Collection: 'PUB', SeriesInstanceUID: '1.2.3.1' }];
const BOTH = [...PUB_ONLY, { Collection: 'RESTR', SeriesInstanceUID: '1.2.3.2' }];

for (const dialect of DIALECTS) {
  test(`${dialect}: missing and bad tokens per family`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await seedTwoCollections(t.store.db);
      await addTestUser(t.store.db, 'alice', 'correct horse');
      const live = await loginOk(app, 'alice', 'correct horse');
      const loggedOut = await loginOk(app, 'alice', 'correct horse');
      await app.inject({ method: 'GET', url: '/nbia-api/logout', headers: { authorization: bearer(loggedOut.access_token) } });
      const aged = await loginOk(app, 'alice', 'correct horse');
      await t.store.db.updateTable('token').set({ expires_at: '2000-01-01 00:00:00.000' }).where('session_id', '=', aged.session_state).execute();

      const none = [undefined, 'Bearer undefined', 'bearer   ', 'Basic bmJpYTpzZWNyZXQ='];
      const bad: Array<[string, string]> = [
        ['malformed', 'Bearer this is not a token'],
        ['unknown', bearer(newToken())],
        ['expired', bearer(aged.access_token)],
        ['revoked', bearer(loggedOut.access_token)],
        ['refresh token', bearer(live.refresh_token)],
      ];
      for (const family of FAMILIES) {
        const anonymous = family === 'v1' || family === 'v4';
        for (const header of none) {
          const res = await probe(app, family, header);
          if (anonymous) {
            assert.equal(res.statusCode, 200, `${family} ${header}`);
            assert.deepEqual(res.json(), { viewer: 'guest', series: PUB_ONLY });
          } else {
            assert.equal(res.statusCode, 401, `${family} ${header}`);
            assert.equal(res.json().error, 'invalid_token');
            assert.match(String(res.headers['www-authenticate']), /^Bearer realm=/);
          }
        }
        for (const [what, header] of bad) {
          const res = await probe(app, family, header);
          assert.equal(res.statusCode, 401, `${family} with a ${what} token`);
          assert.equal(res.json().error, 'invalid_token');
          assert.match(String(res.headers['www-authenticate']), /^Bearer realm="nbia-api", error="invalid_token"/);
        }
        const good = await probe(app, family, bearer(live.access_token));
        assert.equal(good.statusCode, 200, `${family} honours a valid token`);
        assert.equal(good.json().viewer, 'alice');
        const lowerScheme = await probe(app, family, `bearer ${live.access_token}`);
        assert.equal(lowerScheme.json().viewer, 'alice', 'the scheme is case-insensitive');
      }
      // The unversioned alias without services/ behaves the same.
      const alias = await app.inject({ method: 'GET', url: '/nbia-api/v2/authProbe' });
      assert.equal(alias.statusCode, 401);
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: a grant or revoke changes what a token sees on the next request`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await seedTwoCollections(t.store.db);
      await addTestUser(t.store.db, 'alice', 'correct horse');
      await addTestUser(t.store.db, 'carol', 'correct horse');
      const alice = await loginOk(app, 'alice', 'correct horse');
      const carol = await loginOk(app, 'carol', 'correct horse');
      const seen = async (token: string) => (await probe(app, 'v2', bearer(token))).json().series;
      assert.deepEqual(await seen(alice.access_token), PUB_ONLY);
      assert.equal((await grantCollection(t.store.db, 'alice', 'restr', TEST_ACTOR)).changed, true, 'a case-insensitive collection name is found');
      assert.deepEqual(await seen(alice.access_token), BOTH);
      assert.deepEqual(await seen(carol.access_token), PUB_ONLY, 'grants are per user');
      assert.equal((await grantCollection(t.store.db, 'alice', 'RESTR', TEST_ACTOR)).changed, false, 'granting twice changes nothing');
      await revokeCollection(t.store.db, 'alice', 'RESTR', TEST_ACTOR);
      assert.deepEqual(await seen(alice.access_token), PUB_ONLY);
      const filtered = await probe(app, 'v4', bearer(alice.access_token), '?SeriesInstanceUID=1.2.3.2');
      assert.deepEqual(filtered.json().series, [], 'a restricted series by UID is invisible too');
    } finally {
      await app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: a public-only server lets only the guest log in and shows public collections to every token`, async () => {
    const t = await createTestStore(dialect);
    const full = await startApp(t);
    const publicOnly = await startApp(t, { publicOnly: true });
    try {
      await seedTwoCollections(t.store.db);
      await addTestUser(t.store.db, 'alice', 'correct horse');
      await grantCollection(t.store.db, 'alice', 'RESTR', TEST_ACTOR);
      const refused = await login(publicOnly.app, 'alice', 'correct horse');
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().error, 'invalid_grant');
      assert.match(refused.json().error_description, /public-only/);
      const guest = await loginOk(publicOnly.app, 'nbia_guest', '');
      assert.deepEqual((await probe(publicOnly.app, 'v2', bearer(guest.access_token))).json(), { viewer: 'guest', series: PUB_ONLY });
      // A token alice got from a full node of the same database sees public data only here.
      const alice = await loginOk(full.app, 'alice', 'correct horse');
      assert.deepEqual((await probe(full.app, 'v2', bearer(alice.access_token))).json().series, BOTH);
      assert.deepEqual((await probe(publicOnly.app, 'v2', bearer(alice.access_token))).json(), { viewer: 'guest', series: PUB_ONLY });
      assert.deepEqual((await probe(publicOnly.app, 'v1', undefined)).json().series, PUB_ONLY);
      assert.equal((await probe(publicOnly.app, 'v2', 'Bearer nonsense')).statusCode, 401, 'bad tokens are still refused');
      const refresh = await publicOnly.app.inject({
        method: 'POST', url: '/nbia-api/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: alice.refresh_token }).toString(),
      });
      assert.equal(refresh.statusCode, 401, 'a user session does not continue on a public-only server');
    } finally {
      await full.app.close();
      await publicOnly.app.close();
      await t.dispose();
    }
  });

  test(`${dialect}: logins, failures, logouts, grants and revokes are in the audit trail with time, user and address`, async () => {
    const t = await createTestStore(dialect);
    const { app } = await startApp(t);
    try {
      await seedTwoCollections(t.store.db);
      const start = new Date(Date.now() - 1000).toISOString().replace('T', ' ').replace('Z', '');
      await addTestUser(t.store.db, 'alice', 'correct horse');
      assert.equal((await login(app, 'alice', 'nope', { address: '203.0.113.5' })).statusCode, 401);
      assert.equal((await login(app, 'ghost', 'nope', { address: '203.0.113.6' })).statusCode, 401);
      const tokens = (await login(app, 'alice', 'correct horse', { address: '203.0.113.5' })).json();
      await app.inject({ method: 'POST', url: '/nbia-api/logout', headers: { authorization: bearer(tokens.access_token) }, remoteAddress: '203.0.113.7' });
      await grantCollection(t.store.db, 'alice', 'RESTR', TEST_ACTOR);
      await revokeCollection(t.store.db, 'alice', 'RESTR', TEST_ACTOR);
      const rows = await t.store.db.selectFrom('audit_event').select(['at', 'event', 'user_name', 'address', 'detail']).orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => [r.event, r.user_name, r.address]),
        [
          ['user_add', 'alice', null],
          ['login_failed', 'alice', '203.0.113.5'],
          ['login_failed', 'ghost', '203.0.113.6'],
          ['login', 'alice', '203.0.113.5'],
          ['logout', 'alice', '203.0.113.7'],
          ['grant', 'alice', null],
          ['revoke', 'alice', null],
        ],
      );
      for (const r of rows) assert.ok(r.at >= start && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/.test(r.at), `time of ${r.event}: ${r.at}`);
      assert.match(String(rows[5]?.detail), /collection RESTR/);
      assert.match(String(rows[3]?.detail), new RegExp(tokens.session_state));
      assert.ok(!rows.some((r) => String(r.detail).includes('nope') || String(r.detail).includes('correct horse')), 'no password in the trail');
    } finally {
      await app.close();
      await t.dispose();
    }
  });
}
