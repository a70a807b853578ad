// The OpenAPI document at /nbia-api/docs/json lists every NBIA endpoint once (the
// /nbia-api/<family>/ aliases are hidden), with its parameters: the advanced ones and their
// v4 counterparts, and the v1/v2/v4 list endpoints.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';

interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  security?: unknown[];
}
type Paths = Record<string, Record<string, Operation>>;

let t: TestStore;
let app: FastifyInstance;
let paths: Paths;

before(async () => {
  t = await createTestStore('sqlite');
  app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
  const res = await app.inject({ url: '/nbia-api/docs/json' });
  assert.equal(res.statusCode, 200);
  paths = (res.json() as { paths: Paths }).paths;
});

after(async () => {
  await app.close();
  await t.dispose();
});

function operation(path: string, method: 'get' | 'post'): Operation {
  const op = paths[path]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
  assert.ok(op.summary && op.summary.length > 0, `${path} has a summary`);
  return op;
}

const queryParams = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
const bodyFields = (op: Operation) => Object.keys(Object.values(op.requestBody?.content ?? {})[0]?.schema.properties ?? {});

test('GET endpoints of the advanced family and v4 are documented with their query parameters', () => {
  const gets: Array<[string, string[]]> = [
    ['/nbia-api/services/getCollectionValuesAndCounts', []],
    ['/nbia-api/services/getModalityValuesAndCounts', ['Collection', 'BodyPartExamined']],
    ['/nbia-api/services/getBodyPartValuesAndCounts', ['Collection', 'Modality']],
    ['/nbia-api/services/getManufacturerValuesAndCounts', ['Collection', 'Modality', 'BodyPartExamined']],
    ['/nbia-api/services/getSpeciesValuesAndCounts', []],
    ['/nbia-api/services/v4/getModalityValuesAndCounts', ['Collection', 'BodyPartExamined', 'format']],
    ['/nbia-api/services/v4/getManufacturerValuesAndCounts', ['Collection', 'Modality', 'BodyPartExamined', 'format']],
    ['/nbia-api/services/getCollectionDescriptions', ['collectionName']],
    ['/nbia-api/services/v4/getCollectionDescriptions', ['collectionName']],
    ['/nbia-api/services/getDicomTags', ['SeriesUID']],
    ['/nbia-api/services/v4/getDicomTags', ['SeriesUID']],
  ];
  for (const [path, params] of gets) assert.deepEqual(queryParams(operation(path, 'get')), params, path);
  // The unversioned family needs a bearer token; v4 answers anonymously.
  assert.ok(operation('/nbia-api/services/getDicomTags', 'get').security?.length);
  assert.equal(operation('/nbia-api/services/v4/getDicomTags', 'get').security, undefined);
});

test('POST endpoints are documented with their form fields', () => {
  const posts: Array<[string, string[]]> = [
    ['/nbia-api/services/v4/getSeriesMetadata', ['list', 'format']],
    ['/nbia-api/services/getSeriesMetadata2', ['list', 'format']],
    ['/nbia-api/services/createSharedList', ['list', 'name', 'description', 'url']],
  ];
  for (const [path, fields] of posts) assert.deepEqual(bodyFields(operation(path, 'post')), fields, path);
  for (const path of [
    '/nbia-api/services/v4/getSimpleSearch',
    '/nbia-api/services/getSimpleSearchWithModalityAndBodyPartPaged',
    '/nbia-api/services/getManifestForSimpleSearch',
    '/nbia-api/services/v4/getManifestForSimpleSearch',
  ]) {
    const fields = bodyFields(operation(path, 'post'));
    for (const f of ['criteriaType0', 'value0', 'fromDate0', 'toDate0', 'sortField', 'sortDirection', 'start', 'size']) assert.ok(fields.includes(f), `${path} documents ${f}`);
  }
});

test('the v1/v2/v4 list endpoints are documented too, and the alias paths are not', () => {
  for (const family of ['v1', 'v2', 'v4']) {
    assert.deepEqual(queryParams(operation(`/nbia-api/services/${family}/getCollectionValues`, 'get')), ['format']);
    assert.deepEqual(queryParams(operation(`/nbia-api/services/${family}/getModalityValues`, 'get')), ['Collection', 'BodyPartExamined', 'format']);
    const series = queryParams(operation(`/nbia-api/services/${family}/getSeries`, 'get'));
    for (const p of ['Collection', 'PatientID', 'StudyInstanceUID', 'SeriesInstanceUID', 'Modality']) assert.ok(series.includes(p), `${family}/getSeries documents ${p}`);
  }
  assert.ok(operation('/nbia-api/services/v2/getCollectionValues', 'get').security?.length, 'v2 needs a bearer token');
  for (const alias of ['/nbia-api/getModalityValuesAndCounts', '/nbia-api/v4/getSeriesMetadata', '/nbia-api/createSharedList', '/nbia-api/v1/getCollectionValues']) {
    assert.equal(paths[alias], undefined, `${alias} is an alias of the /services/ path and documented once`);
  }
});
