// Paged listings (src/archive/queries/paging.ts): the pages of every paged query, at any
// page size, are exactly the rows of the unpaged query in the same order.
import assert from 'node:assert/strict';
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
