// v1 getDeniedSeries (spec §5.21): which of the given series the viewer may not download.
// A series that does not exist is denied like a restricted one, so the answer says nothing
// about what exists beyond what the viewer may see.
import type { AccessScope } from '../access.js';
import { visibleSeriesUids } from './manifests.js';

/** The UIDs of `seriesInstanceUids` (duplicates dropped, order kept) the viewer cannot see. */
export async function deniedSeries(scope: AccessScope, seriesInstanceUids: readonly string[]): Promise<string[]> {
  const visible = new Set(await visibleSeriesUids(scope, seriesInstanceUids));
  return [...new Set(seriesInstanceUids)].filter((uid) => !visible.has(uid));
}
