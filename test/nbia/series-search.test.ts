// The series search (getSimpleSearchSeriesPaged, getSimpleSearchSeriesUIDs) on both
// dialects. Every expectation is worked out from other endpoints that do not share its
// code: which series match comes from the patient-level simple search (which groups in
// JavaScript), their fields from v4 getSeriesMetadata, and the index order from the
// simple search's seriesIdentifiers. So a wrong filter, count, sort or page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect, type Form } from '../fixtures/advanced/app.js';
import type { SeriesSearchPage } from '../../src/client/rows.js';

interface SeriesRow {
  SeriesInstanceUID: string;
  Collection: string;
  PatientID: string;
  StudyDate?: string;
  Modality: string;
  BodyPartExamined?: string;
  Manufacturer?: string;
  SpeciesCode?: string;
  ImageCount: number;
  FileSize: number;
}

/** The answer as the client library types it, with the rows narrowed to what the checks read. */
type Page = Omit<SeriesSearchPage, 'series' | 'facets'> & { series: SeriesRow[]; facets: Record<string, SeriesSearchPage['facets']['collection']> };

type Pairs = Array<[string, string]>;

function form(pairs: Pairs, extra: Form = {}): Form {
  const f: Record<string, string | readonly string[]> = { ...extra };
  pairs.forEach(([type, value], i) => {
    f[`criteriaType${i}`] = type;
    f[`value${i}`] = value;
  });
  return f;
}

const FACET_CRITERIA: Record<string, string> = {
  collection: 'CollectionCriteria',
  modality: 'ImageModalityCriteria',
  bodyPart: 'BodyPartExaminedCriteria',
  manufacturer: 'ManufacturerCriteria',
  species: 'SpeciesCriteria',
};

const facetValue: Record<string, (r: SeriesRow) => string> = {
  collection: (r) => r.Collection,
  modality: (r) => r.Modality,
  bodyPart: (r) => (r.BodyPartExamined ?? 'NOT SPECIFIED').toUpperCase(),
  manufacturer: (r) => r.Manufacturer ?? '',
  species: (r) => r.SpeciesCode ?? '337915000',
};

/** MM-dd-yyyy as yyyy-MM-dd, so that text order is date order. */
const isoDate = (d: string | undefined) => (d ? `${d.slice(6)}-${d.slice(0, 2)}-${d.slice(3, 5)}` : '');

const SORT_VALUE: Record<string, (r: SeriesRow) => string | number> = {
  collection: (r) => r.Collection.toUpperCase(),
  patient: (r) => r.PatientID.toUpperCase(),
  date: (r) => isoDate(r.StudyDate),
  modality: (r) => r.Modality,
  images: (r) => Number(r.ImageCount),
  size: (r) => Number(r.FileSize),
};

