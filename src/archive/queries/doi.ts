// getCollectionOrSeriesForDOI (spec §7.5): the collections, or the series, the viewer may
// see whose DOI (the collection's https://doi.org/ description URI, src/archive/doi.ts) is
// the one asked, with their ThirdPartyAnalysis flag; every visible one when no DOI is given.
import { sql } from 'kysely';
import type { AccessScope } from '../access.js';
import { bareDoi } from '../doi.js';
import { seriesWithParents } from './columns.js';
import { compareBytes } from './filters.js';

export interface DoiHit {
  collection: string;
  thirdPartyAnalysis: string | null;
  /** Only when series were asked for. */
  seriesInstanceUid?: string;
}

/**
 * `doi` as a bare DOI (lower case) or undefined for all. Collections: one row per
 * (collection, ThirdPartyAnalysis) pair, as the original groups them; series: one per series.
 */
export async function doiHits(scope: AccessScope, doi: string | undefined, perSeries: boolean): Promise<DoiHit[]> {
  let q = seriesWithParents(scope).select([
    'collection.name as collection',
    'series.third_party_analysis as thirdPartyAnalysis',
    'series.series_instance_uid as seriesInstanceUid',
    'collection.description_uri as descriptionUri',
  ]);
  if (doi !== undefined) {
    // A cheap prefilter in SQL (the link ends with the DOI, whatever its case); bareDoi decides.
    q = q.where(sql<boolean>`lower(${sql.ref('collection.description_uri')}) like ${`%${doi.replace(/[\\%_]/g, (c) => `\\${c}`)}`} escape ${sql.lit('\\')}`);
  }
  const rows = (await q.execute()).filter((r) => doi === undefined || (r.descriptionUri !== null && bareDoi(r.descriptionUri) === doi));
  const hits = new Map<string, DoiHit>();
  for (const r of rows) {
    const key = perSeries ? r.seriesInstanceUid : `${r.collection}\u0000${r.thirdPartyAnalysis ?? ''}`;
    if (hits.has(key)) continue;
    hits.set(key, {
      collection: r.collection,
      thirdPartyAnalysis: r.thirdPartyAnalysis,
      ...(perSeries ? { seriesInstanceUid: r.seriesInstanceUid } : {}),
    });
  }
  // By collection, then series UID (or, for collections, the flag: not stated, NO, YES).
  return [...hits.values()].sort(
    (a, b) =>
      compareBytes(a.collection, b.collection) ||
      compareBytes(a.seriesInstanceUid ?? '', b.seriesInstanceUid ?? '') ||
      compareBytes(a.thirdPartyAnalysis ?? '', b.thirdPartyAnalysis ?? ''),
  );
}
