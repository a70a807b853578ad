// The archive index: Collection > Patient > Study > Series > Image, plus shared carts,
// accounts and grants (the access policy reads them), tokens, and the audit tables.
import { sql, type Kysely } from 'kysely';
import { dialectOf, int64, withId } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const d = dialectOf(db);
  const big = int64(d);

  await withId(db.schema.createTable('collection'), d)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('license_name', 'text')
    .addColumn('license_uri', 'text')
    .addColumn('license_text', 'text')
    .addColumn('description', 'text')
    .addColumn('description_uri', 'text')
    .addColumn('description_updated_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('patient'), d)
    .addColumn('collection_id', big, (c) => c.notNull().references('collection.id'))
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('patient_name', 'text')
    .addColumn('patient_birth_date', 'text')
    .addColumn('patient_sex', 'text')
    .addColumn('ethnic_group', 'text')
    .addColumn('species_code', 'text')
    .addColumn('species_description', 'text')
    .addColumn('phantom', 'text')
    .addUniqueConstraint('patient_collection_patient_id', ['collection_id', 'patient_id'])
    .execute();
  await db.schema.createIndex('patient_upper_patient_id').on('patient').expression(sql`upper(patient_id)`).execute();

  await withId(db.schema.createTable('study'), d)
    .addColumn('patient_pk', big, (c) => c.notNull().references('patient.id'))
    .addColumn('study_instance_uid', 'text', (c) => c.notNull().unique())
    .addColumn('study_date', 'text')
    .addColumn('study_time', 'text')
    .addColumn('study_description', 'text')
    .addColumn('admitting_diagnoses_description', 'text')
    .addColumn('study_id', 'text')
    .addColumn('patient_age', 'text')
    .addColumn('longitudinal_temporal_event_type', 'text')
    .addColumn('longitudinal_temporal_offset_from_event', 'double precision')
    .execute();
  await db.schema.createIndex('study_patient_pk').on('study').column('patient_pk').execute();

  await withId(db.schema.createTable('series'), d)
    .addColumn('study_pk', big, (c) => c.notNull().references('study.id'))
    .addColumn('patient_pk', big, (c) => c.notNull().references('patient.id'))
    .addColumn('collection_id', big, (c) => c.notNull().references('collection.id'))
    .addColumn('series_instance_uid', 'text', (c) => c.notNull().unique())
    .addColumn('site', 'text')
    .addColumn('modality', 'text', (c) => c.notNull())
    .addColumn('series_date', 'text')
    .addColumn('series_time', 'text')
    .addColumn('series_description', 'text')
    .addColumn('protocol_name', 'text')
    .addColumn('body_part_examined', 'text')
    .addColumn('series_number', 'integer')
    .addColumn('annotations_flag', 'integer')
    .addColumn('manufacturer', 'text')
    .addColumn('manufacturer_model_name', 'text')
    .addColumn('software_versions', 'text')
    .addColumn('pixel_spacing_row', 'double precision')
    .addColumn('slice_thickness', 'double precision')
    .addColumn('sop_class_uid', 'text')
    .addColumn('image_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_size', big, (c) => c.notNull().defaultTo(0))
    .addColumn('max_submission_timestamp', 'text')
    .addColumn('date_released', 'text')
    .addColumn('released_status', 'text')
    .addColumn('third_party_analysis', 'text')
    .execute();
  await db.schema.createIndex('series_patient_pk').on('series').column('patient_pk').execute();
  await db.schema.createIndex('series_study_pk').on('series').column('study_pk').execute();
  await db.schema.createIndex('series_collection_id').on('series').columns(['collection_id', 'modality']).execute();
  await db.schema.createIndex('series_date_released').on('series').column('date_released').execute();

  await withId(db.schema.createTable('image'), d)
    .addColumn('series_pk', big, (c) => c.notNull().references('series.id'))
    .addColumn('sop_instance_uid', 'text', (c) => c.notNull().unique())
    .addColumn('sop_class_uid', 'text')
    .addColumn('instance_number', 'integer')
    .addColumn('acquisition_number', 'integer')
    .addColumn('transfer_syntax_uid', 'text')
    .addColumn('file_size', big, (c) => c.notNull())
    .addColumn('md5', 'text', (c) => c.notNull())
    .addColumn('crc32', big, (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('in_place', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ingested_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_series_pk').on('image').columns(['series_pk', 'instance_number']).execute();

  await withId(db.schema.createTable('cart'), d)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('url', 'text')
    .addColumn('owner_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('cart_series')
    .addColumn('cart_id', big, (c) => c.notNull().references('cart.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('series_instance_uid', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cart_series_pk', ['cart_id', 'position'])
    .execute();

  await withId(db.schema.createTable('app_user'), d)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('collection_grant')
    .addColumn('user_id', big, (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('collection_id', big, (c) => c.notNull().references('collection.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('collection_grant_pk', ['user_id', 'collection_id'])
    .execute();

  await db.schema
    .createTable('token')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', big, (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('token_user_id').on('token').column('user_id').execute();
  await db.schema.createIndex('token_session_id').on('token').column('session_id').execute();

  await withId(db.schema.createTable('audit_event'), d)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('address', 'text')
    .addColumn('detail', 'text')
    .execute();

  await withId(db.schema.createTable('download_event'), d)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('series_instance_uid', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('bytes', big, (c) => c.notNull())
    .addColumn('address', 'text')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('the archive schema cannot be migrated down; restore a backup instead');
}
