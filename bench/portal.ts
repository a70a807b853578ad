// `npm run bench -- portal`: the portal's search on 200,000 series (NLST's shape, one big
// collection and three small ones), as the browser asks it: getSimpleSearchSeriesPaged
// against `nbia serve` in a child process, over HTTP from this process, on SQLite and (when
// reachable) PostgreSQL. The goal (issue 11) is an answer within 200 ms. The baseline, in
// the same run, is what the portal asked before: the patient-level simple search for every
// match, whose answer then had to be followed by the metadata of all 200,000 series.
import { performance } from 'node:perf_hooks';
import { createTestStore, type TestStore } from '../test/helpers/stores.js';
import { startServeProcess } from '../test/helpers/serve-process.js';
import { fillScaleIndex } from './scale/fill.js';
import { BIG_COLLECTION, SMALL_COLLECTIONS, patientIdOf } from './scale/shape.js';
import { quantile } from './scale/measure.js';
import type { DialectName } from '../src/store/dialect.js';

/** 21 million images at NLST's shape are 200,000 series; only the series rows are made. */
const IMAGES = 21_000_000;
const ROUNDS = 30;
const GOAL_MS = 200;

type Form = Record<string, string>;

function criteria(pairs: Array<[string, string]>, extra: Form = {}): Form {
  const f: Form = { ...extra };
  pairs.forEach(([type, value], i) => ((f[`criteriaType${i}`] = type), (f[`value${i}`] = value)));
  return f;
}

/** The searches a portal user makes, each as the portal sends it (20 series a page). */
const SEARCHES: Array<[string, Form]> = [
  ['landing page (no choice, by collection)', { sortField: 'collection', start: '0', size: '20' }],
  ['modality CT, by size descending, page 50', criteria([['ImageModalityCriteria', 'CT']], { sortField: 'size', sortDirection: 'descending', start: '980', size: '20' })],
  [
    'collection + manufacturer + study dates, by date',
    criteria([['CollectionCriteria', BIG_COLLECTION], ['ManufacturerCriteria', 'SIEMENS']], {
      criteriaType2: 'DateRangeCriteria', fromDate2: '1999-06-01', toDate2: '2000-12-31', sortField: 'date', start: '0', size: '20',
    }),
  ],
  ['a small collection, by patient', criteria([['CollectionCriteria', SMALL_COLLECTIONS[0]]], { sortField: 'patient', start: '0', size: '20' })],
  ['free text: one patient ID', { text: patientIdOf(12345), sortField: 'collection', start: '0', size: '20' }],
  ['collection page (totals=all)', criteria([['CollectionCriteria', BIG_COLLECTION]], { start: '0', size: '1', totals: 'all' })],
];

async function token(origin: string): Promise<string> {
  const res = await fetch(`${origin}/nbia-api/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'nbia_guest', password: '', grant_type: 'password', client_id: 'NBIA' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function post(origin: string, bearer: string, endpoint: string, form: Form): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const res = await fetch(`${origin}/nbia-api/services/${endpoint}`, { method: 'POST', body: new URLSearchParams(form), headers: { Authorization: `Bearer ${bearer}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${endpoint} answered ${res.status}: ${body.slice(0, 300)}`);
  return { ms: performance.now() - started, body };
}

async function benchDialect(dialect: DialectName, out: Record<string, number | string>): Promise<void> {
  let t: TestStore | undefined;
  try {
    t = await createTestStore(dialect);
  } catch (e) {
    out[`${dialect}: skipped`] = `no database: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  try {
    const fill = await fillScaleIndex(t.store, IMAGES, () => undefined, { imageRows: false });
    out[`${dialect}: series / patients in the index`] = `${fill.plan.series} / ${fill.plan.patients}`;
    out[`${dialect}: fill s`] = fill.seconds;
    const server = await startServeProcess(['--data', t.dataDir, '--database', t.databaseUrl]);
    try {
      const bearer = await token(server.origin);
      let worst = 0;
      for (const [name, form] of SEARCHES) {
        for (let i = 0; i < 3; i++) await post(server.origin, bearer, 'getSimpleSearchSeriesPaged', form);
        const times: number[] = [];
        let total = 0;
        for (let i = 0; i < ROUNDS; i++) {
          const r = await post(server.origin, bearer, 'getSimpleSearchSeriesPaged', form);
          times.push(r.ms);
          total = (JSON.parse(r.body) as { totalSeries: number }).totalSeries;
        }
        times.sort((a, b) => a - b);
        const median = quantile(times, 0.5);
        worst = Math.max(worst, median);
        out[`${dialect}: ${name}: matches`] = total;
        out[`${dialect}: ${name}: median / p99 ms`] = `${median.toFixed(1)} / ${quantile(times, 0.99).toFixed(1)}`;
      }
      out[`${dialect}: slowest median / goal ${GOAL_MS} ms (ratio)`] = worst / GOAL_MS;
      // The baseline: the first of the old portal's requests for the landing page alone.
      const before = await post(server.origin, bearer, 'getSimpleSearchWithModalityAndBodyPartPaged', {});
      out[`${dialect}: baseline: patient-level simple search of everything, ms`] = before.ms;
      out[`${dialect}: baseline answer MB (then 400 metadata requests followed)`] = before.body.length / 1e6;
    } finally {
      await server.stop();
    }
  } finally {
    await t.dispose();
  }
}

export async function benchPortal(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  for (const dialect of ['sqlite', 'postgres'] as const) await benchDialect(dialect, out);
  return out;
}
