// Accounts, collection grants and token revocation: the administration the `nbia users`,
// `grant`, `revoke` and `tokens` commands perform, each recorded in the audit trail.
// Grants are read per request by the access scope, so a change here takes effect on the
// next request, on every node.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { GUEST_NAME } from '../archive/access.js';
import { nowTimestamp } from '../store/db.js';
import { UserError } from '../errors.js';
import { recordAudit } from './audit.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { revokeUserTokens } from './tokens.js';
import { accountKey, clearLoginFailures } from './throttle.js';
import { timestampAt } from './time.js';

/** Who made a change, for the audit trail (on the command line: the operating-system user). */
export interface Actor {
  address: string | null;
  description: string;
}

const USER_NAME = /^[A-Za-z0-9._@+-]{1,128}$/;

export function userNameProblem(name: string): string | null {
  if (!USER_NAME.test(name)) {
    return `"${name}" is not a valid user name: use 1 to 128 letters, digits and . _ @ + -`;
  }
  return null;
}

export async function findUser(db: Kysely<Database>, name: string) {
  return db.selectFrom('app_user').select(['id', 'name', 'password_hash', 'created_at']).where('name', '=', name).executeTakeFirst();
}

async function requireUser(db: Kysely<Database>, name: string) {
  const user = await findUser(db, name);
  if (!user) throw new UserError(`there is no user "${name}" (see nbia users list)`);
  return { ...user, id: Number(user.id) };
}

function refuseGuest(name: string, what: string): void {
  if (name === GUEST_NAME) {
    throw new UserError(`${GUEST_NAME} is the built-in public account: it ${what}`);
  }
}

/** The guest's account row, created on first use (it has no password: any password logs in). */
export async function ensureGuestUser(db: Kysely<Database>): Promise<number> {
  const existing = await findUser(db, GUEST_NAME);
  if (existing) return Number(existing.id);
  await db
    .insertInto('app_user')
    .values({ name: GUEST_NAME, password_hash: null, created_at: nowTimestamp() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const created = await findUser(db, GUEST_NAME);
  if (!created) throw new Error('the guest account could not be created');
  return Number(created.id);
}

export async function addUser(db: Kysely<Database>, name: string, password: string, actor: Actor): Promise<void> {
  refuseGuest(name, 'exists already and logs in with any password');
  const nameProblem = userNameProblem(name);
  if (nameProblem) throw new UserError(nameProblem);
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  const clash = await db
    .selectFrom('app_user')
    .select('name')
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .executeTakeFirst();
  if (clash) {
    throw new UserError(
      clash.name === name ? `user "${name}" exists already` : `user "${clash.name}" exists already (names differing only in case are refused)`,
    );
  }
  const hash = await hashPassword(password);
  try {
    await db.insertInto('app_user').values({ name, password_hash: hash, created_at: nowTimestamp() }).execute();
  } catch {
    throw new UserError(`user "${name}" exists already`);
  }
  await recordAudit(db, { event: 'user_add', user: name, address: actor.address, detail: actor.description });
}

/** Removes an account with its grants and tokens (its tokens stop working at once). */
export async function removeUser(db: Kysely<Database>, name: string, actor: Actor): Promise<void> {
  refuseGuest(name, 'cannot be removed (make collections restricted to hide them from it)');
  const user = await requireUser(db, name);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('token').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('collection_grant').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('app_user').where('id', '=', user.id).execute();
  });
  await recordAudit(db, { event: 'user_remove', user: name, address: actor.address, detail: actor.description });
}

/** Sets a new password; the account's tokens are revoked, so old sessions must log in again. */
export async function setUserPassword(db: Kysely<Database>, name: string, password: string, actor: Actor): Promise<number> {
  refuseGuest(name, 'has no password');
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  const user = await requireUser(db, name);
  const hash = await hashPassword(password);
  await db.updateTable('app_user').set({ password_hash: hash }).where('id', '=', user.id).execute();
  const revoked = await revokeUserTokens(db, user.id, Date.now());
  await clearLoginFailures(db, accountKey(name));
  await recordAudit(db, { event: 'passwd', user: name, address: actor.address, detail: `${actor.description}; ${revoked} token(s) revoked` });
  return revoked;
}

