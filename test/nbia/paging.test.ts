// Paged listings (src/archive/queries/paging.ts): the pages of every paged query, at any
// page size, are exactly the rows of the unpaged query in the same order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIRST_PAGE_SIZE, keysetPages, PAGE_SIZE } from '../../src/archive/queries/paging.js';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import { findSeries, findSeriesPages, sopInstanceUidPages, sopInstanceUids } from '../../src/archive/queries/series.js';
import { listPatientPages, listPatients, listStudies, listStudyPages } from '../../src/archive/queries/patients.js';
import { testEachDialect } from './seeded-app.js';

async function collect<T>(pages: AsyncIterable<T[]>): Promise<{ rows: T[]; pages: number[] }> {
  const rows: T[] = [];
  const sizes: number[] = [];
  for await (const page of pages) {
    sizes.push(page.length);
    rows.push(...page);
  }
  return { rows, pages: sizes };
}

const withoutKey = <T extends object>(rows: T[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'pageKey')));

testEachDialect('paged series, patients, studies and SOP UIDs equal the unpaged listings at every page size', async (s) => {
  const scopes = [new AccessScope(s.t.store.db, GUEST)];
  for (const scope of scopes) {
    const series = await findSeries(scope, {});
    const patients = await listPatients(scope, {});
    const studies = await listStudies(scope, {});
    assert.ok(series.length >= 3 && patients.length >= 2 && studies.length >= 2, 'the seed has enough rows to page');
    for (const size of [1, 2, 3, 1000]) {
      const ps = await collect(findSeriesPages(scope, {}, size));
      assert.deepEqual(withoutKey(ps.rows), series);
      assert.ok(ps.pages.every((n) => n > 0 && n <= size), `pages of at most ${size}: ${ps.pages}`);
      assert.deepEqual(withoutKey((await collect(listPatientPages(scope, {}, size))).rows), patients);
      assert.deepEqual(withoutKey((await collect(listStudyPages(scope, {}, size))).rows), studies);
    }
    const one = series[0]!.seriesInstanceUid;
    const uids = await sopInstanceUids(scope, one);
    assert.deepEqual((await collect(sopInstanceUidPages(scope, one, 1))).rows, uids);
    assert.deepEqual((await collect(findSeriesPages(scope, { collection: 'no such collection' }, 2))).pages, [], 'nothing: no page at all');
  }
});

test('keysetPages: a short first page (the first byte waits for it), then full pages, each asked after the last key', async () => {
  const keys = Array.from({ length: 1500 }, (_, i) => i + 1);
  const asked: Array<[number | null, number]> = [];
  const page = async (after: number | null, limit: number) => {
    asked.push([after, limit]);
    return keys.filter((k) => after === null || k > after).slice(0, limit);
  };
  const sizes: number[] = [];
  const rows: number[] = [];
  for await (const p of keysetPages(page, (k) => k)) {
    sizes.push(p.length);
    rows.push(...p);
  }
  assert.deepEqual(rows, keys);
  assert.deepEqual(sizes, [FIRST_PAGE_SIZE, PAGE_SIZE, 1500 - FIRST_PAGE_SIZE - PAGE_SIZE]);
  assert.deepEqual(asked, [[null, FIRST_PAGE_SIZE], [FIRST_PAGE_SIZE, PAGE_SIZE], [FIRST_PAGE_SIZE + PAGE_SIZE, PAGE_SIZE]]);
  // Pages smaller than FIRST_PAGE_SIZE keep their size from the first page on.
  asked.length = 0;
  const small = keysetPages(page, (k) => k, 3);
  assert.deepEqual((await small.next()).value, [1, 2, 3]);
  assert.deepEqual((await small.next()).value, [4, 5, 6]);
  await small.return();
  assert.deepEqual(asked, [[null, 3], [3, 3]]);
});
