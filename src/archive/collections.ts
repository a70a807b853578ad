// Collection administration (the `nbia collections` commands and ingest): create, make
// public or restricted, set the licence and description, and list with their sizes.
// Collection names are matched case-insensitively, as every NBIA filter on Collection is,
// so "lidc-idri" and "LIDC-IDRI" can never become two collections.
import { sql, type Kysely } from 'kysely';
import type { CollectionRow, Database } from '../store/schema.js';
import { nowTimestamp } from '../store/db.js';
import { badRequest } from '../errors.js';

export interface CollectionChanges {
  /** true: everyone (the guest included) sees it; false: only users granted it. */
  public?: boolean;
  licenseName?: string | null;
  licenseUri?: string | null;
  licenseText?: string | null;
  description?: string | null;
  descriptionUri?: string | null;
  /** YES or NO: whether the licence allows commercial use (ExcludeCommercialCriteria, getLicenses). */
  commercialUse?: string | null;
}

export interface CollectionListing {
  name: string;
  isPublic: boolean;
  patients: number;
  series: number;
  images: number;
  bytes: number;
  licenseName: string | null;
  licenseUri: string | null;
  description: string | null;
  createdAt: string;
}

/** A collection name as given by a user: trimmed, non-empty, one line. */
export function checkCollectionName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw badRequest('a collection name must not be empty');
  if (/[\r\n\t]/.test(trimmed)) throw badRequest(`a collection name must be one line without tabs: ${JSON.stringify(name)}`);
  if (trimmed.length > 256) throw badRequest('a collection name must be at most 256 characters');
  return trimmed;
}

export async function findCollection(db: Kysely<Database>, name: string): Promise<CollectionRow | undefined> {
  return db
    .selectFrom('collection')
    .selectAll()
    .where(sql<string>`upper(name)`, '=', checkCollectionName(name).toUpperCase())
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * Creates the collection when missing (restricted unless `public: true`) and applies the
 * changes; `description_updated_at` moves only when the description really changes.
 * Returns the row as stored afterwards.
 */
export async function setCollection(db: Kysely<Database>, name: string, changes: CollectionChanges = {}): Promise<CollectionRow> {
  const cleanName = checkCollectionName(name);
  return db.transaction().execute(async (trx) => {
    const now = nowTimestamp();
    let row = await findCollection(trx, cleanName);
    if (!row) {
      await trx
        .insertInto('collection')
        .values({ name: cleanName, is_public: changes.public === true ? 1 : 0, created_at: now })
        .execute();
      row = await findCollection(trx, cleanName);
      if (!row) throw new Error(`collection ${cleanName} vanished after being created`);
    }
    const update: Partial<Omit<CollectionRow, 'id'>> = {};
    if (changes.public !== undefined && (row.is_public === 1) !== changes.public) update.is_public = changes.public ? 1 : 0;
    const text = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value.trim() === '' ? null : value);
    const fields = [
      ['license_name', text(changes.licenseName)],
      ['license_uri', text(changes.licenseUri)],
      ['license_text', text(changes.licenseText)],
      ['description', text(changes.description)],
      ['description_uri', text(changes.descriptionUri)],
      ['commercial_use', text(changes.commercialUse)],
    ] as const;
    for (const [column, value] of fields) {
      if (value !== undefined && row[column] !== value) update[column] = value;
    }
    if (update.description !== undefined) update.description_updated_at = now;
    if (Object.keys(update).length > 0) {
      await trx.updateTable('collection').set(update).where('id', '=', row.id).execute();
      row = { ...row, ...update };
    }
    return row;
  });
}

/** Every collection with its patient, series and image counts and total bytes, by name. */
export async function listCollections(db: Kysely<Database>): Promise<CollectionListing[]> {
  const rows = await db
    .selectFrom('collection as c')
    .select((eb) => [
      'c.name',
      'c.is_public',
      'c.license_name',
      'c.license_uri',
      'c.description',
      'c.created_at',
      eb.selectFrom('patient as p').select((e) => e.fn.countAll<number>().as('n')).whereRef('p.collection_id', '=', 'c.id').as('patients'),
      eb.selectFrom('series as s').select((e) => e.fn.countAll<number>().as('n')).whereRef('s.collection_id', '=', 'c.id').as('series'),
      eb.selectFrom('series as s').select((e) => e.fn.sum<number>('s.image_count').as('n')).whereRef('s.collection_id', '=', 'c.id').as('images'),
      eb.selectFrom('series as s').select((e) => e.fn.sum<number>('s.total_size').as('n')).whereRef('s.collection_id', '=', 'c.id').as('bytes'),
    ])
    .orderBy('c.name')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    isPublic: r.is_public === 1,
    // PostgreSQL returns count() and sum() of bigint as text; SQLite as numbers.
    patients: Number(r.patients ?? 0),
    series: Number(r.series ?? 0),
    images: Number(r.images ?? 0),
    bytes: Number(r.bytes ?? 0),
    licenseName: r.license_name,
    licenseUri: r.license_uri,
    description: r.description,
    createdAt: r.created_at,
  }));
}