export interface UserSummary {
  name: string;
  createdAt: string;
  collections: string[];
  liveSessions: number;
}

export async function listUsers(db: Kysely<Database>): Promise<UserSummary[]> {
  const users = await db.selectFrom('app_user').select(['id', 'name', 'created_at']).orderBy('name').execute();
  const grants = await db
    .selectFrom('collection_grant')
    .innerJoin('collection', 'collection.id', 'collection_grant.collection_id')
    .select(['collection_grant.user_id', 'collection.name'])
    .orderBy('collection.name')
    .execute();
  const sessions = await db
    .selectFrom('token')
    .select(['user_id', (eb) => eb.fn.count<number>('session_id').distinct().as('sessions')])
    .where('kind', '=', 'refresh')
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', timestampAt(Date.now()))
    .groupBy('user_id')
    .execute();
  return users.map((u) => ({
    name: u.name,
    createdAt: u.created_at,
    collections: grants.filter((g) => Number(g.user_id) === Number(u.id)).map((g) => g.name),
    liveSessions: Number(sessions.find((s) => Number(s.user_id) === Number(u.id))?.sessions ?? 0),
  }));
}

/** A collection by its exact name, or else by a case-insensitive match if only one fits. */
async function requireCollection(db: Kysely<Database>, name: string) {
  const exact = await db.selectFrom('collection').select(['id', 'name', 'is_public']).where('name', '=', name).executeTakeFirst();
  if (exact) return { ...exact, id: Number(exact.id) };
  const loose = await db
    .selectFrom('collection')
    .select(['id', 'name', 'is_public'])
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .execute();
  if (loose.length === 1 && loose[0]) return { ...loose[0], id: Number(loose[0].id) };
  throw new UserError(`there is no collection "${name}" (see nbia collections list)`);
}

export type GrantOutcome = { changed: boolean; collection: string; isPublic: boolean };

export async function grantCollection(db: Kysely<Database>, userName: string, collectionName: string, actor: Actor): Promise<GrantOutcome> {
  refuseGuest(userName, 'sees the public collections only (make a collection public instead)');
  const user = await requireUser(db, userName);
  const collection = await requireCollection(db, collectionName);
  const result = await db
    .insertInto('collection_grant')
    .values({ user_id: user.id, collection_id: collection.id, created_at: nowTimestamp() })
    .onConflict((oc) => oc.columns(['user_id', 'collection_id']).doNothing())
    .executeTakeFirst();
  const changed = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  if (changed) {
    await recordAudit(db, { event: 'grant', user: user.name, address: actor.address, detail: `collection ${collection.name}; ${actor.description}` });
  }
  return { changed, collection: collection.name, isPublic: collection.is_public === 1 };
}

export async function revokeCollection(db: Kysely<Database>, userName: string, collectionName: string, actor: Actor): Promise<GrantOutcome> {
  const user = await requireUser(db, userName);
  const collection = await requireCollection(db, collectionName);
  const result = await db
    .deleteFrom('collection_grant')
    .where('user_id', '=', user.id)
    .where('collection_id', '=', collection.id)
    .executeTakeFirst();
  const changed = Number(result.numDeletedRows) > 0;
  if (changed) {
    await recordAudit(db, { event: 'revoke', user: user.name, address: actor.address, detail: `collection ${collection.name}; ${actor.description}` });
  }
  return { changed, collection: collection.name, isPublic: collection.is_public === 1 };
}

/** Revokes every token of a user at once; returns how many were still live. */
export async function revokeAllTokens(db: Kysely<Database>, userName: string, actor: Actor): Promise<number> {
  const user = await requireUser(db, userName);
  const revoked = await revokeUserTokens(db, user.id, Date.now());
  await recordAudit(db, { event: 'tokens_revoke', user: user.name, address: actor.address, detail: `${revoked} token(s) revoked; ${actor.description}` });
  return revoked;
}

/** Lifts a login lock on an account at once (the lock would also end by itself). */
export async function unlockUser(db: Kysely<Database>, userName: string, actor: Actor): Promise<boolean> {
  const user = await requireUser(db, userName);
  const cleared = (await clearLoginFailures(db, accountKey(user.name))) > 0;
  await recordAudit(db, { event: 'user_unlock', user: user.name, address: actor.address, detail: actor.description });
  return cleared;
}
