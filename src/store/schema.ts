// The index, as TypeScript sees it. Column names are the SQL ones (snake_case); the
// archive layer maps rows to NBIA field names through its column tables.
// Dates are ISO text (`YYYY-MM-DD`), timestamps ISO text in UTC
// (`YYYY-MM-DD HH:MM:SS.mmm`), so both dialects compare and sort them the same way.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** BIGINT: PostgreSQL hands back strings unless told otherwise; db.ts sets a parser. */
type BigInt64 = ColumnType<number, number | bigint, number | bigint>;

export interface CollectionTable {
  id: Generated<number>;
  name: string;
  /** 1 when everyone (the guest included) may see it; collections are restricted unless made public. */
  is_public: number;
  license_name: string | null;
  license_uri: string | null;
  license_text: string | null;
  description: string | null;
  description_uri: string | null;
  description_updated_at: string | null;
  created_at: string;
  /** YES / NO: whether the licence allows commercial use; null when not stated (allowed, as the original reads it). */
  commercial_use: string | null;
}

export interface PatientTable {
  id: Generated<number>;
  collection_id: number;
  patient_id: string;
  patient_name: string | null;
  patient_birth_date: string | null;
  patient_sex: string | null;
  ethnic_group: string | null;
  species_code: string | null;
  species_description: string | null;
  /** NBIA "Phantom" (YES/NO); null means not stated. */
  phantom: string | null;
}

export interface StudyTable {
  id: Generated<number>;
  patient_pk: number;
  study_instance_uid: string;
  study_date: string | null;
  study_time: string | null;
  study_description: string | null;
  admitting_diagnoses_description: string | null;
  study_id: string | null;
  accession_number: string | null;
  referring_physician_name: string | null;
  patient_age: string | null;
  longitudinal_temporal_event_type: string | null;
  longitudinal_temporal_offset_from_event: number | null;
}

export interface SeriesTable {
  id: Generated<number>;
  study_pk: number;
  patient_pk: number;
  collection_id: number;
  series_instance_uid: string;
  site: string | null;
  modality: string;
  series_date: string | null;
  series_time: string | null;
  series_description: string | null;
  protocol_name: string | null;
  body_part_examined: string | null;
  series_number: number | null;
  annotations_flag: number | null;
  manufacturer: string | null;
  manufacturer_model_name: string | null;
  software_versions: string | null;
  pixel_spacing_row: number | null;
  slice_thickness: number | null;
  sop_class_uid: string | null;
  /** Derived from the image rows at the end of every ingest batch; listings read it here. */
  image_count: number;
  total_size: BigInt64;
  max_submission_timestamp: string | null;
  date_released: string | null;
  released_status: string | null;
  third_party_analysis: string | null;
}

export interface ImageTable {
  id: Generated<number>;
  series_pk: number;
  sop_instance_uid: string;
  sop_class_uid: string | null;
  instance_number: number | null;
  acquisition_number: number | null;
  transfer_syntax_uid: string | null;
  file_size: BigInt64;
  /** Lowercase hex MD5 of the stored file, computed once at ingest. */
  md5: string;
  /** CRC-32 of the stored file (unsigned), computed once at ingest; the ZIP writer uses it. */
  crc32: BigInt64;
  /** Where the blob store finds the file: a key in the store, or an absolute path when in_place. */
  blob_key: string;
  in_place: number;
  ingested_at: string;
}

export interface CartTable {
  id: Generated<number>;
  name: string;
  /** lower(name): carts are looked up case-insensitively and names are unique that way. */
  name_key: string;
  description: string | null;
  url: string | null;
  owner_name: string;
  created_at: string;
}

export interface CartSeriesTable {
  cart_id: number;
  position: number;
  series_instance_uid: string;
}

export interface UserTable {
  id: Generated<number>;
  name: string;
  /** argon2id hash; null for the guest, whose password is never checked. */
  password_hash: string | null;
  created_at: string;
}

export interface GrantTable {
  user_id: number;
  collection_id: number;
  created_at: string;
}

export interface TokenTable {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  kind: 'access' | 'refresh';
  user_id: number;
  /** Links an access token to the refresh token issued with it, so logout revokes both. */
  session_id: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: string;
  /** login, login_failed, logout, grant, revoke, user_add, user_remove, passwd, tokens_revoke, ... */
  event: string;
  user_name: string | null;
  address: string | null;
  detail: string | null;
}

export interface DownloadEventTable {
  id: Generated<number>;
  at: string;
  user_name: string;
  series_instance_uid: string;
  /** getImage, getImageWithMD5Hash, getSingleImage, with the family: `v4/getImage`. */
  endpoint: string;
  bytes: BigInt64;
  address: string | null;
}

/** Failed logins per account or client address (see src/auth/throttle.ts). */
export interface LoginFailureTable {
  throttle_key: string;
  failures: number;
  last_failure_at: string;
}

/** Where the stored files live (see src/blobs/location.ts); one row, name 'blobs'; none means local. */
export interface FileStoreTable {
  name: string;
  /** `local` or `s3://BUCKET/PREFIX/`. */
  location: string;
  updated_at: string;
}

/**
 * How many series of one patient have one value of one counted field (migration 0008):
 * kept by triggers on series, read by nothing but those triggers.
 */
export interface SeriesValuePatientTable {
  collection_id: BigInt64;
  /** 'collection' (value ''), 'modality', 'bodyPart' or 'manufacturer'. */
  field: string;
  value: string;
  patient_pk: BigInt64;
  series: number;
}

/** How many patients of a collection have a series with the value (migration 0008), kept by triggers on series. */
export interface CollectionValueCountTable {
  collection_id: BigInt64;
  field: string;
  value: string;
  patients: number;
}

export interface Database {
  collection: CollectionTable;
  patient: PatientTable;
  study: StudyTable;
  series: SeriesTable;
  image: ImageTable;
  cart: CartTable;
  cart_series: CartSeriesTable;
  app_user: UserTable;
  collection_grant: GrantTable;
  token: TokenTable;
  audit_event: AuditEventTable;
  download_event: DownloadEventTable;
  login_failure: LoginFailureTable;
  file_store: FileStoreTable;
  series_value_patient: SeriesValuePatientTable;
  collection_value_count: CollectionValueCountTable;
}

export type CollectionRow = Selectable<CollectionTable>;
export type SeriesRow = Selectable<SeriesTable>;
export type ImageRow = Selectable<ImageTable>;
export type NewImage = Insertable<ImageTable>;
