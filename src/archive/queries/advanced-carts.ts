// createSharedList (spec §7.6): a shared cart made by the caller from series it may see.
// Visibility is checked here, through the caller's scope; the insert itself is the one
// createCart in ../carts.ts that the `nbia carts` command uses too (same name rules, same
// case-insensitive uniqueness, one transaction).
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { viewerName, type AccessScope } from '../access.js';
import { someOf, createCart, type CreatedCart } from '../carts.js';
import { badRequest } from '../../errors.js';
import { inUidChunks } from './series.js';

export interface SharedListInput {
  name: string;
  seriesInstanceUids: readonly string[];
  description?: string;
  url?: string;
}

/**
 * Creates the cart, owned by the caller. A UID that does not exist and a UID of a series
 * the caller may not see get the same 400, so the answer tells nothing about restricted
 * data. `writer` is the index for the insert only; every read goes through `scope`.
 */
export async function createSharedList(scope: AccessScope, writer: Kysely<Database>, input: SharedListInput): Promise<CreatedCart> {
  const uids = [...new Set(input.seriesInstanceUids)];
  if (uids.length === 0) throw badRequest('list must name at least one SeriesInstanceUID');
  const rows = await inUidChunks(uids, (chunk) =>
    scope.series().where('series.series_instance_uid', 'in', chunk).select('series.series_instance_uid').execute(),
  );
  const visible = new Set(rows.map((r) => r.series_instance_uid));
  const refused = uids.filter((u) => !visible.has(u));
  if (refused.length > 0) {
    throw badRequest(`User does not have permission for all series in list: no series you may see has the SeriesInstanceUID ${someOf(refused)}`);
  }
  return createCart(writer, input.name, uids, viewerName(scope.viewer), { description: input.description ?? null, url: input.url ?? null });
}
