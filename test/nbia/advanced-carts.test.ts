// createSharedList on both dialects: a cart owned by the caller, from series it may see;
// unknown and restricted UIDs refused alike; names unique case-insensitively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect } from '../fixtures/advanced/app.js';

eachDialect((dialect, a) => {
  async function cart(name: string) {
    const db = a.t.store.db;
    const row = await db.selectFrom('cart').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
    if (!row) return undefined;
    const members = await db.selectFrom('cart_series').select(['position', 'series_instance_uid']).where('cart_id', '=', row.id).orderBy('position').execute();
    return { ...row, members: members.map((m) => m.series_instance_uid) };
  }

  test(`${dialect}: createSharedList stores the cart for the caller and answers "List created"`, async () => {
    const res = await a.post('createSharedList', {
      list: ['1.2.826.0.2.1.1', '1.2.826.0.1.1.1', '1.2.826.0.2.1.1'],
      name: 'Lung Cases',
      description: 'two CTs',
      url: 'https://example.org/lung',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal(res.body, 'List created');
    const stored = await cart('Lung Cases');
    assert.ok(stored);
    assert.equal(stored.name, 'Lung Cases');
    assert.equal(stored.owner_name, 'nbia_guest');
    assert.equal(stored.description, 'two CTs');
    assert.equal(stored.url, 'https://example.org/lung');
    assert.deepEqual(stored.members, ['1.2.826.0.2.1.1', '1.2.826.0.1.1.1'], 'in the order given, each once');

    // Comma-joined works too; the owner is whoever asks.
    const alice = await a.grantedUser();
    const mine = await a.post('createSharedList', { list: '1.2.826.0.9.1.1,1.2.826.0.4.1.1', name: 'alice-secret' }, alice);
    assert.equal(mine.statusCode, 200, mine.body);
    const aliceCart = await cart('alice-secret');
    assert.equal(aliceCart?.owner_name, 'alice');
    assert.deepEqual(aliceCart?.members, ['1.2.826.0.9.1.1', '1.2.826.0.4.1.1']);
  });

  test(`${dialect}: unknown and restricted UIDs get the same 400, duplicates and missing fields a 400, nothing stored`, async () => {
    const restricted = await a.post('createSharedList', { list: ['1.2.826.0.1.1.1', '1.2.826.0.9.1.1'], name: 'try-1' });
    const unknown = await a.post('createSharedList', { list: ['1.2.826.0.1.1.1', '1.2.826.0.9.1.9'], name: 'try-2' });
    for (const res of [restricted, unknown]) {
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_request');
    }
    // Identical apart from the UID itself: nothing tells a restricted series from a missing one.
    assert.equal(restricted.json().error_description.replace('1.2.826.0.9.1.1', 'UID'), unknown.json().error_description.replace('1.2.826.0.9.1.9', 'UID'));
    assert.match(restricted.json().error_description, /permission/);
    assert.equal(await cart('try-1'), undefined);
    assert.equal(await cart('try-2'), undefined);

    await a.post('createSharedList', { list: '1.2.826.0.1.1.1', name: 'Taken' });
    const duplicate = await a.post('createSharedList', { list: '1.2.826.0.4.1.1', name: 'TAKEN' });
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.json().error_description, /Duplicate list name/);
    assert.deepEqual((await cart('taken'))?.members, ['1.2.826.0.1.1.1'], 'the first cart is untouched');

    for (const [form, message] of [
      [{ name: 'no-list' }, /list/],
      [{ list: '1.2.826.0.1.1.1' }, /name/],
      [{ list: ',', name: 'empty-list' }, /list/],
      [{ list: '1.2.826.0.1.1.1', name: '   ' }, /name/],
    ] as const) {
      const res = await a.post('createSharedList', form);
      assert.equal(res.statusCode, 400, JSON.stringify(form));
      assert.match(res.json().error_description, message);
    }
    assert.equal((await a.get('createSharedList?list=1.2.826.0.1.1.1&name=x')).statusCode, 405);
  });
});
