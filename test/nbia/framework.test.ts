import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';

for (const dialect of DIALECTS) {
  test(`${dialect}: getCollectionValues lists only public collections with series, in byte order, in every format`, async () => {
    const t = await createTestStore(dialect);
    try {
      const db = t.store.db;
      const now = '2026-01-01 00:00:00.000';
      const ids: Record<string, number> = {};
      for (const [name, pub] of [['b-public', 1], ['A-public', 1], ['Secret', 0], ['Empty', 1]] as const) {
        const r = await db.insertInto('collection').values({ name, is_public: pub, created_at: now }).returning('id').executeTakeFirstOrThrow();
        ids[name] = r.id;
      }
      for (const name of ['b-public', 'A-public', 'Secret']) {
        const p = await db.insertInto('patient').values({ collection_id: ids[name]!, patient_id: `P-${name}` }).returning('id').executeTakeFirstOrThrow();
        const s = await db.insertInto('study').values({ patient_pk: p.id, study_instance_uid: `1.2.${ids[name]}` }).returning('id').executeTakeFirstOrThrow();
        await db.insertInto('series').values({ study_pk: s.id, patient_pk: p.id, collection_id: ids[name]!, series_instance_uid: `1.2.${ids[name]}.1`, modality: 'CT', image_count: 0, total_size: 0 }).execute();
      }
      const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
      const json = await app.inject({ url: '/nbia-api/services/v1/getCollectionValues' });
      assert.equal(json.statusCode, 200);
      assert.match(String(json.headers['content-type']), /^application\/json/);
      assert.equal(json.body, '[{"Collection":"A-public"},{"Collection":"b-public"}]');
      const alias = await app.inject({ url: '/nbia-api/v4/getCollectionValues?format=CSV' });
      assert.equal(alias.body, 'Collection\nA-public\nb-public\n');
      const xml = await app.inject({ url: '/nbia-api/services/v4/getCollectionValues?format=xml' });
      assert.equal(xml.body, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><Collection type='java.lang.String'>A-public</Collection></Row><Row><Collection type='java.lang.String'>b-public</Collection></Row></Results>`);
      const html = await app.inject({ url: '/nbia-api/services/v4/getCollectionValues?format=html' });
      assert.equal(html.body, "<P ALIGN='center'><TABLE BORDER=1><TR><TH>Collection</TH></TR><TR><TD>A-public</TD></TR><TR><TD>b-public</TD></TR></TABLE></P>");
      const bad = await app.inject({ url: '/nbia-api/services/v1/getCollectionValues?format=pdf' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error, 'invalid_request');
      const post = await app.inject({ method: 'POST', url: '/nbia-api/services/v1/getCollectionValues' });
      assert.equal(post.statusCode, 405);
      const tk = await app.inject({ url: '/nbia-api/services/v1/getCollectionValues', headers: { 'content-type': 'application/json' } });
      assert.equal(tk.statusCode, 200, 'a GET with Content-Type: application/json and no body is accepted');
      await app.close();
    } finally {
      await t.dispose();
    }
  });
}
