// Simple search (v4 getSimpleSearch, unversioned getSimpleSearchWithModalityAndBodyPartPaged)
// and getManifestForSimpleSearch on both dialects. Expected answers are worked out by hand
// from test/fixtures/advanced/seed.ts (see the summary in advanced-counts.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect, type Form } from '../fixtures/advanced/app.js';

interface Summary {
  resultSet: Array<{
    subjectId: string;
    project: string;
    id: number;
    studyIdentifiers: Array<{ studyIdentifier: number; studyInstanceUID: string; seriesIdentifiers: number[]; seriesInstanceUIDs: string[] }>;
    totalNumberOfStudies: number;
    totalNumberOfSeries: number;
    modalities: string[];
    bodyParts: string[];
    species: string[];
    timepoints: Record<string, number[]>;
  }>;
  totalPatients: number;
  bodyParts: Array<{ value: string; count: number }>;
  modalities: Array<{ value: string; count: number }>;
  collections: Array<{ value: string; count: number }>;
  species: Array<{ value: string; count: number }>;
  maxTimepoints: Record<string, number>;
  minTimepoints: Record<string, number>;
  sort: string;
}

/** criteriaType<N>/value<N> pairs in order, as tcia_utils numbers them. */
function criteria(...pairs: Array<[string, string]>): Form {
  const form: Record<string, string> = {};
  pairs.forEach(([type, value], i) => {
    form[`criteriaType${i}`] = type;
    form[`value${i}`] = value;
  });
  return form;
}

const PAGE = { sortField: 'subject', sortDirection: 'ascending', start: '0', size: '100', tool: 'tcia_utils' };

