// `nbia blobs migrate`: copies the files of the local store into an S3 store under the
// same keys, without re-ingesting. Each copy is checked twice: the bytes read must have the
// MD5 the index recorded at ingest (S3BlobStore.putFile refuses them otherwise, and the
// server checks each PUT or part against its Content-MD5), and the object must then show
// that size and MD5. Objects already there with the right size and MD5 are skipped, so an
// interrupted run resumes where it stopped. The index is only read: the keys are the same
// in both stores, and files ingested in place stay where they are (every store reads them
// from the local disk).
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
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
  for (;;) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const page = await db
      .selectFrom('image')
      .select(['id', 'sop_instance_uid', 'blob_key', 'file_size', 'md5'])
      .where('in_place', '=', 0)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    afterId = Number(page.at(-1)!.id);
    let next = 0;
    const worker = async () => {
      while (next < page.length && !options.signal?.aborted) await migrateOne(page[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
  }
  report();
  return { ...state, inPlace: Number(inPlace.n), failures, seconds: (performance.now() - started) / 1000, interrupted };
}
