// What a download is made of: the series and images a viewer may fetch (read only through
// the viewer's AccessScope), how the NBIA archive of a series is laid out (names, LICENSE,
// md5hashes.csv; nbia-api-spec §9), how a stored image is opened with its size checked,
// and the download_event record.
import type { Kysely } from 'kysely';
import type { AccessScope } from './access.js';
import type { Database } from '../store/schema.js';
import { nowTimestamp } from '../store/db.js';
import type { BlobReader, BlobStore, WholeBlob } from '../blobs/blob-store.js';
import { openBlobReader } from '../blobs/blob-reader.js';
import { dosStampOfIndexTime } from '../zip/dos-time.js';
import { planZip, type ZipEntryInput, type ZipPlan } from '../zip/plan.js';
import { ItemIntegrityError, type OpenedItem, type OpenItem } from '../zip/stream-body.js';
import type { DataItem } from '../zip/body.js';
import { BufferPool, POOLED_MIN } from '../zip/buffer-pool.js';
import { crc32 } from '../zip/crc32.js';

export interface DownloadSeries {
  readonly pk: number;
  readonly seriesInstanceUid: string;
  readonly seriesDate: string | null;
  readonly totalSize: number;
  readonly collectionName: string;
  readonly licenseName: string | null;
  readonly licenseUri: string | null;
  readonly licenseText: string | null;
}

export interface DownloadImage {
  readonly sopInstanceUid: string;
  readonly instanceNumber: number | null;
  readonly acquisitionNumber: number | null;
  readonly fileSize: number;
  /** Lowercase hex MD5 of the stored file. */
  readonly md5: string;
  /** Unsigned CRC-32 of the stored file. */
  readonly crc32: number;
  readonly blobKey: string;
  readonly inPlace: boolean;
  readonly ingestedAt: string;
}

/** What reading one image's file takes; held per entry while a download runs, so kept small. */
export interface ImageFile {
  readonly sopInstanceUid: string;
  readonly fileSize: number;
  readonly blobKey: string;
  readonly inPlace: boolean;
}

// ---------------------------------------------------------------------------------------
// Queries (every one starts from the viewer's scope)

