// What an ingest run takes, reports while it runs, and hands back at the end.
import type { ParsedInstance } from '../dicom/attributes.js';

export interface IngestOptions {
  /** The collection the files go into; created (restricted unless `public`) when missing. */
  collection: string;
  /** true makes the collection public; false makes it restricted; absent leaves an existing one as it is. */
  public?: boolean;
  /** The NBIA "Site" of the series this run creates (fills it in where it is still empty). */
  site?: string | null;
  /** Reference the files where they are (blob_key = absolute path) instead of copying them. */
  inPlace?: boolean;
  /** Hashing and parsing threads; default: the machine's available parallelism. */
  workers?: number;
  /** Where to write the run report; default `<data>/reports/ingest-<time>.json`. */
  reportFile?: string;
  onProgress?: (p: IngestProgress) => void;
  /** Files per transaction; a crash loses at most this many (default 500). */
  batchSize?: number;
  /** Stops reading new files; the files already read are committed, then ingest returns. */
  signal?: AbortSignal;
}

export interface IngestProgress {
  filesTotal: number;
  bytesTotal: number;
  /** Files read, hashed and parsed so far. */
  filesDone: number;
  bytesDone: number;
  added: number;
  alreadyPresent: number;
  skipped: number;
  elapsedSeconds: number;
  filesPerSecond: number;
  bytesPerSecond: number;
  /** Estimated seconds left, or null before there is a rate to go on. */
  etaSeconds: number | null;
}

export type SkipReason =
  | 'not_dicom' // no DICOM header at all (a text file, an image, DICOMDIR-less junk)
  | 'truncated' // the header ends before its elements do
  | 'missing_uid' // no StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID
  | 'missing_attribute' // no PatientID or Modality
  | 'unsupported' // a DICOM file the parser cannot read (transfer syntax, encoding)
  | 'unreadable' // the file could not be read (permissions, vanished, too large)
  | 'sop_conflict' // this SOPInstanceUID is stored with different bytes
  | 'other_collection' // its series (or study) belongs to another collection
  | 'hierarchy_conflict' // its series or study is stored under another study or patient
  | 'store_failed'; // the copy into the file store failed

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  message: string;
}

export interface IngestSummary {
  collection: string;
  filesSeen: number;
  filesAdded: number;
  filesAlreadyPresent: number;
  filesSkipped: number;
  skipped: SkippedFile[];
  bytesSeen: number;
  bytesAdded: number;
  /** Series that received images in this run. */
  seriesTouched: number;
  seconds: number;
  /** True when the run was stopped (signal) before every file was read. */
  interrupted: boolean;
  reportFile: string | null;
}

/** One file as a worker hands it back: hashed and parsed, or why not. */
export type FileResult =
  | { index: number; ok: true; size: number; md5: string; crc32: number; parsed: ParsedInstance; staged?: string }
  | { index: number; ok: false; size: number; reason: SkipReason; message: string };

export interface FileTask {
  index: number;
  path: string;
  /** Where to write a copy of the bytes hashed, when the file is accepted (see BlobStaging). */
  stageAs?: string;
}
