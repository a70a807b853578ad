// Where the DICOM files live. The index keeps a key per image; the store turns keys into
// bytes. A local folder by default (src/blobs/fs), or S3-compatible storage (src/blobs/s3);
// src/blobs/location.ts decides which one a --blobs URL means.
import type { Readable } from 'node:stream';

export interface BlobStat {
  size: number;
}

/**
 * An open blob read by position: what a download needs to read a file in large chunks
 * into buffers it recycles, and to check the size before the first byte goes out.
 */
export interface BlobReader {
  /**
   * The blob's size when it was opened, if the store knows it without asking (an object
   * store from its response headers). Undefined when only reading tells: for a local file
   * an fstat is a thread-pool round trip per file, and reading to the end shows the size.
   * Either way a later read may find the blob grown or shrunk.
   */
  readonly size?: number;
  /**
   * Reads up to `buffer.length` bytes from `position` into `buffer`; resolves with how many
   * were read, fewer only at the end of the blob (0 past it).
   */
  read(buffer: Buffer, position: number): Promise<number>;
  /** Releases the blob; safe to call more than once. */
  close(): void;
}

/** What the ingest found when it hashed a file: a store that reads the file again may check it. */
export interface ExpectedBlob {
  size: number;
  /** Lowercase hex MD5. */
  md5: string;
}

/** What reading a whole blob found: how many bytes, and their CRC-32 (unsigned). */
export interface WholeBlob {
  readonly bytes: number;
  readonly crc32: number;
}

export interface BlobStore {
  /**
   * Copies a file into the store under `key` (atomically: a crash leaves no partial blob
   * under that key). With `expected`, a store that reads the bytes anyway (an object store
   * hashing them for Content-MD5) refuses a file that no longer matches them.
   */
  putFile(key: string, sourcePath: string, expected?: ExpectedBlob): Promise<void>;
  /** Size of a stored blob, or null when it is missing. */
  stat(key: string, inPlace: boolean): Promise<BlobStat | null>;
  /** Reads a blob, or the inclusive byte range [start, end] of it. */
  openRead(key: string, inPlace: boolean, range?: { start: number; end: number }): Readable;
  /**
   * Opens a blob for positioned reads; null when it is missing. A store that leaves this
   * out is read through `stat` and `openRead` (see openBlobReader).
   */
  openForRead?(key: string, inPlace: boolean): Promise<BlobReader | null>;
  /**
   * Reads a whole blob into `into` off the event loop and checksums what it read, when this
   * store can do that cheaper than positioned reads; resolves with undefined when it cannot
   * for this blob or this buffer (the local store's thread fills only views on a
   * SharedArrayBuffer; then use openForRead), null when the blob is missing. Reads as many
   * bytes as `into` holds, if the blob has them.
   */
  readWhole?(key: string, inPlace: boolean, into: Buffer): Promise<WholeBlob | null | undefined>;
  /** Clears what copies killed mid-way left behind (see FsBlobStore); for the ingest to call when it starts. */
  removeStalePartials?(): Promise<number>;
  /**
   * Lets the ingest's hashing threads write each copy from the very bytes they hashed, into
   * a file the store then moves under its key; absent for stores that take no local files
   * (S3), which are given their copies with putFile.
   */
  openStaging?(): Promise<BlobStaging>;
}

/**
 * Copies written outside the store's keys (by another thread, from bytes already in memory)
 * and then moved under a key at once. Every path handed out is either adopted, discarded,
 * or deleted by `close`.
 */
export interface BlobStaging {
  /** A new path to write one staged copy to (its folder exists); never handed out twice. */
  newPath(): string;
  /** Moves a staged copy under `key`, atomically as putFile does; deletes it when that fails. */
  adopt(key: string, staged: string): Promise<void>;
  /** Deletes a staged copy that will not be stored (already present, refused); nothing for one adopted already. */
  discard(staged: string): Promise<void>;
  /** Deletes every staged copy not adopted or discarded yet: for the end of a run, however it ends. */
  close(): Promise<void>;
}