/** The series, when it exists and the viewer may see it; undefined otherwise (alike). */
export async function findDownloadSeries(scope: AccessScope, seriesInstanceUid: string): Promise<DownloadSeries | undefined> {
  const row = await scope
    .series()
    .innerJoin('collection', 'collection.id', 'series.collection_id')
    .where('series.series_instance_uid', '=', seriesInstanceUid)
    .select([
      'series.id as pk',
      'series.series_instance_uid',
      'series.series_date',
      'series.total_size',
      'collection.name as collection_name',
      'collection.license_name',
      'collection.license_uri',
      'collection.license_text',
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    pk: Number(row.pk),
    seriesInstanceUid: row.series_instance_uid,
    seriesDate: row.series_date,
    totalSize: Number(row.total_size),
    collectionName: row.collection_name,
    licenseName: row.license_name,
    licenseUri: row.license_uri,
    licenseText: row.license_text,
  };
}

export const IMAGE_COLUMNS = [
  'image.sop_instance_uid',
  'image.instance_number',
  'image.acquisition_number',
  'image.file_size',
  'image.md5',
  'image.crc32',
  'image.blob_key',
  'image.in_place',
  'image.ingested_at',
] as const;

export type ImageColumns = {
  sop_instance_uid: string;
  instance_number: number | null;
  acquisition_number: number | null;
  file_size: number;
  md5: string;
  crc32: number;
  blob_key: string;
  in_place: number;
  ingested_at: string;
};

export function toDownloadImage(row: ImageColumns): DownloadImage {
  return {
    sopInstanceUid: row.sop_instance_uid,
    instanceNumber: row.instance_number,
    acquisitionNumber: row.acquisition_number,
    fileSize: Number(row.file_size),
    md5: row.md5.toLowerCase(),
    crc32: Number(row.crc32) >>> 0,
    blobKey: row.blob_key,
    inPlace: Number(row.in_place) !== 0,
    ingestedAt: row.ingested_at,
  };
}

/**
 * The images of a visible series in archive order: InstanceNumber ascending, images
 * without one first (§9.2), then in ingest order so that ties always come out the same.
 */
export async function listDownloadImages(scope: AccessScope, seriesPk: number): Promise<DownloadImage[]> {
  const rows = await scope
    .images()
    .where('series.id', '=', seriesPk)
    .select(IMAGE_COLUMNS)
    .orderBy('image.instance_number', (ob) => ob.asc().nullsFirst())
    .orderBy('image.id')
    .execute();
  return rows.map(toDownloadImage);
}

/** One image of a series, when both match and the viewer may see the series. */
export async function findDownloadImage(
  scope: AccessScope,
  seriesInstanceUid: string,
  sopInstanceUid: string,
): Promise<DownloadImage | undefined> {
  const row = await scope
    .images()
    .where('series.series_instance_uid', '=', seriesInstanceUid)
    .where('image.sop_instance_uid', '=', sopInstanceUid)
    .select(IMAGE_COLUMNS)
    .executeTakeFirst();
  return row ? toDownloadImage(row) : undefined;
}

export interface DownloadEvent {
  userName: string;
  seriesInstanceUid: string;
  /** With the family: `v4/getImage`. */
  endpoint: string;
  /** Body bytes handed to the connection. */
  bytes: number;
  address: string | null;
}

export async function recordDownload(db: Kysely<Database>, event: DownloadEvent): Promise<void> {
  await db
    .insertInto('download_event')
    .values({
      at: nowTimestamp(),
      user_name: event.userName,
      series_instance_uid: event.seriesInstanceUid,
      endpoint: event.endpoint,
      bytes: event.bytes,
      address: event.address,
    })
    .execute();
}

// ---------------------------------------------------------------------------------------
// The archive of a series

export interface SeriesArchiveOptions {
  /** `LICENSE` as the first entry (getImage). */
  license: boolean;
  /** `md5hashes.csv` as the last entry (getImageWithMD5Hash; getImage with IncludeMD5=Yes). */
  md5: boolean;
  /** `NewFileNames=Yes`: `<acquisition>-<instance>.dcm` instead of `00000001.dcm`. */
  descriptiveNames: boolean;
}

/**
 * The planned ZIP of a visible series. Only the plan outlives this call, so the image
 * rows read for it are garbage as soon as the download starts.
 */
export async function planSeriesArchive(scope: AccessScope, series: DownloadSeries, options: SeriesArchiveOptions): Promise<ZipPlan<ImageFile>> {
  const images = await listDownloadImages(scope, series.pk);
  return planZip(seriesArchiveEntries(series, images, options));
}

export const LICENSE_ENTRY = 'LICENSE';
export const MD5_ENTRY = 'md5hashes.csv';

/** The entries of a series' ZIP, in archive order; `images` must be in archive order. */
export function seriesArchiveEntries(
  series: DownloadSeries,
  images: readonly DownloadImage[],
  options: SeriesArchiveOptions,
): ZipEntryInput<ImageFile>[] {
  const names = options.descriptiveNames ? descriptiveNames(images) : sequentialNames(images.length);
  // LICENSE and md5hashes.csv carry the time the series was last added to (or its date).
  const latestIngest = images.reduce<string | null>((max, i) => (max === null || i.ingestedAt > max ? i.ingestedAt : max), null);
  const seriesStamp = dosStampOfIndexTime(latestIngest ?? series.seriesDate);
  const entries: ZipEntryInput<ImageFile>[] = [];
  if (options.license) entries.push(inlineEntry(LICENSE_ENTRY, licenseFileText(series), seriesStamp));
  images.forEach((image, i) => {
    entries.push({
      name: names[i]!,
      size: image.fileSize,
      crc32: image.crc32,
      modified: dosStampOfIndexTime(image.ingestedAt),
      content: { external: { sopInstanceUid: image.sopInstanceUid, fileSize: image.fileSize, blobKey: image.blobKey, inPlace: image.inPlace } },
    });
  });
  if (options.md5) entries.push(inlineEntry(MD5_ENTRY, md5HashesCsv(names, images), seriesStamp));
  return entries;
}

function inlineEntry(name: string, text: string, modified: ReturnType<typeof dosStampOfIndexTime>): ZipEntryInput<ImageFile> {
  const bytes = Buffer.from(text, 'utf8');
  return { name, size: bytes.length, crc32: crc32(bytes), modified, content: { inline: bytes } };
}

/** `00000001.dcm`, `00000002.dcm`, ... (§9.1). */
export function sequentialNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${String(i + 1).padStart(8, '0')}.dcm`);
}

/**
 * `NewFileNames=Yes` names, `<A>-<I>.dcm` (§9.2), for images already sorted by instance
 * number: A counts acquisitions along the list, I numbers images within one. Widths are
 * the digit counts of how many times each number changes along the list (nulls skipped),
 * as the original computes them; the walk treats a null acquisition number as 0 and,
 * like the original, once a null has caused a change every later image starts another.
 */
export function descriptiveNames(images: readonly Pick<DownloadImage, 'instanceNumber' | 'acquisitionNumber'>[]): string[] {
  if (images.length === 0) return [];
  const first = images[0]!;
  const changes = (values: (number | null)[], start: number) => {
    let reference = start;
    let count = 1;
    for (const v of values) {
      if (v !== null && v !== reference) {
        reference = v;
        count++;
      }
    }
    return count;
  };
  const widthA = String(changes(images.map((i) => i.acquisitionNumber), first.acquisitionNumber ?? 0)).length;
  const widthI = String(changes(images.map((i) => i.instanceNumber), first.instanceNumber ?? 0)).length;

  const names: string[] = [];
  let reference: number | null = first.acquisitionNumber ?? 0;
  let a = 1;
  let n = 0;
  for (const image of images) {
    const current = image.acquisitionNumber ?? 0;
    if (current !== reference) {
      reference = image.acquisitionNumber;
      a++;
      n = 1;
    } else {
      n++;
    }
    names.push(`${String(a).padStart(widthA, '0')}-${String(n).padStart(widthI, '0')}.dcm`);
  }
  return names;
}

/** The LICENSE entry: the collection's licence in a sentence, then its full text if recorded. */
export function licenseFileText(series: Pick<DownloadSeries, 'collectionName' | 'licenseName' | 'licenseUri' | 'licenseText'>): string {
  const { collectionName, licenseName, licenseUri, licenseText } = series;
  let head: string;
  if (licenseName || licenseUri) {
    const name = licenseName ?? 'license';
    head =
      `License information: the ${collectionName} collection is distributed under the ${name}` +
      `${licenseUri ? ` (${licenseUri})` : ''}.\n` +
      'By downloading these data you agree to abide by the terms of this license.\n';
  } else {
    head =
      `License information: no license has been recorded for the ${collectionName} collection.\n` +
      'Ask the administrators of this archive before you share or reuse these data.\n';
  }
  const text = licenseText?.trim();
  return text ? `${head}\n${text}\n` : head;
}

/** `md5hashes.csv`: a header, then one unquoted line per image in archive order (§9.3). */
export function md5HashesCsv(names: readonly string[], images: readonly Pick<DownloadImage, 'md5'>[]): string {
  const lines = ['Filename,MD5Hash'];
  images.forEach((image, i) => lines.push(`${names[i]},${image.md5.toLowerCase()}`));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// Reading stored images

/** Large reads keep a download near the speed of the disk and the socket. */
export const READ_CHUNK = 1024 * 1024;

/**
 * Opens the stored file of an image through the blob store (any store: see openBlobReader),
 * failing at once when it is missing or the store knows a size other than the index's.
 * Files are opened ahead of use. Files under 1 MiB are read whole then, with their CRC-32,
 * where the store can do that off the event loop (BlobStore.readWhole: the local store's
 * reading thread); elsewhere small ones are read then too (several reads in flight for a
 * series of thousands of small files), bigger ones when their turn comes, in 1 MiB chunks
 * into buffers from the pool. The last read asks for one byte more than the index
 * records, so a file that grew shows up as well as one that shrank.
 */
export function imageFileOpener(blobs: BlobStore, pool: BufferPool = new BufferPool(READ_CHUNK)): OpenItem<ImageFile> {
  const readWholeBlob = blobs.readWhole?.bind(blobs);
  return async (image, item) => {
    const size = image.fileSize;
    if (readWholeBlob && size < READ_CHUNK) {
      const opened = await readWhole(readWholeBlob, image, item, pool);
      if (opened) return opened;
    }
    let reader: BlobReader | null;
    try {
      reader = await openBlobReader(blobs, image.blobKey, image.inPlace);
    } catch (err) {
      throw new ItemIntegrityError(item, `cannot open the stored file: ${(err as Error).message}`);
    }
    if (!reader) throw new ItemIntegrityError(item, 'the stored file is missing');
    if (reader.size !== undefined && reader.size !== size) {
      reader.close();
      throw new ItemIntegrityError(item, `the stored file has ${reader.size} bytes, the index records ${size}`);
    }
    if (size < EAGER_READ) {
      try {
        const buf = Buffer.allocUnsafe(size + 1);
        const n = await reader.read(buf, 0);
        if (n !== size) throw new ItemIntegrityError(item, sizeMismatch(n, size));
        return { chunks: [buf.subarray(0, size)], close: noop };
      } catch (err) {
        throw err instanceof ItemIntegrityError ? err : new ItemIntegrityError(item, `cannot read the stored file: ${(err as Error).message}`);
      } finally {
        reader.close();
      }
    }
    return { chunks: readChunks(reader, size, pool), close: () => reader.close(), recycle: (chunk) => pool.give(chunk) };
  };
}

/**
 * Reads the file whole into a buffer from the pool, off the event loop, where the store
 * can (see BlobStore.readWhole: the pool's buffers past its shared budget are not shared
 * memory, and the store turns those down too); undefined when it cannot (the caller reads
 * another way).
 */
async function readWhole(
  readWholeBlob: NonNullable<BlobStore['readWhole']>,
  image: ImageFile,
  item: DataItem<ImageFile>,
  pool: BufferPool,
): Promise<OpenedItem | undefined> {
  const size = image.fileSize;
  // One byte more shows a file that grew. Small files get a pooled buffer too (the thread
  // can only fill shared ones), and read into the front of it.
  const buf = pool.take(Math.max(size + 1, POOLED_MIN));
  let whole: WholeBlob | null | undefined;
  try {
    whole = await readWholeBlob(image.blobKey, image.inPlace, buf.subarray(0, size + 1));
  } catch (err) {
    pool.give(buf);
    throw new ItemIntegrityError(item, `cannot read the stored file: ${(err as Error).message}`);
  }
  if (whole === undefined) {
    pool.give(buf);
    return undefined;
  }
  if (whole === null || whole.bytes !== size) {
    pool.give(buf);
    throw new ItemIntegrityError(item, whole === null ? 'the stored file is missing' : sizeMismatch(whole.bytes, size));
  }
  // Once its chunk is handed out, the consumer gives the buffer back (recycle); an item
  // opened ahead but never read (the download stopped before it) gives it back on close.
  let handedOut = false;
  return {
    chunks: (function* () {
      handedOut = true;
      yield buf.subarray(0, size);
    })(),
    crc32: whole.crc32,
    close: () => {
      if (!handedOut) pool.give(buf);
      handedOut = true;
    },
    recycle: (chunk) => pool.give(chunk),
  };
}

/** Files under this size are read when opened ahead of use (at most read-ahead × this is held). */
const EAGER_READ = 64 * 1024;

const noop = () => {};

const sizeMismatch = (n: number, size: number) => `the stored file has ${n > size ? `more than ${size}` : n} bytes, the index records ${size}`;

async function* readChunks(reader: BlobReader, size: number, pool: BufferPool): AsyncGenerator<Buffer> {
  try {
    let position = 0;
    for (;;) {
      const last = size - position < READ_CHUNK;
      const want = last ? size - position + 1 : READ_CHUNK;
      const buf = pool.take(want);
      let n: number;
      try {
        n = await reader.read(buf, position);
      } catch (err) {
        pool.give(buf);
        throw err;
      }
      if (n === 0) pool.give(buf);
      else yield n === want ? buf : buf.subarray(0, n);
      position += n;
      // A short read is the end of the file (early, if it shrank: the size check reports it).
      if (last || n < want) return;
    }
  } finally {
    reader.close();
  }
}
