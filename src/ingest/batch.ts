// One ingest batch: decide for each hashed file whether it is new, already stored or
// refused, copy the new ones into the file store, then upsert patient, study, series and
// image rows in one transaction and recompute the touched series' counts from their
// image rows. Blobs are written before rows, so a crash leaves at worst blobs no row points
// to yet, which the next run writes again under the same key and indexes.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { BlobStaging, BlobStore } from '../blobs/blob-store.js';
import { ATTRIBUTES, type Level, type ParsedInstance } from '../dicom/attributes.js';
import { nowTimestamp } from '../store/db.js';
import type { SkippedFile } from './types.js';

/** A file the workers read, hashed and parsed. */
export interface HashedFile {
  path: string;
  size: number;
  md5: string;
  crc32: number;
  parsed: ParsedInstance;
  /** The copy its hashing thread wrote from the bytes it hashed (see BlobStaging), if it did. */
  staged?: string;
}

export interface BatchTarget {
  db: Kysely<Database>;
  blobs: BlobStore;
  /** Where the batch's staged copies are adopted or discarded; present whenever any file has one. */
  staging?: BlobStaging;
  /** The collection's id, or null while it does not exist yet. */
  collectionId: number | null;
  /** Creates the collection on the first file that goes into it; returns its id. */
  ensureCollection(): Promise<number>;
  site: string | null;
  inPlace: boolean;
}

export interface BatchOutcome {
  added: number;
  bytesAdded: number;
  alreadyPresent: number;
  skipped: SkippedFile[];
  /** SeriesInstanceUIDs that received images. */
  seriesAdded: string[];
}

type Row = Record<string, string | number | null>;

const CHUNK = 500;
const BLOB_COPIES_AT_ONCE = 8;

const columnsOf = (level: Level): string[] => ATTRIBUTES.filter((a) => a.level === level).map((a) => a.column);
const INT_COLUMNS = new Set<string>(ATTRIBUTES.filter((a) => a.kind === 'int').map((a) => a.column));
const COLUMNS = { patient: columnsOf('patient'), study: columnsOf('study'), series: columnsOf('series') };

/**
 * The indexed values of one level, cleaned so that no header can fail a whole batch:
 * NUL characters (PostgreSQL text refuses them) are dropped, integers that do not fit a
 * 32-bit column and non-finite numbers become null.
 */
function levelValues(parsed: ParsedInstance, level: 'patient' | 'study' | 'series' | 'image'): Row {
  const source = parsed[level] as unknown as Row;
  const out: Row = {};
  for (const column of columnsOf(level)) {
    const v = source[column];
    if (typeof v === 'string') out[column] = v.includes('\u0000') ? v.replaceAll('\u0000', '') : v;
    else if (typeof v === 'number') {
      const fits = Number.isFinite(v) && (!INT_COLUMNS.has(column) || (Number.isInteger(v) && Math.abs(v) <= 2147483647));
      out[column] = fits ? v : null;
    } else out[column] = null;
  }
  return out;
}

/** A store key from a UID: UIDs are digits and dots, but a header can say anything. */
function keySegment(uid: string): string {
  if (/^[0-9A-Za-z._-]{1,128}$/.test(uid) && uid !== '.' && uid !== '..') return uid;
  // Anything else gets an unambiguous, path-safe spelling (never two UIDs on one key).
  return `u-${Buffer.from(uid, 'utf8').toString('base64url')}`.slice(0, 200);
}

export function blobKeyFor(seriesUid: string, sopUid: string): string {
  return `${keySegment(seriesUid)}/${keySegment(sopUid)}.dcm`;
}

/** Sets each column still null in `target` from `source`. */
function fillNulls(target: Row, source: Row): void {
  for (const [k, v] of Object.entries(source)) if ((target[k] === null || target[k] === undefined) && v !== null) target[k] = v;
}

/** The columns of `merged` that the stored row lacks (null there, known now). */
function missingIn(stored: Row, merged: Row, columns: readonly string[]): Row {
  const changes: Row = {};
  for (const c of columns) if ((stored[c] === null || stored[c] === undefined) && merged[c] !== null && merged[c] !== undefined) changes[c] = merged[c]!;
  return changes;
}

