// Indexes for an NLST-size index (200,000 series, 21 million images, issue 8). The value
// counts (get<Field>ValuesAndCounts) group the visible series by modality, body part or
// manufacturer and count distinct patients: with every column they read in one index, both
// dialects answer from the index alone instead of reading each series row.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('series_value_counts')
    .on('series')
    .columns(['collection_id', 'modality', 'body_part_examined', 'manufacturer', 'patient_pk'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('series_value_counts').execute();
}
