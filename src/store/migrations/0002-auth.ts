// Login throttling state, kept in the database so every API node sharing it counts the
// same failures; plus the indexes that let expired tokens and old audit rows be found
// without a table scan.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('login_failure')
    // `user:<lower-case name>` or `addr:<client address>`.
    .addColumn('throttle_key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_failure_last_failure_at').on('login_failure').column('last_failure_at').execute();
  await db.schema.createIndex('token_expires_at').on('token').column('expires_at').execute();
  await db.schema.createIndex('audit_event_at').on('audit_event').column('at').execute();
  await db.schema.createIndex('download_event_at').on('download_event').column('at').execute();
}

export async function down(): Promise<void> {
  throw new Error('the auth schema cannot be migrated down; restore a backup instead');
}
