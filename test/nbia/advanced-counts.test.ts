// get*ValuesAndCounts and getCollectionDescriptions, unversioned and v4, on both dialects.
// Expected answers are worked out by hand from test/fixtures/advanced/seed.ts:
//   Alpha-Lung (public): A1 {CT Chest SIEMENS, PT CHEST GE, CT (no body part, no manufacturer)},
//                        A2 {ct chest SIEMENS}, A3 {MR HEAD Philips; species 447612001}
//   beta-brain (public): B1 {MR BRAIN SIEMENS}
//   Secret-Trial (restricted): S1 {CT CHEST SIEMENS, SECRETMOD SECRETPART SecretCo}
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect } from '../fixtures/advanced/app.js';
import { valuesAndCounts } from '../../src/archive/queries/advanced-counts.js';
import { AccessScope } from '../../src/archive/access.js';

const counts = (pairs: Array<[string, number]>) => JSON.stringify(pairs.map(([criteria, n]) => ({ criteria, count: String(n) })));

eachDialect((dialect, a) => {
  test(`${dialect}: unversioned *ValuesAndCounts answer [{criteria, count-as-string}] of distinct patients, guest sees public only`, async () => {
    const expectations: Array<[string, Array<[string, number]>]> = [
      ['getCollectionValuesAndCounts', [['Alpha-Lung', 3], ['beta-brain', 1]]],
      // "ct" (A2) is its own value, as stored; A1 has two CT series but counts once.
      ['getModalityValuesAndCounts', [['CT', 1], ['MR', 2], ['PT', 1], ['ct', 1]]],
      ['getModalityValuesAndCounts?Collection=alpha-LUNG', [['CT', 1], ['MR', 1], ['PT', 1], ['ct', 1]]],
      ['getModalityValuesAndCounts?BodyPartExamined=chest', [['CT', 1], ['PT', 1], ['ct', 1]]],
      ['getModalityValuesAndCounts?BodyPartExamined=NOT%20SPECIFIED', [['CT', 1]]],
      ['getBodyPartValuesAndCounts', [['BRAIN', 1], ['CHEST', 2], ['HEAD', 1], ['NOT SPECIFIED', 1]]],
      ['getBodyPartValuesAndCounts?Modality=ct', [['CHEST', 2], ['NOT SPECIFIED', 1]]],
      ['getManufacturerValuesAndCounts', [['', 1], ['GE MEDICAL SYSTEMS', 1], ['Philips', 1], ['SIEMENS', 3]]],
      ['getManufacturerValuesAndCounts?Collection=Alpha-Lung&Modality=CT&BodyPartExamined=CHEST', [['SIEMENS', 2]]],
      ['getSpeciesValuesAndCounts', [['337915000', 3], ['447612001', 1]]],
      // The restricted collection is answered exactly like one that does not exist.
      ['getModalityValuesAndCounts?Collection=Secret-Trial', []],
      ['getModalityValuesAndCounts?Collection=No-Such', []],
      // An empty value is a value (matches nothing), not "no filter".
      ['getBodyPartValuesAndCounts?Collection=', []],
    ];
    for (const [path, expected] of expectations) {
      const res = await a.get(path);
      assert.equal(res.statusCode, 200, path);
      assert.match(String(res.headers['content-type']), /^application\/json/, path);
      assert.equal(res.body, counts(expected), path);
    }
    // The unversioned counts are JSON only: an unknown parameter, format included, is ignored.
    assert.equal((await a.get('getCollectionValuesAndCounts?format=csv')).body, counts([['Alpha-Lung', 3], ['beta-brain', 1]]));
    for (const path of ['getModalityValuesAndCounts', 'getBodyPartValuesAndCounts', 'getManufacturerValuesAndCounts', 'getCollectionValuesAndCounts']) {
      const body = (await a.get(path)).body;
      assert.doesNotMatch(body, /Secret|SECRET|S1/, `${path} leaks the restricted collection`);
    }
  });

  test(`${dialect}: v4 *ValuesAndCounts answer <Field>, Count (a number), Authorized in every format`, async () => {
    const json = await a.get('v4/getModalityValuesAndCounts?Collection=ALPHA-lung', {});
    assert.equal(json.statusCode, 200);
    assert.equal(
      json.body,
      '[{"Modality":"CT","Count":1,"Authorized":1},{"Modality":"MR","Count":1,"Authorized":1},{"Modality":"PT","Count":1,"Authorized":1},{"Modality":"ct","Count":1,"Authorized":1}]',
    );
    assert.equal(
      (await a.get('v4/getCollectionValuesAndCounts', {})).body,
      '[{"Collection":"Alpha-Lung","Count":3,"Authorized":1},{"Collection":"beta-brain","Count":1,"Authorized":1}]',
    );
    assert.equal(
      (await a.get('v4/getSpeciesValuesAndCounts', {})).body,
      '[{"Species":"337915000","Count":3,"Authorized":1},{"Species":"447612001","Count":1,"Authorized":1}]',
    );
    const csv = await a.get('v4/getBodyPartValuesAndCounts?Modality=CT&format=csv', {});
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.body, '"BodyPartExamined","Count","Authorized"\n"CHEST","2","1"\n"NOT SPECIFIED","1","1"\n');
    const xml = await a.get('v4/getManufacturerValuesAndCounts?BodyPartExamined=HEAD&format=xml', {});
    assert.equal(
      xml.body,
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results><Row><Manufacturer type='java.lang.String'>Philips</Manufacturer><Count type='java.lang.Long'>1</Count><Authorized type='java.lang.Integer'>1</Authorized></Row></Results>`,
    );
    const none = await a.get('v4/getModalityValuesAndCounts?Collection=Secret-Trial&format=csv', {});
    assert.equal(none.body, '"Modality","Count","Authorized"\n', 'no rows: a header-only CSV');
    const bad = await a.get('v4/getModalityValuesAndCounts?format=pdf', {});
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'invalid_request');
    assert.match(bad.json().error_description, /format/);
  });

  test(`${dialect}: a user granted the restricted collection sees it in the counts (HTTP and the archive query)`, async () => {
    const alice = await a.grantedUser();
    const res = await a.get('getCollectionValuesAndCounts', alice);
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, counts([['Alpha-Lung', 3], ['Secret-Trial', 1], ['beta-brain', 1]]));
    assert.equal((await a.get('getManufacturerValuesAndCounts?Modality=secretmod', alice)).body, counts([['SecretCo', 1]]));
    // The same query through a user scope directly: grants are read from the database.
    const user = await a.t.store.db.selectFrom('app_user').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow();
    const scope = new AccessScope(a.t.store.db, { kind: 'user', userId: Number(user.id), name: 'alice' });
    assert.deepEqual(await valuesAndCounts(scope, 'bodyPart', { collection: 'secret-trial' }), [
      { value: 'CHEST', patients: 1 },
      { value: 'SECRETPART', patients: 1 },
    ]);
    // The guest still does not.
    assert.equal((await a.get('getManufacturerValuesAndCounts?Modality=secretmod')).body, '[]');
  });

  test(`${dialect}: getCollectionDescriptions lists visible collections with all four keys nbiatoolkit reads`, async () => {
    const ids = a.seeded.collectionIds;
    // 2024-03-01T12:00:00Z and 2024-02-02T00:00:00Z (creation: beta-brain was never described).
    const alpha = {
      description: '<p>Alpha lung CT & PET</p>',
      id: ids['Alpha-Lung'],
      collectionDescTimestamp: 1709294400000,
      collectionName: 'Alpha-Lung',
      descriptionURI: 'https://doi.org/10.0000/alpha',
    };
    const beta = { description: null, id: ids['beta-brain'], collectionDescTimestamp: 1706832000000, collectionName: 'beta-brain', descriptionURI: null };
    for (const prefix of ['', 'v4/']) {
      const all = await a.get(`${prefix}getCollectionDescriptions`);
      assert.equal(all.statusCode, 200);
      assert.match(String(all.headers['content-type']), /^application\/json/);
      assert.equal(all.body, JSON.stringify([alpha, beta]));
      assert.equal((await a.get(`${prefix}getCollectionDescriptions?collectionName=ALPHA-LUNG`)).body, JSON.stringify([alpha]));
      assert.equal((await a.get(`${prefix}getCollectionDescriptions?collectionName=Secret-Trial`)).body, '[]');
      assert.equal((await a.get(`${prefix}getCollectionDescriptions?collectionName=`)).body, JSON.stringify([alpha, beta]));
    }
    const alice = await a.grantedUser();
    const mine = await a.get('getCollectionDescriptions?collectionName=secret-trial', alice);
    assert.equal(mine.json()[0].collectionName, 'Secret-Trial');
    assert.equal(mine.json()[0].description, '<p>restricted</p>');
  });
});
