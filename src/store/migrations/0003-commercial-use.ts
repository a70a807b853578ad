// Whether a collection's licence allows commercial use (the original keeps it on its licence
// table as `commercial_use` and copies it to every series as `exclude_commercial`): the
// simple search's ExcludeCommercialCriteria and getLicenses read it. Null means not stated,
// which the original treats as allowed.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('collection').addColumn('commercial_use', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('the archive schema cannot be migrated down; restore a backup instead');
}
