// `nbia blobs migrate`: copies the files of the local store into an S3 store under the
// same keys, without re-ingesting. Each copy is checked twice: the bytes read must have the
// MD5 the index recorded at ingest (S3BlobStore.putFile refuses them otherwise, and the
// server checks each PUT or part against its Content-MD5), and the object must then show
// that size and MD5. Objects already there with the right size and MD5 are skipped, so an
// interrupted run resumes where it stopped.
//
// The image rows stay as they are (the keys are the same in both stores; files ingested in
// place stay where they are, and every store reads them from the local disk). What changes
// is the store the index records (src/blobs/location.ts): only once every file is copied,
// in one transaction that first makes sure no image was added meanwhile (new ones are
// copied and the switch tried again). Until then everything keeps reading the local store,
// which is never emptied: API nodes still running on it keep working until restarted.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { dialectOf } from '../store/dialect.js';
import { recordBlobLocation, type BlobLocation } from './location.js';
import type { FsBlobStore } from './fs/fs-blob-store.js';
import type { S3BlobStore } from './s3/s3-blob-store.js';

export interface MigrateProgress {
  readonly filesTotal: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly bytesDone: number;
  readonly copied: number;
  readonly alreadyThere: number;
  readonly failed: number;
}

export interface MigrateFailure {
  readonly sopInstanceUid: string;
  readonly blobKey: string;
  readonly reason: string;
}

export interface MigrateSummary extends MigrateProgress {
  readonly bytesCopied: number;
  /** Images read in place: not copied, still read from where they are. */
  readonly inPlace: number;
  readonly failures: MigrateFailure[];
  readonly seconds: number;
  readonly interrupted: boolean;
  /** The index now records the target as the archive's file store. */
  readonly switched: boolean;
}

export interface MigrateOptions {
  /** Copies in flight (default 8). */
  readonly concurrency?: number;
  readonly onProgress?: (progress: MigrateProgress) => void;
  /** Stops after the copies in flight; the next run goes on from there. */
  readonly signal?: AbortSignal;
}

/** Image rows are read in pages by id, so memory stays flat at any archive size. */
const PAGE = 1000;

/** Rounds of "copy what was added meanwhile, try the switch again" before giving up. */
const SWITCH_ROUNDS = 5;

export async function migrateBlobs(db: Kysely<Database>, source: FsBlobStore, target: S3BlobStore, options: MigrateOptions = {}): Promise<MigrateSummary> {
  const started = performance.now();
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const totals = await db
    .selectFrom('image')
    .select((eb) => [eb.fn.countAll<number>().as('files'), eb.fn.coalesce(eb.fn.sum<number>('file_size'), eb.lit(0)).as('bytes')])
    .where('in_place', '=', 0)
    .executeTakeFirstOrThrow();
  const inPlace = await db.selectFrom('image').select((eb) => eb.fn.countAll<number>().as('n')).where('in_place', '!=', 0).executeTakeFirstOrThrow();
  const state = {
    filesTotal: Number(totals.files),
    bytesTotal: Number(totals.bytes),
    filesDone: 0,
    bytesDone: 0,
    copied: 0,
    alreadyThere: 0,
    failed: 0,
    bytesCopied: 0,
  };
  const failures: MigrateFailure[] = [];
  const report = () => options.onProgress?.({ ...state });

  const migrateOne = async (image: { sop_instance_uid: string; blob_key: string; file_size: number; md5: string }) => {
    const size = Number(image.file_size);
    const md5 = image.md5.toLowerCase();
    try {
      const there = await target.head(image.blob_key);
      if (there && there.size === size && there.md5 === md5) {
        state.alreadyThere++;
      } else {
        await target.putFile(image.blob_key, source.pathOf(image.blob_key, false), { size, md5 }).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOENT' ? new Error(`the local file is missing (${source.pathOf(image.blob_key, false)})`) : err;
        });
        const copied = await target.head(image.blob_key);
        if (!copied || copied.size !== size || copied.md5 !== md5) {
          throw new Error(`the object reads back as ${copied ? `${copied.size} bytes, MD5 ${copied.md5 ?? 'unrecorded'}` : 'missing'}`);
        }
        state.copied++;
        state.bytesCopied += size;
      }
    } catch (err) {
      state.failed++;
      failures.push({ sopInstanceUid: image.sop_instance_uid, blobKey: image.blob_key, reason: (err as Error).message });
    }
    state.filesDone++;
    state.bytesDone += size;
    report();
  };

  let afterId = 0;
  let interrupted = false;
  /** Copies every stored image with an id above `afterId`; false when interrupted. */
  const copyPass = async (): Promise<boolean> => {
    for (;;) {
      if (options.signal?.aborted) return false;
      const page = await db
        .selectFrom('image')
        .select(['id', 'sop_instance_uid', 'blob_key', 'file_size', 'md5'])
        .where('in_place', '=', 0)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(PAGE)
        .execute();
      if (page.length === 0) return true;
      afterId = Number(page.at(-1)!.id);
      let next = 0;
      const worker = async () => {
        while (next < page.length && !options.signal?.aborted) await migrateOne(page[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
    }
  };

  let switched = false;
  const postgres = dialectOf(db as unknown as Kysely<unknown>) === 'postgres';
  const location: BlobLocation = { kind: 's3', bucket: target.location.bucket, prefix: target.location.prefix };
  for (let round = 0; round < SWITCH_ROUNDS && !switched; round++) {
    if (!(await copyPass())) {
      interrupted = true;
      break;
    }
    if (state.failed > 0) break;
    switched = await db.transaction().execute(async (trx) => {
      // Writing the record first takes SQLite's write lock; on PostgreSQL the table lock
      // holds back ingest inserts until the switch commits. Either way no image row can
      // appear between the check below and the commit.
      await recordBlobLocation(trx, location);
      if (postgres) await sql`lock table image in share mode`.execute(trx);
      const added = await trx.selectFrom('image').select('id').where('in_place', '=', 0).where('id', '>', afterId).limit(1).executeTakeFirst();
      if (added) throw new AddedMeanwhile();
      return true;
    }).catch((err: unknown) => {
      if (err instanceof AddedMeanwhile) return false; // rolled back: copy those, then try again
      throw err;
    });
  }
  report();
  return { ...state, inPlace: Number(inPlace.n), failures, seconds: (performance.now() - started) / 1000, interrupted, switched };
}

class AddedMeanwhile extends Error {}
