// A test archive for the download tests, written straight into the store (collection,
// patient, study, series and image rows) with blob files on disk — independent of ingest.
// Sizes, MD5s and CRC-32s are computed here from the bytes, as ingest would.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TestStore } from '../helpers/stores.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS, type AppContext } from '../../src/context.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';

export interface CollectionSpec {
  name: string;
  isPublic?: boolean;
  licenseName?: string | null;
  licenseUri?: string | null;
  licenseText?: string | null;
}

export interface ImageSpec {
  sopInstanceUid: string;
  instanceNumber: number | null;
  acquisitionNumber?: number | null;
  /** The file's bytes, stored in the blob store under a key... */
  bytes?: Buffer;
  /** ...or an existing file read in place (its size, CRC and MD5 given, as ingest found them). */
  inPlace?: { path: string; size: number; crc32: number; md5: string };
  ingestedAt?: string;
}

export interface SeriesSpec {
  collection: CollectionSpec;
  patientId?: string;
  studyInstanceUid?: string;
  seriesInstanceUid: string;
  seriesDate?: string | null;
  images: ImageSpec[];
}

export interface SeededSeries {
  seriesPk: number;
  totalSize: number;
  /** Blob file path of each image, by SOP UID. */
  files: Map<string, string>;
}

const NOW = '2026-03-04 05:06:07.000';

/** A small Part 10-looking file: preamble, DICM, then some bytes unique to the SOP UID. */
export function fakeDicom(sopInstanceUid: string, extra = 0): Buffer {
  const body = Buffer.from(`SOP=${sopInstanceUid};`.repeat(3 + extra), 'latin1');
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), body]);
}

export async function seedSeries(t: TestStore, spec: SeriesSpec): Promise<SeededSeries> {
  const db = t.store.db;
  const c = spec.collection;
  const existing = await db.selectFrom('collection').select('id').where('name', '=', c.name).executeTakeFirst();
  const collectionId =
    existing?.id ??
    (
      await db
        .insertInto('collection')
        .values({
          name: c.name,
          is_public: c.isPublic === false ? 0 : 1,
          license_name: c.licenseName ?? null,
          license_uri: c.licenseUri ?? null,
          license_text: c.licenseText ?? null,
          created_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const patientId = spec.patientId ?? `${spec.seriesInstanceUid}-P`;
  const patient = await db
    .insertInto('patient')
    .values({ collection_id: collectionId, patient_id: patientId, patient_name: 'Test^Patient' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const study = await db
    .insertInto('study')
    .values({ patient_pk: patient.id, study_instance_uid: spec.studyInstanceUid ?? `${spec.seriesInstanceUid}.0` })
    .returning('id')
    .executeTakeFirstOrThrow();

  const files = new Map<string, string>();
  const rows = spec.images.map((image) => {
    let size: number, crc32: number, md5: string, blobKey: string, inPlace: number;
    if (image.inPlace) {
      ({ size, crc32, md5 } = image.inPlace);
      blobKey = image.inPlace.path;
      inPlace = 1;
      files.set(image.sopInstanceUid, image.inPlace.path);
    } else {
      const bytes = image.bytes ?? fakeDicom(image.sopInstanceUid);
      blobKey = `${spec.seriesInstanceUid}/${image.sopInstanceUid}.dcm`;
      const file = t.blobs.pathOf(blobKey, false);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      files.set(image.sopInstanceUid, file);
      size = bytes.length;
      crc32 = zlib.crc32(bytes);
      md5 = createHash('md5').update(bytes).digest('hex');
      inPlace = 0;
    }
    return {
      sop_instance_uid: image.sopInstanceUid,
      instance_number: image.instanceNumber,
      acquisition_number: image.acquisitionNumber ?? null,
      file_size: size,
      md5,
      crc32,
      blob_key: blobKey,
      in_place: inPlace,
      ingested_at: image.ingestedAt ?? NOW,
    };
  });
  const totalSize = rows.reduce((n, r) => n + r.file_size, 0);
  const series = await db
    .insertInto('series')
    .values({
      study_pk: study.id,
      patient_pk: patient.id,
      collection_id: collectionId,
      series_instance_uid: spec.seriesInstanceUid,
      modality: 'CT',
      series_date: spec.seriesDate ?? null,
      image_count: rows.length,
      total_size: totalSize,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('image')
      .values(rows.slice(i, i + 1000).map((r) => ({ ...r, series_pk: series.id })))
      .execute();
  }
  return { seriesPk: Number(series.id), totalSize, files };
}

export interface TestServer {
  app: FastifyInstance;
  base: string;
  /** Error-level log lines the server wrote (JSON objects). */
  errors: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startServer(t: TestStore, blobs: BlobStore = t.blobs): Promise<TestServer> {
  const errors: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) errors.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ctx: AppContext = { store: t.store, blobs, options: DEFAULT_SERVER_OPTIONS };
  const app = await buildServer(ctx, { logger: { level: 'error', stream: logStream } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { app, base: `http://127.0.0.1:${port}`, errors, close: () => app.close() };
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The connection broke before the announced body was complete. */
  aborted: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function request(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (aborted: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(!res.complete));
      res.on('aborted', () => done(true));
      res.on('error', () => done(true));
      res.on('close', () => done(!res.complete));
    });
    req.on('error', reject);
    req.end();
  });
}

export const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** Waits until the download_event table has at least `count` rows (they are written after the response). */
export async function downloadEvents(t: TestStore, count: number) {
  for (let i = 0; i < 200; i++) {
    const rows = await t.store.db.selectFrom('download_event').selectAll().orderBy('id').execute();
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 10));
  }
  return t.store.db.selectFrom('download_event').selectAll().orderBy('id').execute();
}
