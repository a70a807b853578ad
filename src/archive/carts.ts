// Shared carts (NBIA "shared lists"): a named, ordered list of series that anyone can read
// back by name with getContentsByName. Names are unique case-insensitively (`name_key`),
// as the original matches them. Errors are ApiError 400s, so the HTTP face can pass them
// through unchanged and the CLI turns them into a message.
import type { Kysely } from 'kysely';
import { inUidChunks } from './queries/series.js';
import type { Database } from '../store/schema.js';
import { nowTimestamp } from '../store/db.js';
import { badRequest } from '../errors.js';

export interface CartExtra {
  description?: string | null;
  url?: string | null;
}

export interface CreatedCart {
  id: number;
  name: string;
  owner: string;
  seriesInstanceUids: string[];
  createdAt: string;
}

export const cartNameKey = (name: string) => name.trim().toLowerCase();

export async function createCart(
  db: Kysely<Database>,
  name: string,
  seriesUids: string[],
  owner: string,
  extra: CartExtra = {},
): Promise<CreatedCart> {
  const cleanName = name.trim();
  if (cleanName === '') throw badRequest('a cart name must not be empty');
  if (/[\r\n\t]/.test(cleanName)) throw badRequest(`a cart name must be one line without tabs: ${JSON.stringify(name)}`);
  if (owner.trim() === '') throw badRequest('a cart needs an owner');
  // Keep the order given, drop repeats: a series is in a cart once.
  const uids = [...new Set(seriesUids.map((u) => u.trim()).filter((u) => u !== ''))];
  if (uids.length === 0) throw badRequest('a cart needs at least one SeriesInstanceUID');
  const nameKey = cartNameKey(cleanName);

  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('cart').select('name').where('name_key', '=', nameKey).executeTakeFirst();
    if (existing) throw badRequest(`Duplicate list name: a cart named "${existing.name}" already exists (names are compared case-insensitively)`);

    const rows = await inUidChunks(uids, (chunk) => trx.selectFrom('series').select('series_instance_uid').where('series_instance_uid', 'in', chunk).execute());
    const known = new Set(rows.map((r) => r.series_instance_uid));
    const unknown = uids.filter((u) => !known.has(u));
    if (unknown.length > 0) throw badRequest(`unknown SeriesInstanceUID${unknown.length > 1 ? 's' : ''}: ${someOf(unknown)}`);

    const createdAt = nowTimestamp();
    let inserted: { id: number } | undefined;
    try {
      inserted = await trx
        .insertInto('cart')
        .values({
          name: cleanName,
          name_key: nameKey,
          description: extra.description?.trim() || null,
          url: extra.url?.trim() || null,
          owner_name: owner.trim(),
          created_at: createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    } catch (err) {
      // Another writer took the name between our check and the insert.
      if (/unique|duplicate/i.test((err as Error).message)) throw badRequest(`Duplicate list name: a cart named "${cleanName}" already exists`);
      throw err;
    }
    const cartId = Number(inserted.id);
    for (let i = 0; i < uids.length; i += 500) {
      await trx
        .insertInto('cart_series')
        .values(uids.slice(i, i + 500).map((uid, j) => ({ cart_id: cartId, position: i + j + 1, series_instance_uid: uid })))
        .execute();
    }
    return { id: cartId, name: cleanName, owner: owner.trim(), seriesInstanceUids: uids, createdAt };
  });
}

/** The first few of a list of UIDs for a message, with the count when there are more. */
export function someOf(uids: readonly string[]): string {
  return uids.slice(0, 5).join(', ') + (uids.length > 5 ? `, ... (${uids.length} in all)` : '');
}
