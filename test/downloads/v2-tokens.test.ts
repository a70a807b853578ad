// Downloads with real tokens, on both dialects: a user logged in through POST
// /nbia-api/oauth/token and granted a restricted collection gets its series as a ZIP on v2
// (and with the same bearer on v1 and v4); the guest's token gets 404 for it, as does a
// user without the grant; v2 without a token is 401. Downloads are recorded under the
// name of who made them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { downloadEvents, query, request, seedSeries, startServer } from './fixture.js';
import { readWithAll } from './readers.js';
import { authHeaderFor } from '../nbia/auth-helper.js';
import { addUser, grantCollection } from '../../src/auth/accounts.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const ACTOR = { address: null, description: 'download test' };
const SERIES = '1.2.840.99.7.1';
const ALICE_PASSWORD = 'alice-has-a-long-password';
const BOB_PASSWORD = 'bob-has-a-long-password';

for (const dialect of DIALECTS) {
  test(`${dialect}: v2 downloads of a restricted series with a granted user's token, the guest's token, and none`, async () => {
    const t = await createTestStore(dialect);
    const s = await startServer(t);
    try {
      const images = [
        { sopInstanceUid: `${SERIES}.1`, instanceNumber: 1, bytes: randomBytes(5000) },
        { sopInstanceUid: `${SERIES}.2`, instanceNumber: 2, bytes: randomBytes(300_000) },
      ];
      await seedSeries(t, { collection: { name: 'Restricted-Trial', isPublic: false, licenseName: 'Restricted Use' }, seriesInstanceUid: SERIES, images });
      await addUser(t.store.db, 'alice', ALICE_PASSWORD, ACTOR);
      await addUser(t.store.db, 'bob', BOB_PASSWORD, ACTOR);
      await grantCollection(t.store.db, 'alice', 'Restricted-Trial', ACTOR);

      const alice = await authHeaderFor(s.app, 'alice', ALICE_PASSWORD);
      const bob = await authHeaderFor(s.app, 'bob', BOB_PASSWORD);
      const guest = await authHeaderFor(s.app);
      const zipUrl = (family: string) => `${s.base}/nbia-api/services/${family}/getImage?${query({ SeriesInstanceUID: SERIES, IncludeMD5: 'Yes' })}`;

      // alice: a whole ZIP on v2, read back by every reader, the files byte for byte.
      const granted = await request(zipUrl('v2'), { headers: alice });
      assert.equal(granted.status, 200, granted.body.toString().slice(0, 200));
      assert.equal(granted.aborted, false);
      assert.equal(granted.headers['content-type'], 'application/zip');
      const file = path.join(t.dataDir, 'alice.zip');
      fs.writeFileSync(file, granted.body);
      const read = await readWithAll(file);
      assert.deepEqual(read.names, ['LICENSE', '00000001.dcm', '00000002.dcm', 'md5hashes.csv']);
      assert.deepEqual(read.members.slice(1, 3).map((m) => m.md5), images.map((i) => md5(i.bytes)));
      // The same bearer works on v1 and v4 (same bytes), and for one image.
      for (const family of ['v1', 'v4']) {
        const r = await request(zipUrl(family), { headers: alice });
        assert.equal(r.status, 200, family);
        assert.ok(r.body.equals(granted.body), family);
      }
      const single = await request(`${s.base}/nbia-api/services/v2/getSingleImage?${query({ SeriesInstanceUID: SERIES, SOPInstanceUID: `${SERIES}.2` })}`, { headers: alice });
      assert.equal(single.status, 200);
      assert.ok(single.body.equals(images[1]!.bytes));

      // The guest's token and bob's (no grant): 404, the same answer as for a series that does not exist.
      const unknown = await request(`${s.base}/nbia-api/services/v2/getImage?SeriesInstanceUID=1.2.3.404`, { headers: guest });
      assert.equal(unknown.status, 404);
      for (const [who, headers] of [['guest', guest], ['bob', bob]] as const) {
        const r = await request(zipUrl('v2'), { headers });
        assert.equal(r.status, 404, who);
        assert.equal(JSON.parse(r.body.toString()).error, 'not_found', who);
        assert.equal(r.body.toString().replaceAll(SERIES, 'X'), unknown.body.toString().replaceAll('1.2.3.404', 'X'), who);
        const img = await request(`${s.base}/nbia-api/services/v2/getSingleImage?${query({ SeriesInstanceUID: SERIES, SOPInstanceUID: `${SERIES}.1` })}`, { headers });
        assert.equal(img.status, 404, who);
      }
      // v1/v4 without a token are the guest: 404 too.
      assert.equal((await request(zipUrl('v4'))).status, 404);

      // v2 without a token, or with one that is not a token: 401 with a bearer challenge.
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
        const r = await request(zipUrl('v2'), { headers });
        assert.equal(r.status, 401, JSON.stringify(headers));
        assert.match(String(r.headers['www-authenticate']), /^Bearer/);
      }

      // Four downloads went out, all alice's.
      const events = await downloadEvents(t, 4);
      assert.deepEqual(events.map((e) => [e.user_name, e.endpoint]), [
        ['alice', 'v2/getImage'],
        ['alice', 'v1/getImage'],
        ['alice', 'v4/getImage'],
        ['alice', 'v2/getSingleImage'],
      ]);
      assert.equal(Number(events[0]!.bytes), granted.body.length);
    } finally {
      await s.close();
      await t.dispose();
    }
  });
}
