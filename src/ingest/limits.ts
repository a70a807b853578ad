// Ingest's limits, apart from the pipeline so that the CLI's help text can name them
// without loading the database drivers and the worker pool.

/** Files per transaction: a crash loses at most this many files' rows (their blobs stay). */
export const DEFAULT_BATCH_SIZE = 500;
export const MAX_WORKERS = 64;
