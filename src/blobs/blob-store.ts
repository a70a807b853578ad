// Where the DICOM files live. The index keeps a key per image; the store turns keys into
// bytes. A local folder by default; S3-compatible storage can implement the same interface.
import type { Readable } from 'node:stream';

export interface BlobStat {
  size: number;
}

export interface BlobStore {
  /** Copies a file into the store under `key` (atomically: a crash leaves no partial blob under that key). */
  putFile(key: string, sourcePath: string): Promise<void>;
  /** Size of a stored blob, or null when it is missing. */
  stat(key: string, inPlace: boolean): Promise<BlobStat | null>;
  /** Reads a blob, or the inclusive byte range [start, end] of it. */
  openRead(key: string, inPlace: boolean, range?: { start: number; end: number }): Readable;
}
