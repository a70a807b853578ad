// Sessions against our server: the guest by default, a password login whose access token is
// refreshed before it expires, a new login when the refresh token is gone, logout revoking
// the tokens on the server. The client's clock is moved instead of waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NbiaClient } from '../../src/client/index.js';
import { ALICE_PASSWORD } from '../fixtures/nbia/seed.js';
import { clientServer } from './server.js';

test('sqlite: guest, refresh before expiry, login again when the refresh token is gone, logout', async () => {
  const s = await clientServer('sqlite');
  let clock = Date.now();
  const grants: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/oauth/token')) grants.push(new URLSearchParams(String(init?.body)).get('grant_type')!);
    return fetch(input, init);
  };
  const nbia = new NbiaClient({ baseUrl: s.base, fetch: recording, now: () => clock });
  const secretVisible = async () => (await nbia.v2.getCollectionValues()).some((r) => r.Collection === 'Secret-Trial');
  try {
    // v4 asks no token as the guest; v2 logs the guest in once.
    await nbia.v4.getCollectionValues();
    assert.deepEqual(grants, []);
    assert.equal(await secretVisible(), false);
    assert.deepEqual(grants, ['password']);

    await nbia.login('alice', ALICE_PASSWORD);
    assert.equal(await secretVisible(), true);
    assert.deepEqual(grants, ['password', 'password']);

    // 7200 s tokens: at +7150 s the client refreshes before asking (margin 60 s), and the
    // server hands out a new pair.
    clock += 7150_000;
    assert.equal(await secretVisible(), true);
    assert.deepEqual(grants.slice(2), ['refresh_token']);
    // Parallel requests share one refresh (a refresh token works once).
    clock += 7150_000;
    await Promise.all([secretVisible(), secretVisible(), secretVisible()]);
    assert.deepEqual(grants.slice(2), ['refresh_token', 'refresh_token']);

    // Past the refresh token's lifetime (86400 s): a new password login, still alice.
    clock += 90_000_000;
    assert.equal(await secretVisible(), true);
    assert.deepEqual(grants.slice(4), ['password']);

    // The server revokes the session (another logout of the same tokens): the refresh is
    // refused, so the client logs in again on its own.
    const token = await nbia.session.accessToken();
    const out = await fetch(`${s.base}/nbia-api/logout`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(out.status, 200);
    clock += 7150_000;
    assert.equal(await secretVisible(), true);
    assert.deepEqual(grants.slice(5), ['refresh_token', 'password']);

    // A token revoked behind the client's back before it expires: the 401 makes it renew once.
    const current = await nbia.session.accessToken();
    await fetch(`${s.base}/nbia-api/logout`, { headers: { authorization: `Bearer ${current}` } });
    assert.equal(await secretVisible(), true);

    // logout() revokes the token on the server and goes back to the guest.
    const last = await nbia.session.accessToken();
    await nbia.logout();
    assert.equal(nbia.session.userName, 'nbia_guest');
    const refused = await fetch(`${s.base}/nbia-api/services/v2/getCollectionValues`, { headers: { authorization: `Bearer ${last}` } });
    assert.equal(refused.status, 401);
    assert.equal(await secretVisible(), false);
  } finally {
    await s.close();
  }
});
