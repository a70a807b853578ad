// The series a `.tcia` manifest lists (spec §7.7): those of one collection
// (getManifestForCollection), or those of a given list (getManifestTextV2) — in both cases
// only series the viewer may see, so a manifest never names restricted data.
import type { AccessScope } from '../access.js';
import { sameIgnoringCase } from './filters.js';

const CHUNK = 1000;

/** Every visible series of the collection (named case-insensitively), in study/series order of the index. */
export async function collectionSeriesUids(scope: AccessScope, collection: string): Promise<string[]> {
  const rows = await scope
    .series()
    .innerJoin('collection', 'collection.id', 'series.collection_id')
    .where(sameIgnoringCase('collection.name', collection))
    .select('series.series_instance_uid as uid')
    .orderBy('series.patient_pk')
    .orderBy('series.study_pk')
    .orderBy('series.id')
    .execute();
  return rows.map((r) => r.uid);
}

/** The given UIDs the viewer may see, in the order given, duplicates dropped. */
export async function visibleSeriesUids(scope: AccessScope, uids: readonly string[]): Promise<string[]> {
  const asked = [...new Set(uids)];
  const visible = new Set<string>();
  for (let i = 0; i < asked.length; i += CHUNK) {
    const rows = await scope.series().where('series.series_instance_uid', 'in', asked.slice(i, i + CHUNK)).select('series.series_instance_uid as uid').execute();
    for (const r of rows) visible.add(r.uid);
  }
  return asked.filter((u) => visible.has(u));
}