async function inChunks<T, R>(items: readonly T[], fn: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await fn(items.slice(i, i + CHUNK))));
  return out;
}

interface Accepted {
  file: HashedFile;
  patientId: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  blobKey: string;
}

export async function commitBatch(target: BatchTarget, files: readonly HashedFile[]): Promise<BatchOutcome> {
  try {
    return await commitFiles(target, files);
  } finally {
    // Staged copies of files not stored (already present, refused) are not kept; discarding
    // an adopted one does nothing. One that cannot be deleted now is left to
    // BlobStaging.close, or to the next run.
    const { staging } = target;
    if (staging) await Promise.allSettled(files.flatMap((f) => (f.staged === undefined ? [] : [staging.discard(f.staged)])));
  }
}

async function commitFiles(target: BatchTarget, files: readonly HashedFile[]): Promise<BatchOutcome> {
  const { db } = target;
  const ours = (collectionId: number | string) => target.collectionId !== null && Number(collectionId) === target.collectionId;
  const outcome: BatchOutcome = { added: 0, bytesAdded: 0, alreadyPresent: 0, skipped: [], seriesAdded: [] };
  const skip = (file: HashedFile, reason: SkippedFile['reason'], message: string) => outcome.skipped.push({ path: file.path, reason, message });

  // 1. Identity: every file must say who, which study, which series, which instance.
  const candidates: Accepted[] = [];
  const firstBySop = new Map<string, HashedFile>();
  for (const file of files) {
    const p = file.parsed;
    const sopUid = p.image.sop_instance_uid;
    const seriesUid = p.series.series_instance_uid;
    const studyUid = p.study.study_instance_uid;
    if (!sopUid || !seriesUid || !studyUid) {
      skip(file, 'missing_uid', 'no StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID');
      continue;
    }
    const patientId = p.patient.patient_id;
    if (!patientId || patientId.trim() === '') {
      skip(file, 'missing_attribute', 'no PatientID (0010,0020)');
      continue;
    }
    if (!p.series.modality || p.series.modality.trim() === '') {
      skip(file, 'missing_attribute', 'no Modality (0008,0060)');
      continue;
    }
    // The same instance twice in one batch: the first one stands for both.
    const first = firstBySop.get(sopUid);
    if (first) {
      if (first.md5 === file.md5) outcome.alreadyPresent++;
      else skip(file, 'sop_conflict', `SOPInstanceUID ${sopUid} is also in ${first.path} with different content (MD5 ${first.md5} vs ${file.md5}); not overwritten`);
      continue;
    }
    firstBySop.set(sopUid, file);
    const blobKey = target.inPlace ? file.path : blobKeyFor(seriesUid, sopUid);
    candidates.push({ file, patientId, studyUid, seriesUid, sopUid, blobKey });
  }

  // 2. Instances already stored: same bytes are already present; other bytes are refused.
  const storedImages = new Map(
    (
      await inChunks(candidates.map((c) => c.sopUid), (uids) =>
        db
          .selectFrom('image')
          .innerJoin('series', 'series.id', 'image.series_pk')
          .innerJoin('collection', 'collection.id', 'series.collection_id')
          .select(['image.sop_instance_uid', 'image.md5', 'series.collection_id', 'collection.name as collection_name'])
          .where('image.sop_instance_uid', 'in', uids)
          .execute(),
      )
    ).map((r) => [r.sop_instance_uid, r]),
  );
  const fresh: Accepted[] = [];
  for (const c of candidates) {
    const stored = storedImages.get(c.sopUid);
    if (!stored) fresh.push(c);
    else if (stored.md5 !== c.file.md5) {
      skip(c.file, 'sop_conflict', `SOPInstanceUID ${c.sopUid} is already stored with different content (MD5 ${stored.md5}, this file ${c.file.md5}); not overwritten`);
    } else if (!ours(stored.collection_id)) {
      skip(c.file, 'other_collection', `SOPInstanceUID ${c.sopUid} is already stored in collection "${stored.collection_name}"`);
    } else outcome.alreadyPresent++;
  }

  // 3. The hierarchy: a series or study stays where it was first stored.
  const storedSeries = new Map(
    (
      await inChunks([...new Set(fresh.map((c) => c.seriesUid))], (uids) =>
        db
          .selectFrom('series as s')
          .innerJoin('study as st', 'st.id', 's.study_pk')
          .innerJoin('patient as p', 'p.id', 's.patient_pk')
          .innerJoin('collection as c', 'c.id', 's.collection_id')
          .selectAll('s')
          .select(['st.study_instance_uid', 'p.patient_id', 'c.name as collection_name'])
          .where('s.series_instance_uid', 'in', uids)
          .execute(),
      )
    ).map((r) => [r.series_instance_uid, r]),
  );
  const storedStudies = new Map(
    (
      await inChunks([...new Set(fresh.map((c) => c.studyUid))], (uids) =>
        db
          .selectFrom('study as st')
          .innerJoin('patient as p', 'p.id', 'st.patient_pk')
          .innerJoin('collection as c', 'c.id', 'p.collection_id')
          .selectAll('st')
          .select(['p.patient_id', 'p.collection_id', 'c.name as collection_name'])
          .where('st.study_instance_uid', 'in', uids)
          .execute(),
      )
    ).map((r) => [r.study_instance_uid, r]),
  );
  const seriesClaims = new Map<string, { studyUid: string; patientId: string }>();
  const studyClaims = new Map<string, string>();
  for (const [uid, s] of storedSeries) seriesClaims.set(uid, { studyUid: s.study_instance_uid, patientId: s.patient_id });
  for (const [uid, s] of storedStudies) studyClaims.set(uid, s.patient_id);
  const placed: Accepted[] = [];
  for (const c of fresh) {
    const series = storedSeries.get(c.seriesUid);
    if (series && !ours(series.collection_id)) {
      skip(c.file, 'other_collection', `series ${c.seriesUid} already belongs to collection "${series.collection_name}"; ingest it there or remove it first`);
      continue;
    }
    const study = storedStudies.get(c.studyUid);
    if (study && !ours(study.collection_id)) {
      skip(c.file, 'other_collection', `study ${c.studyUid} already belongs to collection "${study.collection_name}"`);
      continue;
    }
    const seriesClaim = seriesClaims.get(c.seriesUid);
    if (seriesClaim && (seriesClaim.studyUid !== c.studyUid || seriesClaim.patientId !== c.patientId)) {
      skip(c.file, 'hierarchy_conflict', `series ${c.seriesUid} is under study ${seriesClaim.studyUid} of patient ${seriesClaim.patientId}, but this file says study ${c.studyUid} of patient ${c.patientId}`);
      continue;
    }
    const studyPatient = studyClaims.get(c.studyUid);
    if (studyPatient !== undefined && studyPatient !== c.patientId) {
      skip(c.file, 'hierarchy_conflict', `study ${c.studyUid} belongs to patient ${studyPatient}, but this file says patient ${c.patientId}`);
      continue;
    }
    seriesClaims.set(c.seriesUid, { studyUid: c.studyUid, patientId: c.patientId });
    studyClaims.set(c.studyUid, c.patientId);
    placed.push(c);
  }

  // 4. Blobs before rows. A copy that fails skips that file alone.
  let ready = placed;
  if (!target.inPlace && placed.length > 0) {
    const failed = new Set<Accepted>();
    let next = 0;
    const copier = async () => {
      while (next < placed.length) {
        const c = placed[next++]!;
        try {
          if (c.file.staged !== undefined && target.staging) {
            // Written from the bytes that were hashed: nothing to compare.
            await target.staging.adopt(c.blobKey, c.file.staged);
          } else {
            await target.blobs.putFile(c.blobKey, c.file.path, { size: c.file.size, md5: c.file.md5 });
            // A file rewritten between hashing and copying would be stored under the old MD5.
            const stored = await target.blobs.stat(c.blobKey, false);
            if (stored?.size !== c.file.size) throw new Error(`the file changed while it was being ingested (${c.file.size} bytes hashed, ${stored?.size ?? 'no'} bytes copied)`);
          }
        } catch (err) {
          failed.add(c);
          skip(c.file, 'store_failed', `cannot copy into the file store: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BLOB_COPIES_AT_ONCE, placed.length) }, copier));
    if (failed.size > 0) ready = placed.filter((c) => !failed.has(c));
  }
  if (ready.length === 0) return outcome;

  // 5. Rows, in one transaction.
  const collectionId = await target.ensureCollection();
  await db.transaction().execute(async (trx) => {
    const now = nowTimestamp();
    const patientPks = await upsertPatients(trx, collectionId, ready);
    const studyPks = await upsertStudies(trx, ready, patientPks, storedStudies);
    const seriesPks = await upsertSeries(trx, collectionId, target.site, ready, patientPks, studyPks, storedSeries, now);

    const inserted = await inChunks(ready, (chunk) =>
      trx
        .insertInto('image')
        .values(
          chunk.map((c) => {
            const image = levelValues(c.file.parsed, 'image');
            return {
              series_pk: seriesPks.get(c.seriesUid)!,
              sop_instance_uid: c.sopUid,
              sop_class_uid: image.sop_class_uid as string | null,
              instance_number: image.instance_number as number | null,
              acquisition_number: image.acquisition_number as number | null,
              transfer_syntax_uid: c.file.parsed.transferSyntaxUid || null,
              file_size: c.file.size,
              md5: c.file.md5,
              crc32: c.file.crc32,
              blob_key: c.blobKey,
              in_place: target.inPlace ? 1 : 0,
              ingested_at: now,
            };
          }),
        )
        .onConflict((oc) => oc.column('sop_instance_uid').doNothing())
        .returning('sop_instance_uid')
        .execute(),
    );
    const insertedSops = new Set(inserted.map((r) => r.sop_instance_uid));
    const touched = new Set<string>();
    for (const c of ready) {
      if (insertedSops.has(c.sopUid)) {
        outcome.added++;
        outcome.bytesAdded += c.file.size;
        touched.add(c.seriesUid);
      } else outcome.alreadyPresent++; // another run stored it between our check and now
    }

    // Counts and sizes come from the image rows themselves, so they are exact whatever
    // happened before (a crashed run, a file present twice).
    const touchedPks = [...touched].map((uid) => seriesPks.get(uid)!);
    for (let i = 0; i < touchedPks.length; i += CHUNK) {
      await trx
        .updateTable('series')
        .set({
          image_count: sql<number>`(select count(*) from image where image.series_pk = series.id)`,
          total_size: sql<number>`(select coalesce(sum(image.file_size), 0) from image where image.series_pk = series.id)`,
          max_submission_timestamp: now,
        })
        .where('id', 'in', touchedPks.slice(i, i + CHUNK))
        .execute();
    }
    outcome.seriesAdded = [...touched];
  });
  return outcome;
}

/** First file wins for each new row; later files only fill columns still empty. */
function mergedBy(ready: readonly Accepted[], key: (c: Accepted) => string, values: (c: Accepted) => Row): Map<string, Row> {
  const merged = new Map<string, Row>();
  for (const c of ready) {
    const k = key(c);
    const row = merged.get(k);
    if (row) fillNulls(row, values(c));
    else merged.set(k, values(c));
  }
  return merged;
}

async function upsertPatients(trx: Transaction<Database>, collectionId: number, ready: readonly Accepted[]): Promise<Map<string, number>> {
  const merged = mergedBy(ready, (c) => c.patientId, (c) => ({ ...levelValues(c.file.parsed, 'patient'), patient_id: c.patientId }));
  const ids = [...merged.keys()];
  const select = () =>
    inChunks(ids, (chunk) =>
      trx.selectFrom('patient').selectAll().where('collection_id', '=', collectionId).where('patient_id', 'in', chunk).execute(),
    );
  const stored = new Map((await select()).map((r) => [r.patient_id, r]));
  const missing = ids.filter((id) => !stored.has(id));
  await inChunks(missing, async (chunk) => {
    await trx
      .insertInto('patient')
      .values(chunk.map((id) => ({ ...(merged.get(id)! as object), collection_id: collectionId, patient_id: id })))
      .onConflict((oc) => oc.columns(['collection_id', 'patient_id']).doNothing())
      .execute();
    return [];
  });
  for (const [id, row] of stored) {
    const changes = missingIn(row as unknown as Row, merged.get(id)!, COLUMNS.patient);
    if (Object.keys(changes).length > 0) await trx.updateTable('patient').set(changes).where('id', '=', row.id).execute();
  }
  const all = missing.length > 0 ? await select() : [...stored.values()];
  return new Map(all.map((r) => [r.patient_id, Number(r.id)]));
}

async function upsertStudies(
  trx: Transaction<Database>,
  ready: readonly Accepted[],
  patientPks: Map<string, number>,
  storedStudies: Map<string, Row & { id: number; study_instance_uid: string }>,
): Promise<Map<string, number>> {
  const merged = mergedBy(ready, (c) => c.studyUid, (c) => levelValues(c.file.parsed, 'study'));
  const patientOf = new Map(ready.map((c) => [c.studyUid, c.patientId]));
  const missing = [...merged.keys()].filter((uid) => !storedStudies.has(uid));
  const pks = new Map<string, number>();
  for (const [uid, row] of storedStudies) {
    if (!merged.has(uid)) continue;
    pks.set(uid, Number(row.id));
    const changes = missingIn(row, merged.get(uid)!, COLUMNS.study);
    if (Object.keys(changes).length > 0) await trx.updateTable('study').set(changes).where('id', '=', row.id).execute();
  }
  if (missing.length > 0) {
    await inChunks(missing, async (chunk) => {
      await trx
        .insertInto('study')
        .values(chunk.map((uid) => ({ ...(merged.get(uid)! as object), study_instance_uid: uid, patient_pk: patientPks.get(patientOf.get(uid)!)! })))
        .onConflict((oc) => oc.column('study_instance_uid').doNothing())
        .execute();
      return [];
    });
    const rows = await inChunks(missing, (chunk) =>
      trx.selectFrom('study').select(['id', 'study_instance_uid']).where('study_instance_uid', 'in', chunk).execute(),
    );
    for (const r of rows) pks.set(r.study_instance_uid, Number(r.id));
  }
  return pks;
}

async function upsertSeries(
  trx: Transaction<Database>,
  collectionId: number,
  site: string | null,
  ready: readonly Accepted[],
  patientPks: Map<string, number>,
  studyPks: Map<string, number>,
  storedSeries: Map<string, Row & { id: number; series_instance_uid: string }>,
  now: string,
): Promise<Map<string, number>> {
  const columns = [...COLUMNS.series, 'site', 'sop_class_uid'];
  const merged = mergedBy(ready, (c) => c.seriesUid, (c) => ({
    ...levelValues(c.file.parsed, 'series'),
    site,
    sop_class_uid: levelValues(c.file.parsed, 'image').sop_class_uid ?? null,
  }));
  const first = new Map<string, Accepted>();
  for (const c of ready) if (!first.has(c.seriesUid)) first.set(c.seriesUid, c);
  const missing = [...merged.keys()].filter((uid) => !storedSeries.has(uid));
  const pks = new Map<string, number>();
  for (const [uid, row] of storedSeries) {
    if (!merged.has(uid)) continue;
    pks.set(uid, Number(row.id));
    const changes = missingIn(row, merged.get(uid)!, columns);
    if (Object.keys(changes).length > 0) await trx.updateTable('series').set(changes).where('id', '=', row.id).execute();
  }
  if (missing.length > 0) {
    await inChunks(missing, async (chunk) => {
      await trx
        .insertInto('series')
        .values(
          chunk.map((uid) => {
            const c = first.get(uid)!;
            return {
              ...(merged.get(uid)! as object),
              series_instance_uid: uid,
              modality: merged.get(uid)!.modality as string,
              study_pk: studyPks.get(c.studyUid)!,
              patient_pk: patientPks.get(c.patientId)!,
              collection_id: collectionId,
              image_count: 0,
              total_size: 0,
              date_released: now,
            };
          }),
        )
        .onConflict((oc) => oc.column('series_instance_uid').doNothing())
        .execute();
      return [];
    });
    const rows = await inChunks(missing, (chunk) =>
      trx.selectFrom('series').select(['id', 'series_instance_uid']).where('series_instance_uid', 'in', chunk).execute(),
    );
    for (const r of rows) pks.set(r.series_instance_uid, Number(r.id));
  }
  return pks;
}