eachDialect((dialect, a) => {
  /** Runs the search on both paths, checks they agree, and returns the v4 answer. */
  async function search(form: Form, headers?: Record<string, string>): Promise<Summary> {
    const v4 = await a.post('v4/getSimpleSearch', form, headers ?? {});
    assert.equal(v4.statusCode, 200, v4.body);
    assert.match(String(v4.headers['content-type']), /^application\/json/);
    const unversioned = await a.post('getSimpleSearchWithModalityAndBodyPartPaged', form, headers ?? a.guest);
    assert.equal(unversioned.statusCode, 200, unversioned.body);
    assert.equal(unversioned.body, v4.body);
    return v4.json() as Summary;
  }

  const subjects = (s: Summary) => s.resultSet.map((p) => p.subjectId);
  const seriesOf = (s: Summary) => s.resultSet.map((p) => [p.subjectId, p.studyIdentifiers.flatMap((st) => st.seriesInstanceUIDs)]);

  test(`${dialect}: collection + modality search answers matching patients, their matching series and facet counts`, async () => {
    const s = await search({ ...criteria(['CollectionCriteria', 'alpha-lung'], ['ImageModalityCriteria', 'CT']), ...PAGE });
    const pk = a.seeded;
    assert.deepEqual(s, {
      resultSet: [
        {
          subjectId: 'A1',
          project: 'Alpha-Lung',
          id: pk.patientPks.A1,
          studyIdentifiers: [
            { studyIdentifier: pk.studyPks['1.2.826.0.1.1'], studyInstanceUID: '1.2.826.0.1.1', seriesIdentifiers: [pk.seriesPks['1.2.826.0.1.1.1']], seriesInstanceUIDs: ['1.2.826.0.1.1.1'] },
            { studyIdentifier: pk.studyPks['1.2.826.0.1.2'], studyInstanceUID: '1.2.826.0.1.2', seriesIdentifiers: [pk.seriesPks['1.2.826.0.1.2.1']], seriesInstanceUIDs: ['1.2.826.0.1.2.1'] },
          ],
          totalNumberOfStudies: 2,
          totalNumberOfSeries: 2,
          modalities: ['CT'],
          bodyParts: ['CHEST', 'NOT SPECIFIED'],
          species: ['337915000'],
          timepoints: {},
        },
        {
          subjectId: 'A2',
          project: 'Alpha-Lung',
          id: pk.patientPks.A2,
          studyIdentifiers: [
            { studyIdentifier: pk.studyPks['1.2.826.0.2.1'], studyInstanceUID: '1.2.826.0.2.1', seriesIdentifiers: [pk.seriesPks['1.2.826.0.2.1.1']], seriesInstanceUIDs: ['1.2.826.0.2.1.1'] },
          ],
          totalNumberOfStudies: 1,
          totalNumberOfSeries: 1,
          modalities: ['ct'],
          bodyParts: ['CHEST'],
          species: ['337915000'],
          timepoints: {},
        },
      ],
      totalPatients: 2,
      bodyParts: [{ value: 'CHEST', count: 2 }, { value: 'NOT SPECIFIED', count: 1 }],
      modalities: [{ value: 'CT', count: 1 }, { value: 'ct', count: 1 }],
      collections: [{ value: 'Alpha-Lung', count: 2 }],
      species: [{ value: '337915000', count: 2 }],
      maxTimepoints: {},
      minTimepoints: {},
      sort: 'subject-ascending',
    });
    const page2 = await search({ ...criteria(['CollectionCriteria', 'alpha-lung'], ['ImageModalityCriteria', 'CT']), ...PAGE, start: '1', size: '1' });
    assert.deepEqual(subjects(page2), ['A2']);
    assert.equal(page2.totalPatients, 2, 'totalPatients counts every match, not the page');
    assert.deepEqual(page2.collections, [{ value: 'Alpha-Lung', count: 2 }]);
  });

  test(`${dialect}: each criteria type narrows as documented`, async () => {
    const cases: Array<[string, Form, Array<[string, string[]]>]> = [
      ['date range MM-DD-YYYY (study dates in 2020)', { criteriaType0: 'DateRangeCriteria', fromDate0: '01-01-2020', toDate0: '12-31-2020' }, [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2']], ['A2', ['1.2.826.0.2.1.1']]]],
      ['date range as tcia_utils names it (its enum member, Criteria.DateRange)', { criteriaType0: 'Criteria.DateRange', fromDate0: '01/01/2020', toDate0: '2020-01-31' }, [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2']]]],
      ['date range MM/DD/YYYY and ISO', { criteriaType0: 'DateRangeCriteria', fromDate0: '01/01/2020', toDate0: '2020-01-31' }, [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2']]]],
      ['date range open at the end', { criteriaType0: 'DateRangeCriteria', fromDate0: '06-01-2021' }, [['A1', ['1.2.826.0.1.2.1']], ['B1', ['1.2.826.0.4.1.1']]]],
      ['modalities OR', criteria(['ImageModalityCriteria', 'CT'], ['ImageModalityCriteria', 'PT']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2', '1.2.826.0.1.2.1']], ['A2', ['1.2.826.0.2.1.1']]]],
      ['modalities AND', criteria(['ImageModalityCriteria', 'CT'], ['ImageModalityCriteria', 'PT'], ['ModalityAndedSearchCriteria', 'all']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2', '1.2.826.0.1.2.1']]]],
      ['at least 2 studies', criteria(['MinNumberOfStudiesCriteria', '2']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2', '1.2.826.0.1.2.1']]]],
      ['patient (case-insensitive) and phantom', criteria(['PatientCriteria', 'a3'], ['PhantomCriteria', 'YES']), [['A3', ['1.2.826.0.3.1.1']]]],
      ['no phantoms in Alpha-Lung', criteria(['CollectionCriteria', 'Alpha-Lung'], ['PhantomCriteria', 'NO'], ['ImageModalityCriteria', 'ct']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.2.1']], ['A2', ['1.2.826.0.2.1.1']]]],
      ['third-party analyses', criteria(['ThirdPartyAnalysis', 'yes']), [['A3', ['1.2.826.0.3.1.1']]]],
      ['series description', criteria(['DescriptionCriteria', 'lung']), [['A1', ['1.2.826.0.1.1.1']]]],
      ['study description', criteria(['DescriptionCriteria', 'Chest']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2']]]],
      ['LIKE characters are literal', criteria(['DescriptionCriteria', '%']), []],
      ['species', criteria(['SpeciesCriteria', '447612001']), [['A3', ['1.2.826.0.3.1.1']]]],
      ['unstated species is human', criteria(['SpeciesCriteria', '337915000'], ['ImageModalityCriteria', 'MR']), [['B1', ['1.2.826.0.4.1.1']]]],
      ['body part and its alias, OR', criteria(['AnatomicalSiteCriteria', 'chest'], ['BodyPartExaminedCriteria', 'HEAD']), [['A1', ['1.2.826.0.1.1.1', '1.2.826.0.1.1.2']], ['A2', ['1.2.826.0.2.1.1']], ['A3', ['1.2.826.0.3.1.1']]]],
      ['body part NOT SPECIFIED', criteria(['AnatomicalSiteCriteria', 'NOT SPECIFIED']), [['A1', ['1.2.826.0.1.2.1']]]],
      ['manufacturer and model', criteria(['ManufacturerCriteria', 'SIEMENS'], ['ModelCriteria', 'Force']), [['A1', ['1.2.826.0.1.1.1']]]],
      ['study UID', criteria(['StudyCriteria', '1.2.826.0.1.2']), [['A1', ['1.2.826.0.1.2.1']]]],
      ['patient sex', criteria(['PatientSexCriteria', 'f']), [['A2', ['1.2.826.0.2.1.1']], ['B1', ['1.2.826.0.4.1.1']]]],
      ['pixel spacing range', { criteriaType0: 'PixelSpacingRangeCriteria', from0: '0.5', to0: '1' }, [['A1', ['1.2.826.0.1.1.1']]]],
      ['restricted series UID', criteria(['SeriesCriteria', '1.2.826.0.9.1.1']), []],
      ['restricted collection', criteria(['CollectionCriteria', 'Secret-Trial']), []],
    ];
    for (const [why, form, expected] of cases) {
      assert.deepEqual(seriesOf(await search({ ...form, ...PAGE })), expected, why);
    }
    const restricted = await search({ ...criteria(['CollectionCriteria', 'Secret-Trial']), ...PAGE });
    assert.deepEqual(restricted, { resultSet: [], totalPatients: 0, bodyParts: [], modalities: [], collections: [], species: [], maxTimepoints: {}, minTimepoints: {}, sort: 'subject-ascending' });
    // Whoever is granted it finds it.
    const alice = await a.grantedUser();
    const mine = await search({ ...criteria(['CollectionCriteria', 'Secret-Trial']), ...PAGE }, alice);
    assert.deepEqual(seriesOf(mine), [['S1', ['1.2.826.0.9.1.1', '1.2.826.0.9.1.2']]]);
  });

  test(`${dialect}: sorting by series and collection, both directions, and the defaults`, async () => {
    assert.deepEqual(subjects(await search({ sortField: 'series', sortDirection: 'descending' })), ['A1', 'A2', 'A3', 'B1']);
    assert.deepEqual(subjects(await search({ sortField: 'collection', sortDirection: 'descending' })), ['B1', 'A1', 'A2', 'A3']);
    assert.deepEqual(subjects(await search({ sortField: 'subject', sortDirection: 'descending' })), ['B1', 'A3', 'A2', 'A1']);
    const all = await search({});
    assert.deepEqual(subjects(all), ['A1', 'A2', 'A3', 'B1']);
    assert.equal(all.sort, 'subject-ascending');
    assert.deepEqual(all.collections, [{ value: 'Alpha-Lung', count: 3 }, { value: 'beta-brain', count: 1 }]);
    assert.deepEqual(all.species, [{ value: '337915000', count: 3 }, { value: '447612001', count: 1 }]);
  });

  test(`${dialect}: bad search input is a 400 naming the problem, never a 500`, async () => {
    const cases: Array<[Form, RegExp]> = [
      [criteria(['CollectionCriteria', 'Alpha-Lung'], ['FooCriteria', 'x']), /criteriaType1 "FooCriteria"/],
      [{ criteriaType0: 'CollectionCriteria' }, /value0 is required/],
      [{ criteriaType0: 'DateRangeCriteria', fromDate0: '02-30-2020', toDate0: '03-01-2020' }, /fromDate0 "02-30-2020" is not a real date/],
      [{ criteriaType0: 'DateRangeCriteria', fromDate0: '2020.01.01' }, /fromDate0/],
      [{ criteriaType0: 'DateRangeCriteria', fromDate0: '12-31-2020', toDate0: '01-01-2020' }, /after toDate0/],
      [{ criteriaType0: 'DateRangeCriteria' }, /fromDate0, toDate0 or both/],
      [{ criteriaType0: 'MinNumberOfStudiesCriteria', value0: 'two' }, /not a whole number/],
      [{ criteriaType0: 'PhantomCriteria', value0: 'maybe' }, /YES, NO or ALL/],
      [{ sortField: 'age' }, /sortField "age"/],
      [{ sortDirection: 'sideways' }, /sortDirection "sideways"/],
      [{ start: '-1' }, /start/],
      [{ size: 'ten' }, /size/],
    ];
    for (const [form, message] of cases) {
      for (const path of ['v4/getSimpleSearch', 'getSimpleSearchWithModalityAndBodyPartPaged', 'v4/getManifestForSimpleSearch']) {
        const res = await a.post(path, form, path.startsWith('v4/') ? {} : a.guest);
        assert.equal(res.statusCode, 400, `${path} ${JSON.stringify(form)}`);
        assert.equal(res.json().error, 'invalid_request');
        assert.match(res.json().error_description, message);
      }
    }
  });

  test(`${dialect}: getManifestForSimpleSearch answers a .tcia manifest: six header lines, then the matching series`, async () => {
    const form = { ...criteria(['CollectionCriteria', 'Alpha-Lung'], ['ImageModalityCriteria', 'CT']), ...PAGE, size: '1000000' };
    for (const [path, headers] of [['v4/getManifestForSimpleSearch', {}], ['getManifestForSimpleSearch', a.guest]] as const) {
      const res = await a.post(path, form, { ...headers, host: 'archive.example.org:8443' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/x-nbia-manifest-file/);
      const lines = res.body.split('\n');
      assert.equal(lines[0], 'downloadServerUrl=http://archive.example.org:8443/nbia-download/servlet/DownloadServlet');
      assert.equal(lines[1], 'includeAnnotation=false');
      assert.match(lines[2]!, /^noOfrRetry=\d+$/);
      assert.match(lines[3]!, /^databasketId=manifest-\d+\.tcia$/);
      assert.match(lines[4]!, /^manifestVersion=/);
      assert.equal(lines[5], 'ListOfSeriesToDownload=');
      // tcia_utils: split('\n')[6:], blank lines dropped.
      assert.deepEqual(lines.slice(6).filter((l) => l.trim() !== ''), ['1.2.826.0.1.1.1', '1.2.826.0.1.2.1', '1.2.826.0.2.1.1']);
    }
    const nothing = await a.post('v4/getManifestForSimpleSearch', criteria(['CollectionCriteria', 'Secret-Trial']), {});
    assert.equal(nothing.statusCode, 200);
    assert.equal(nothing.body.split('\n').filter((l) => l !== '').length, 6, 'only the header for no match');
  });
});
