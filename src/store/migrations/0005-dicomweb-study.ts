// The study-level keys DICOMweb searches show and match that the index did not hold yet:
// AccessionNumber (indexed, viewers search by it) and ReferringPhysicianName. Studies
// ingested before this migration have them empty until their files are ingested again
// (ingest fills columns that are still empty).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('study').addColumn('accession_number', 'text').execute();
  await db.schema.alterTable('study').addColumn('referring_physician_name', 'text').execute();
  await db.schema.createIndex('study_accession_number').on('study').column('accession_number').execute();
}

export async function down(): Promise<void> {
  throw new Error('the study columns cannot be migrated down; restore a backup instead');
}
