// The one place that decides which file store an archive uses. A `--blobs` value (or
// NBIA_BLOBS): `local` (or `file:`) is the local store under <data>/files;
// `s3://BUCKET/PREFIX` is a bucket on S3-compatible storage, reached with the usual AWS
// variables; anything else is refused with what to write instead. The index records the
// store its files are in (table file_store; none recorded means local), so that every
// command and API node finds the same one: a command given none uses the recorded one, and
// one given another is refused while the archive has stored files (`nbia blobs migrate`
// moves them and switches the record). The S3 SDK loads only when an s3:// store opens.
import type { Kysely } from 'kysely';
import { UserError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { nowTimestamp } from '../store/db.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';

export type BlobLocation = { readonly kind: 'local' } | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** S3 bucket names (the rules shared by AWS, MinIO and Ceph: 3-63 of a-z, 0-9, '.', '-'). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBlobLocation(raw: string | undefined): BlobLocation {
  const value = raw?.trim();
  if (!value || value === 'local' || value === 'file:') return { kind: 'local' };
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!m) throw new UserError(`--blobs (or NBIA_BLOBS) must be s3://BUCKET/PREFIX or "local", not "${value}"`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new UserError(`"${bucket}" is not an S3 bucket name (3 to 63 characters: a-z, 0-9, '.', '-')`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  if (path.split('/').some((s) => s === '.' || s === '..') || path.includes('//')) {
    throw new UserError(`the prefix of ${value} must not have empty, "." or ".." parts`);
  }
  return { kind: 's3', bucket, prefix: path === '' ? '' : `${path}/` };
}

/** The URL a location is written as (how the archive records it, and how messages show it). */
export function blobLocationUrl(location: BlobLocation): string {
  return location.kind === 'local' ? 'local' : `s3://${location.bucket}/${location.prefix}`;
}

/** The value a command was given: the flag, else NBIA_BLOBS. */
export function blobsSetting(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? env.NBIA_BLOBS;
}

/** Opens the store a location means; `dataDir` holds the local store and files read in place. */
export async function openBlobStore(location: BlobLocation, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<BlobStore> {
  if (location.kind === 'local') return new FsBlobStore(dataDir);
  const [{ S3BlobStore }, { s3ClientFromEnv }] = await Promise.all([import('./s3/s3-blob-store.js'), import('./s3/client.js')]);
  return new S3BlobStore(s3ClientFromEnv(env), { bucket: location.bucket, prefix: location.prefix }, { dataDir });
}

const RECORD = 'blobs';

/** The store the index records for its files; local when none is recorded. */
export async function recordedBlobLocation(db: Kysely<Database>): Promise<BlobLocation> {
  const row = await db.selectFrom('file_store').select('location').where('name', '=', RECORD).executeTakeFirst();
  return parseBlobLocation(row?.location);
}

/** Records where the archive's files are (inside the caller's transaction, when it has one). */
export async function recordBlobLocation(db: Kysely<Database>, location: BlobLocation): Promise<void> {
  const url = blobLocationUrl(location);
  await db
    .insertInto('file_store')
    .values({ name: RECORD, location: url, updated_at: nowTimestamp() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ location: url, updated_at: nowTimestamp() }))
    .execute();
}

/**
 * The store a command uses: the one it asks for (`requested`, from --blobs or NBIA_BLOBS),
 * which must be the recorded one unless the archive stores no files yet (then it becomes
 * the recorded one); without a request, the recorded one.
 */
export async function resolveArchiveBlobs(db: Kysely<Database>, requested: string | undefined): Promise<BlobLocation> {
  const recorded = await recordedBlobLocation(db);
  if (requested === undefined || requested.trim() === '') return recorded;
  const wanted = parseBlobLocation(requested);
  if (blobLocationUrl(wanted) === blobLocationUrl(recorded)) return recorded;
  const stored = await db.selectFrom('image').select('id').where('in_place', '=', 0).limit(1).executeTakeFirst();
  if (stored) {
    throw new UserError(
      `this archive's files are in ${blobLocationUrl(recorded)}, not ${blobLocationUrl(wanted)}: drop --blobs (and NBIA_BLOBS) to use them, ` +
        `or move them first with \`nbia blobs migrate --to ${blobLocationUrl(wanted)}\``,
    );
  }
  await recordBlobLocation(db, wanted);
  return wanted;
}
