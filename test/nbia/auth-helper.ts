// Headers that make a request come from a given account: a real login through the app
// (POST /nbia-api/oauth/token, password grant), cached per app and account so a test file
// logs each account in once. The guest logs in with the empty password.
import type { FastifyInstance } from 'fastify';

const cache = new WeakMap<FastifyInstance, Map<string, Record<string, string>>>();

export async function authHeaderFor(app: FastifyInstance, userName = 'nbia_guest', password = ''): Promise<Record<string, string>> {
  let perApp = cache.get(app);
  if (!perApp) cache.set(app, (perApp = new Map()));
  const known = perApp.get(userName);
  if (known) return known;
  const res = await app.inject({
    method: 'POST',
    url: '/nbia-api/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', client_id: 'NBIA', username: userName, password }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`login of ${userName} failed: ${res.statusCode} ${res.body}`);
  const header = { authorization: `Bearer ${(res.json() as { access_token: string }).access_token}` };
  perApp.set(userName, header);
  return header;
}