eachDialect((dialect, a) => {
  /** What the patient-level simple search matches: series UIDs with their index ids, and the patients. */
  async function simpleSearch(pairs: Pairs, headers = a.guest): Promise<{ series: Map<string, number>; patients: number }> {
    const res = await a.post('getSimpleSearchWithModalityAndBodyPartPaged', form(pairs), headers);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { totalPatients: number; resultSet: Array<{ studyIdentifiers: Array<{ seriesIdentifiers: number[]; seriesInstanceUIDs: string[] }> }> };
    const series = new Map<string, number>();
    for (const p of body.resultSet) for (const s of p.studyIdentifiers) s.seriesInstanceUIDs.forEach((uid, i) => series.set(uid, s.seriesIdentifiers[i]!));
    return { series, patients: body.totalPatients };
  }

  async function metadata(uids: Iterable<string>, headers = a.guest): Promise<SeriesRow[]> {
    const list = [...uids];
    if (list.length === 0) return [];
    const res = await a.post('v4/getSeriesMetadata', { list, format: 'json' }, headers);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as SeriesRow[];
  }

  async function seriesPage(pairs: Pairs, extra: Form = {}, headers = a.guest): Promise<Page> {
    const res = await a.post('getSimpleSearchSeriesPaged', form(pairs, extra), headers);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    return res.json() as Page;
  }

  /** Every page of `size`, concatenated: the search's whole order. */
  async function allPages(pairs: Pairs, extra: Form, size: number, headers = a.guest): Promise<{ uids: string[]; first: Page }> {
    const first = await seriesPage(pairs, { ...extra, start: '0', size: String(size) }, headers);
    const uids = first.series.map((r) => r.SeriesInstanceUID);
    for (let start = size; start < first.totalSeries; start += size) {
      const p = await seriesPage(pairs, { ...extra, start: String(start), size: String(size) }, headers);
      assert.equal(p.totalSeries, first.totalSeries);
      uids.push(...p.series.map((r) => r.SeriesInstanceUID));
    }
    return { uids, first };
  }

  /** The facet counts the search should give: per facet, the simple search without that facet's choices, counted by series. */
  async function expectedFacets(pairs: Pairs, headers = a.guest): Promise<Page['facets']> {
    const out: Page['facets'] = {};
    for (const [facet, criteria] of Object.entries(FACET_CRITERIA)) {
      const others = pairs.filter(([type]) => type !== criteria);
      const rows = await metadata((await simpleSearch(others, headers)).series.keys(), headers);
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(facetValue[facet]!(r), (counts.get(facetValue[facet]!(r)) ?? 0) + 1);
      counts.delete('');
      const listed = [...counts].map(([value, count]) => ({ value, count })).sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
      const zeros = pairs.filter(([type, value]) => type === criteria && !counts.has(value)).map(([, value]) => ({ value, count: 0 }));
      out[facet] = [...listed, ...zeros];
    }
    return out;
  }

  const CASES: Array<{ name: string; pairs: Pairs }> = [
    { name: 'no criteria', pairs: [] },
    { name: 'a collection', pairs: [['CollectionCriteria', 'alpha-lung']] },
    { name: 'two modalities and a body part', pairs: [['ImageModalityCriteria', 'CT'], ['ImageModalityCriteria', 'MR'], ['BodyPartExaminedCriteria', 'CHEST']] },
    { name: 'a manufacturer and a species', pairs: [['ManufacturerCriteria', 'SIEMENS'], ['SpeciesCriteria', '337915000']] },
    { name: 'a description', pairs: [['DescriptionCriteria', 'chest']] },
  ];

  for (const c of CASES) {
    test(`${dialect}: ${c.name}: the same series, totals and facet counts as the simple search and the metadata say`, async () => {
      const expected = await simpleSearch(c.pairs);
      const { uids, first } = await allPages(c.pairs, {}, 2);
      assert.deepEqual(new Set(uids), new Set(expected.series.keys()));
      assert.equal(uids.length, expected.series.size, 'no series twice');
      assert.equal(first.totalSeries, expected.series.size);
      assert.equal(first.totalPatients, expected.patients);
      assert.deepEqual(first.facets, await expectedFacets(c.pairs));
    });
  }

  test(`${dialect}: every sort key, both directions, pages that continue one order (ties in index order)`, async () => {
    const expected = await simpleSearch([]);
    const rows = await metadata(expected.series.keys());
    assert.ok(rows.length >= 6, 'enough series to page through');
    for (const key of Object.keys(SORT_VALUE)) {
      for (const direction of ['ascending', 'descending']) {
        const sign = direction === 'ascending' ? 1 : -1;
        const want = [...rows]
          .sort((x, y) => {
            const vx = SORT_VALUE[key]!(x);
            const vy = SORT_VALUE[key]!(y);
            const byKey = vx < vy ? -1 : vx > vy ? 1 : 0;
            return sign * byKey || expected.series.get(x.SeriesInstanceUID)! - expected.series.get(y.SeriesInstanceUID)!;
          })
          .map((r) => r.SeriesInstanceUID);
        const { uids, first } = await allPages([], { sortField: key, sortDirection: direction }, 4);
        assert.deepEqual(uids, want, `${key} ${direction}`);
        assert.equal(first.sort, `${key}-${direction}`);
        const all = await a.post('getSimpleSearchSeriesUIDs', { sortField: key, sortDirection: direction });
        assert.equal(all.statusCode, 200, all.body);
        assert.deepEqual((all.json() as { seriesInstanceUIDs: string[] }).seriesInstanceUIDs, want, `all UIDs, ${key} ${direction}`);
      }
    }
  });

  test(`${dialect}: the rows are v4 getSeriesMetadata's rows, and totals=all counts studies and images`, async () => {
    const page = await seriesPage([['CollectionCriteria', 'Alpha-Lung']], { size: '500', totals: 'all' });
    assert.deepEqual(page.series, await metadata(page.series.map((r) => r.SeriesInstanceUID)));
    const rows = page.series as Array<SeriesRow & { StudyInstanceUID: string }>;
    assert.equal(page.totalStudies, new Set(rows.map((r) => r.StudyInstanceUID)).size);
    assert.equal(page.totalImages, rows.reduce((n, r) => n + Number(r.ImageCount), 0));
    const plain = await seriesPage([['CollectionCriteria', 'Alpha-Lung']]);
    assert.equal(plain.totalStudies, undefined, 'studies are counted only when asked');
    assert.equal(plain.size, 20, 'a page is 20 series unless asked');
  });

  test(`${dialect}: free text finds patient IDs and study or series descriptions, case-insensitively`, async () => {
    const rows = await metadata((await simpleSearch([])).series.keys());
    const withStudy = await a.post('v4/getSeriesMetadata', { list: rows.map((r) => r.SeriesInstanceUID), format: 'json' });
    const full = withStudy.json() as Array<SeriesRow & { StudyDesc?: string; SeriesDescription?: string }>;
    for (const text of ['a1', 'CHEST', 'no such text anywhere', '%', '_']) {
      const want = full
        .filter((r) => [r.PatientID, r.StudyDesc ?? '', r.SeriesDescription ?? ''].some((v) => v.toLowerCase().includes(text.toLowerCase())))
        .map((r) => r.SeriesInstanceUID);
      const { uids } = await allPages([], { text }, 500);
      assert.deepEqual(new Set(uids), new Set(want), `text "${text}"`);
    }
  });

  test(`${dialect}: restricted series only for a granted user, in rows, totals and facets`, async () => {
    const guest = await seriesPage([], { size: '500' });
    const alice = await a.grantedUser();
    const granted = await seriesPage([], { size: '500' }, alice);
    const secret = await simpleSearch([['CollectionCriteria', 'Secret-Trial']], alice);
    assert.ok(secret.series.size > 0);
    assert.equal(granted.totalSeries, guest.totalSeries + secret.series.size);
    assert.ok(!guest.series.some((r) => r.Collection === 'Secret-Trial'));
    assert.ok(!guest.facets.collection!.some((f) => f.value === 'Secret-Trial'));
    assert.deepEqual(granted.facets.collection!.find((f) => f.value === 'Secret-Trial'), { value: 'Secret-Trial', count: secret.series.size });
    // Asking for it by name as the guest finds nothing, and the chosen value is offered at 0 to be unchosen.
    const asked = await seriesPage([['CollectionCriteria', 'Secret-Trial']]);
    assert.equal(asked.totalSeries, 0);
    assert.deepEqual(asked.facets.collection!.find((f) => f.value === 'Secret-Trial'), { value: 'Secret-Trial', count: 0 });
    const uids = await a.post('getSimpleSearchSeriesUIDs', form([['CollectionCriteria', 'Secret-Trial']]));
    assert.deepEqual(uids.json(), { totalSeries: 0, seriesInstanceUIDs: [] });
  });

  test(`${dialect}: bad input is a 400 naming the problem; no token is a 401`, async () => {
    const cases: Array<[Form, RegExp]> = [
      [{ sortField: 'bogus' }, /sortField "bogus"/],
      [{ sortDirection: 'sideways' }, /sortDirection/],
      [{ size: '501' }, /at most|more than 500/],
      [{ start: '-3' }, /start/],
      [{ totals: 'some' }, /totals/],
      [form([['MinNumberOfStudiesCriteria', '2']]), /select patients, not series/],
      [form([['ModalityAndedSearchCriteria', 'all']]), /select patients, not series/],
      [form([['NoSuchCriteria', 'x']]), /criteriaType0/],
    ];
    for (const [f, message] of cases) {
      for (const path of ['getSimpleSearchSeriesPaged', 'getSimpleSearchSeriesUIDs']) {
        if (path === 'getSimpleSearchSeriesUIDs' && ('size' in f || 'start' in f || 'totals' in f)) continue;
        const res = await a.post(path, f);
        assert.equal(res.statusCode, 400, `${path} ${JSON.stringify(f)}: ${res.body}`);
        assert.match((res.json() as { error_description: string }).error_description, message);
      }
    }
    const anonymous = await a.post('getSimpleSearchSeriesPaged', {}, {});
    assert.equal(anonymous.statusCode, 401);
  });
});
