// `node --import tsx bench/scale/plans.ts --database URL`: the plans of the collection
// listings on an index the scale bench kept (--keep), each as the listing's first page and
// a later one, with the Collection filter matched by name inside the query (as before
// migration 0006) and resolved to ids first (as the archive now runs it), and the median
// time of each. PostgreSQL plans are EXPLAIN ANALYZE. Figures only, never pass/fail.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { openStore } from '../../src/store/db.js';
import { AccessScope, GUEST } from '../../src/archive/access.js';
import { findSeriesQuery } from '../../src/archive/queries/series.js';
import { listPatientsQuery } from '../../src/archive/queries/patients.js';
import { visibleCollectionIdsNamed } from '../../src/archive/queries/collection-ids.js';
import { PAGE_SIZE } from '../../src/archive/queries/paging.js';
import { planOf } from '../plan.js';
import { quantile } from './measure.js';
import { BIG_COLLECTION, SMALL_COLLECTIONS, patientIdOf } from './shape.js';

const { values } = parseArgs({ options: { database: { type: 'string' }, rounds: { type: 'string', default: '21' } } });
if (!values.database) throw new Error('--database URL is required (sqlite:/path/nbia.sqlite or postgres://...)');
const store = await openStore(values.database, { migrate: false });
const db = store.db as unknown as Kysely<unknown>;
const scope = new AccessScope(store.db, GUEST);

interface Runnable {
  compile(): { sql: string; parameters: readonly unknown[] };
  execute(): Promise<unknown[]>;
}

async function medianMs(q: Runnable): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < Number(values.rounds); i++) {
    const t = performance.now();
    await q.execute();
    times.push(performance.now() - t);
  }
  return quantile(times.sort((a, b) => a - b), 0.5);
}

async function show(title: string, q: Runnable, resolve?: () => Promise<unknown>): Promise<void> {
  const t = performance.now();
  if (resolve) await resolve();
  const resolveMs = performance.now() - t;
  const ms = await medianMs(q);
  console.log(`\n-- ${title}: median ${ms.toFixed(2)} ms${resolve ? ` (+ ${resolveMs.toFixed(2)} ms resolving the name, once)` : ''}`);
  for (const line of await planOf(db, store.dialect, q, { analyze: true })) console.log(`   ${line}`);
}

try {
  for (const name of [SMALL_COLLECTIONS[0], BIG_COLLECTION]) {
    const ids = await visibleCollectionIdsNamed(scope, name);
    const series = (byIds: boolean) => findSeriesQuery(scope, { collection: name }, byIds ? ids : undefined).select('series.id as pageKey');
    const patients = (byIds: boolean) => listPatientsQuery(scope, { collection: name }, byIds ? ids : undefined).select('patient.id as pageKey');
    for (const byIds of [false, true]) {
      const how = byIds ? 'ids resolved first' : 'name matched in the query';
      await show(`getSeries Collection=${name}, first page, ${how}`, series(byIds).limit(PAGE_SIZE), byIds ? () => visibleCollectionIdsNamed(scope, name) : undefined);
      const page = await series(byIds).limit(PAGE_SIZE).execute();
      const after = page.length > 0 ? Number(page[Math.floor(page.length / 2)]!.pageKey) : 0;
      await show(`getSeries Collection=${name}, a page after id ${after}, ${how}`, series(byIds).where('series.id', '>', after).limit(PAGE_SIZE));
      await show(`getPatient Collection=${name}, first page, ${how}`, patients(byIds).limit(PAGE_SIZE));
    }
  }
  const ids = await visibleCollectionIdsNamed(scope, BIG_COLLECTION);
  await show(`getSeries PatientID=${patientIdOf(1000)}`, findSeriesQuery(scope, { patientId: patientIdOf(1000) }).select('series.id as pageKey').limit(PAGE_SIZE));
  await show(
    `getSeries Collection=${BIG_COLLECTION}&PatientID=${patientIdOf(1000)}, ids resolved first`,
    findSeriesQuery(scope, { collection: BIG_COLLECTION, patientId: patientIdOf(1000) }, ids).select('series.id as pageKey').limit(PAGE_SIZE),
  );
} finally {
  await store.close();
}
