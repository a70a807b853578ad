// A Collection filter resolved to collection ids before the listing runs. Matched by name
// inside the listing (a join to collection and upper(name) = upper(?)), the planners cannot
// know which collection ids qualify, so they walk the series or patients in id order and
// drop the other collections' rows: cheap for the collection holding nearly everything,
// hundreds of milliseconds for a small one in a large archive. With the ids known, the
// listing is a range scan of the (collection_id, id) indexes (migration 0006).
import type { AccessScope } from '../access.js';
import { sameIgnoringCase, type FilterValue } from './filters.js';
import { Pages } from './paging.js';

/**
 * Ids of the viewer's collections whose name matches `name` case-insensitively, in id
 * order. Names are unique but may differ only in case, so this can be more than one id; an
 * empty list means the listing is empty. The listing still goes through the scope, so a
 * grant revoked between the two queries is honoured by the second.
 */
export async function visibleCollectionIdsNamed(scope: AccessScope, name: string): Promise<number[]> {
  const rows = await scope.collections().where(sameIgnoringCase('collection.name', name)).select('collection.id').orderBy('collection.id').execute();
  return rows.map((r) => Number(r.id));
}

/** The ids a listing's Collection filter stands for; undefined when there is no such filter. */
export async function collectionIdsOf(scope: AccessScope, collection: FilterValue): Promise<number[] | undefined> {
  return collection === undefined ? undefined : visibleCollectionIdsNamed(scope, collection);
}

/**
 * A paged listing narrowed by a Collection filter: the filter's ids are read when the first
 * page is asked for, and a filter that names no visible collection lists nothing.
 */
export function collectionListingPages<R>(scope: AccessScope, collection: FilterValue, listing: (ids: number[] | undefined) => Pages<R>): Pages<R> {
  return Pages.opening(async () => {
    const ids = await collectionIdsOf(scope, collection);
    return ids?.length === 0 ? Pages.none<R>() : listing(ids);
  });
}
