// Distinct-value lists (getCollectionValues, ...), each seen through the viewer's scope.
import type { AccessScope } from '../access.js';

/** Collections holding at least one series the viewer may see, in byte order of the name (spec §4.11). */
export async function collectionValues(scope: AccessScope): Promise<string[]> {
  const rows = await scope
    .collections()
    .where((eb) => eb.exists(eb.selectFrom('series').select('series.id').whereRef('series.collection_id', '=', 'collection.id')))
    .select('collection.name')
    .execute();
  // Sorted here, not in SQL, so both dialects give byte order whatever their collation.
  return rows.map((r) => r.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
