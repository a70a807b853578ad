// getCollectionValues, getModalityValues, getBodyPartValues, getManufacturerValues against the
// hand-written fixture (test/fixtures/nbia/seed.ts). Expected answers are written by hand.
import assert from 'node:assert/strict';
import { testEachDialect } from './seeded-app.js';
import { authHeaderFor } from './auth-helper.js';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

testEachDialect('value lists — ordering, null first, upper-cased body parts, filters, every format', async (s, tt) => {
  const v2 = await authHeaderFor(s.app, 'nbia_guest');
  await tt.test('getCollectionValues: public collections in byte order, restricted one absent', async () => {
    for (const [family, headers] of [['v1', {}], ['v2', v2], ['v4', {}]] as const) {
      const r = await s.get(`${family}/getCollectionValues`, headers);
      assert.equal(r.statusCode, 200);
      assert.equal(r.body, '[{"Collection":"LIDC-Demo"},{"Collection":"breast-mini"}]');
    }
  });

  await tt.test('getModalityValues: raw values ordered by upper(), Collection/Modality/BodyPartExamined case-insensitive', async () => {
    const all = await s.get('v1/getModalityValues');
    assert.match(String(all.headers['content-type']), /^application\/json/);
    assert.equal(all.body, '[{"Modality":"CT"},{"Modality":"ct"},{"Modality":"MG"},{"Modality":"MR"},{"Modality":"SEG"}]');
    assert.equal((await s.get('v4/getModalityValues?Collection=lidc-demo')).body, '[{"Modality":"CT"},{"Modality":"ct"},{"Modality":"MR"},{"Modality":"SEG"}]');
    // "CHEST" (a CT series) and "Chest" (an MR series) are the same body part to the value lists,
    // which answer it upper-cased and must find it again when a client passes it back.
    assert.equal((await s.get('v2/getModalityValues?BodyPartExamined=CHEST', v2)).body, '[{"Modality":"CT"},{"Modality":"MR"}]');
    assert.equal((await s.get('v1/getModalityValues?BodyPartExamined=Chest')).body, '[{"Modality":"CT"},{"Modality":"MR"}]');
    assert.equal((await s.get('v1/getModalityValues?BodyPartExamined=brain')).body, '[]', 'the restricted BRAIN series stays hidden');
    assert.equal((await s.get('v1/getModalityValues?Collection=Secret-Trial')).body, '[]');
    assert.equal((await s.get('v1/getModalityValues?Collection=')).body, '[]', 'an empty value matches nothing');
    const csv = await s.get('v4/getModalityValues?Collection=breast-mini&format=csv');
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.body, 'Modality\nMG\n');
  });

  await tt.test('getBodyPartValues: upper-cased, distinct, null first as {}', async () => {
    const json = await s.get('v1/getBodyPartValues');
    assert.equal(json.body, '[{},{"BodyPartExamined":"BREAST"},{"BodyPartExamined":"CHEST"},{"BodyPartExamined":"HEAD"}]');
    assert.equal((await s.get('v4/getBodyPartValues?Modality=ct')).body, '[{"BodyPartExamined":"CHEST"},{"BodyPartExamined":"HEAD"}]');
    assert.equal((await s.get('v2/getBodyPartValues?Collection=LIDC-DEMO&Modality=MR', v2)).body, '[{"BodyPartExamined":"CHEST"}]');
    assert.equal((await s.get('v1/getBodyPartValues?format=csv')).body, 'BodyPartExamined\n\nBREAST\nCHEST\nHEAD\n');
    assert.equal(
      (await s.get('v4/getBodyPartValues?format=xml')).body,
      `${XML_HEAD}<Results><Row></Row><Row><BodyPartExamined type='java.lang.String'>BREAST</BodyPartExamined></Row>` +
        `<Row><BodyPartExamined type='java.lang.String'>CHEST</BodyPartExamined></Row><Row><BodyPartExamined type='java.lang.String'>HEAD</BodyPartExamined></Row></Results>`,
    );
    assert.equal(
      (await s.get('v1/getBodyPartValues?format=HTML')).body,
      "<P ALIGN='center'><TABLE BORDER=1><TR><TH>BodyPartExamined</TH></TR><TR><TD>&nbsp;</TD></TR><TR><TD>BREAST</TD></TR><TR><TD>CHEST</TD></TR><TR><TD>HEAD</TD></TR></TABLE></P>",
    );
  });

  await tt.test('getManufacturerValues: raw case variants kept apart, null first', async () => {
    assert.equal(
      (await s.get('v1/getManufacturerValues')).body,
      '[{},{"Manufacturer":"GE MEDICAL SYSTEMS"},{"Manufacturer":"ge medical systems"},{"Manufacturer":"Hologic, Inc."},{"Manufacturer":"Philips"}]',
    );
    assert.equal((await s.get('v4/getManufacturerValues?Collection=lidc-demo&Modality=CT&BodyPartExamined=HEAD')).body, '[{"Manufacturer":"ge medical systems"}]');
    assert.equal((await s.get('v2/getManufacturerValues?Modality=SEG', v2)).body, '[{}]');
    assert.equal(
      (await s.get('v4/getManufacturerValues?format=csv')).body,
      'Manufacturer\n\nGE MEDICAL SYSTEMS\nge medical systems\n"Hologic, Inc."\nPhilips\n',
    );
    assert.equal((await s.get('v1/getManufacturerValues?Modality=PT')).body, '[]', 'the restricted PT series is not there');
  });
});
