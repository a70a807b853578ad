// Where the archive's stored files live (`local`, or `s3://BUCKET/PREFIX`), recorded in the
// index itself: every command and every API node that opens the index finds the same file
// store, and `nbia blobs migrate` switches it in one transaction once every file is copied.
// No row means the local store, as before this table existed.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('file_store')
    // One row: the primary key is always 'blobs'.
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('file_store').execute();
}
