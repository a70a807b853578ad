// Species defaults: a patient with no species stated is a human one, but a stated species
// keeps its own description, even a missing one (never "Homo sapiens" for a dog).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { field } from '../../src/nbia/endpoints/fields.js';

const code = field('v1', 'SpeciesCode');
const description = field('v1', 'SpeciesDescription');
type Patient = Parameters<(typeof description)[2]>[0];
const patient = (speciesCode: string | null, speciesDescription: string | null) => ({ speciesCode, speciesDescription }) as unknown as Patient;

test('no species stated: human', () => {
  assert.equal(code[2](patient(null, null)), '337915000');
  assert.equal(description[2](patient(null, null)), 'Homo sapiens');
  assert.equal(code[2](patient('', null)), '337915000', 'an empty code is none');
});

test('a stated species keeps its own description, missing or not', () => {
  assert.equal(code[2](patient('447612001', 'Canis familiaris')), '447612001');
  assert.equal(description[2](patient('447612001', 'Canis familiaris')), 'Canis familiaris');
  assert.equal(description[2](patient('447612001', null)), null);
  assert.equal(description[2](patient(null, 'Mus musculus')), 'Mus musculus');
});
