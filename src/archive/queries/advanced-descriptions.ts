// getCollectionDescriptions (spec §7.5): the collections the viewer may see, with their
// description (HTML, as the curators wrote it), DOI link and when the description was set.
import type { AccessScope } from '../access.js';
import { compareBytes, sameIgnoringCase } from './filters.js';

export interface CollectionDescription {
  id: number;
  collectionName: string;
  description: string | null;
  descriptionUri: string | null;
  /** When the description was last set, or when the collection was made if it never was (index timestamp, UTC). */
  describedAt: string;
}

/** Every visible collection, or the one named `collectionName` (case-insensitively), in byte order of the name. */
export async function collectionDescriptions(scope: AccessScope, collectionName?: string): Promise<CollectionDescription[]> {
  let q = scope
    .collections()
    .select([
      'collection.id as id',
      'collection.name as collectionName',
      'collection.description as description',
      'collection.description_uri as descriptionUri',
      'collection.description_updated_at as describedAt',
      'collection.created_at as createdAt',
    ]);
  if (collectionName !== undefined) q = q.where(sameIgnoringCase('collection.name', collectionName));
  const rows = await q.execute();
  return rows
    .map((r) => ({
      id: Number(r.id),
      collectionName: r.collectionName,
      description: r.description,
      descriptionUri: r.descriptionUri,
      describedAt: r.describedAt ?? r.createdAt,
    }))
    .sort((a, b) => compareBytes(a.collectionName, b.collectionName));
}
