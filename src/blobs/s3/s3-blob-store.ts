// The file store on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, s3rver): each
// blob is the object <prefix><key> in one bucket. Files ingested with --in-place stay on
// the local disk and are read from there, as with the local store.
//
// Integrity: every upload carries Content-MD5 (per part for multipart), so the server
// refuses bytes that differ from what was read; and what was read is compared with the
// MD5 the ingest computed before the object becomes visible (a PUT is atomic, a multipart
// upload is completed only then), so no key ever names a partial or different object.
// The MD5 also goes into the object's metadata, where `nbia blobs migrate` finds it to
// skip objects already copied.
import fsp from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobReader, BlobStat, BlobStore, ExpectedBlob } from '../blob-store.js';
import { FsBlobStore } from '../fs/fs-blob-store.js';
import { S3ObjectReader } from './s3-object-reader.js';

export interface S3Location {
  readonly bucket: string;
  /** Prepended to every key: empty, or ending in `/`. */
  readonly prefix: string;
}

export interface S3BlobStoreOptions {
  /** Files from this size on go up in parts (default 16 MiB). */
  readonly multipartThreshold?: number;
  /** Size of each part but the last (default 8 MiB; S3 wants at least 5 MiB). */
  readonly partSize?: number;
  /** The data folder, for files read in place (default: the current folder). */
  readonly dataDir?: string;
}

/** What a HEAD of a stored object tells. */
export interface S3ObjectInfo {
  readonly size: number;
  /** The MD5 this store recorded in the object's metadata at upload, when present. */
  readonly md5: string | undefined;
}

const MIB = 1024 * 1024;

export class S3BlobStore implements BlobStore {
  readonly multipartThreshold: number;
  readonly partSize: number;
  /** Files read in place live on the local disk whatever the store. */
  private readonly local: FsBlobStore;

  constructor(
    readonly client: S3Client,
    readonly location: S3Location,
    options: S3BlobStoreOptions = {},
  ) {
    this.partSize = options.partSize ?? 8 * MIB;
    this.multipartThreshold = Math.max(options.multipartThreshold ?? 16 * MIB, this.partSize);
    this.local = new FsBlobStore(options.dataDir ?? '.');
  }

  /** The URL this store answers to (`s3://bucket/prefix`). */
  get url(): string {
    return `s3://${this.location.bucket}/${this.location.prefix}`;
  }

  objectKey(key: string): string {
    // Keys come from our own index; refuse the ones an object store would read oddly.
    if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.')) throw new Error(`not a blob key: ${key}`);
    return this.location.prefix + key;
  }

  async putFile(key: string, sourcePath: string, expected?: ExpectedBlob): Promise<void> {
    const handle = await fsp.open(sourcePath, 'r');
    try {
      const { size } = await handle.stat();
      if (expected && size !== expected.size) throw changed(`${expected.size} bytes hashed, ${size} bytes now`);
      if (size < this.multipartThreshold) await this.putWhole(key, handle, size, expected);
      else await this.putInParts(key, handle, size, expected ?? { size, md5: await md5OfFile(handle, size) });
    } finally {
      await handle.close();
    }
  }

  /** One PUT: atomic, and small enough to hold (below the multipart threshold). */
  private async putWhole(key: string, handle: fsp.FileHandle, size: number, expected: ExpectedBlob | undefined): Promise<void> {
    const body = Buffer.allocUnsafe(size);
    const n = await readFully(handle, body, 0);
    if (n !== size) throw changed(`${size} bytes expected, ${n} read`);
    const digest = createHash('md5').update(body).digest();
    const md5 = digest.toString('hex');
    if (expected && md5 !== expected.md5.toLowerCase()) throw changed(`MD5 ${md5}, the index records ${expected.md5}`);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentLength: size,
        ContentMD5: digest.toString('base64'),
        ContentType: 'application/dicom',
        Metadata: { md5 },
      }),
    );
  }

  /**
   * A multipart upload, one part in memory at a time (flat memory whatever the size). It is
   * completed only once the whole file's MD5 matches; any failure aborts it, so nothing
   * appears under the key.
   */
  private async putInParts(key: string, handle: fsp.FileHandle, size: number, expected: ExpectedBlob): Promise<void> {
    const Bucket = this.location.bucket;
    const Key = this.objectKey(key);
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/dicom', Metadata: { md5: expected.md5.toLowerCase() } }),
    );
    const UploadId = created.UploadId!;
    try {
      const whole = createHash('md5');
      const parts: { PartNumber: number; ETag: string }[] = [];
      const buffer = Buffer.allocUnsafe(this.partSize);
      for (let position = 0, PartNumber = 1; position < size; position += this.partSize, PartNumber++) {
        const want = Math.min(this.partSize, size - position);
        const n = await readFully(handle, buffer.subarray(0, want), position);
        if (n !== want) throw changed(`it ended at ${position + n} bytes, ${size} expected`);
        const part = buffer.subarray(0, n);
        whole.update(part);
        const sent = await this.client.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: part, ContentLength: n, ContentMD5: createHash('md5').update(part).digest('base64') }),
        );
        parts.push({ PartNumber, ETag: sent.ETag! });
      }
      const md5 = whole.digest('hex');
      if (md5 !== expected.md5.toLowerCase()) throw changed(`MD5 ${md5}, the index records ${expected.md5}`);
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // Best effort: an upload left behind holds no key (a bucket lifecycle rule clears it).
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw err;
    }
  }

  /** Size and recorded MD5 of an object, or null when there is none. Other failures throw. */
  async head(key: string): Promise<S3ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return { size: Number(out.ContentLength ?? 0), md5: out.Metadata?.md5 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async stat(key: string, inPlace: boolean): Promise<BlobStat | null> {
    if (inPlace) return this.local.stat(key, true);
    const info = await this.head(key);
    return info ? { size: info.size } : null;
  }

  openRead(key: string, inPlace: boolean, range?: { start: number; end: number }): Readable {
    if (inPlace) return this.local.openRead(key, true, range);
    const out = new PassThrough();
    this.get(key, range ? `bytes=${range.start}-${range.end}` : undefined).then(
      (res) => {
        const body = res.Body as Readable;
        body.once('error', (err) => out.destroy(err));
        out.once('close', () => body.destroy());
        body.pipe(out);
      },
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  }

  async openForRead(key: string, inPlace: boolean): Promise<BlobReader | null> {
    if (inPlace) return this.local.openForRead(key, true);
    try {
      const res = await this.get(key);
      return new S3ObjectReader(res, (range, ifMatch) => this.get(key, range, ifMatch));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private get(key: string, range?: string, ifMatch?: string): Promise<GetObjectCommandOutput> {
    return this.client.send(
      new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), ...(range ? { Range: range } : {}), ...(ifMatch ? { IfMatch: ifMatch } : {}) }),
    );
  }
}

function changed(detail: string): Error {
  return new Error(`the file changed since it was hashed (${detail})`);
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

async function readFully(handle: fsp.FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function md5OfFile(handle: fsp.FileHandle, size: number): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(Math.min(size, 4 * MIB));
  for (let position = 0; position < size; ) {
    const n = await readFully(handle, buffer, position);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    position += n;
  }
  return hash.digest('hex');
}
