// A synthetic series for the download benches: `count` distinct files of `fileSize` bytes
// (slices of one random block, each stamped with its number), written straight into the
// file store, with image rows carrying their real MD5 and CRC-32. Faster than ingesting,
// and the same bytes whichever bench writes them.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash, randomFillSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import type { FsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';

export const BENCH_NOW = '2026-01-01 00:00:00.000';

let pool: Buffer | undefined;

export async function writeSyntheticImages(
  db: Kysely<Database>,
  blobs: FsBlobStore,
  series: { pk: number; uid: string },
  count: number,
  fileSize: number,
  /** Distinguishes the files of one series from another's (stamped into each). */
  firstNumber = 0,
): Promise<void> {
  if (!pool || pool.length < 2 * fileSize) pool = randomFillSync(Buffer.alloc(2 * fileSize));
  const rows = [];
  for (let i = 0; i < count; i++) {
    const start = ((firstNumber + i) * 4099) % fileSize;
    const bytes = Buffer.from(pool.subarray(start, start + fileSize));
    bytes.writeUInt32LE(firstNumber + i, 132);
    const key = `${series.uid}/${i + 1}.dcm`;
    const file = blobs.pathOf(key, false);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    rows.push({
      series_pk: series.pk,
      sop_instance_uid: `${series.uid}.${i + 1}`,
      instance_number: i + 1,
      acquisition_number: 1,
      file_size: fileSize,
      md5: createHash('md5').update(bytes).digest('hex'),
      crc32: zlib.crc32(bytes),
      blob_key: key,
      in_place: 0,
      ingested_at: BENCH_NOW,
    });
  }
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('image').values(rows.slice(i, i + 500)).execute();
}
