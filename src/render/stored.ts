// Reads a stored instance whole for rendering, checked like a download: the size and the
// CRC-32 the index recorded at ingest. Rendering a file that changed since would show
// pixels the archive never vouched for.
import type { BlobStore } from '../blobs/blob-store.js';
import { openBlobReader } from '../blobs/blob-reader.js';
import type { DownloadImage } from '../archive/downloads.js';
import { ApiError } from '../errors.js';
import { crc32 } from '../zip/crc32.js';

/** Instances above this are not read into memory for rendering (the biggest enhanced multi-frame files are far below). */
export const MAX_RENDERED_FILE_BYTES = 1024 * 1024 * 1024;

function damaged(image: DownloadImage, why: string): ApiError {
  return new ApiError('conflict', `the stored file of instance ${image.sopInstanceUid} ${why} since it was ingested; ingest it again`);
}

/** The stored bytes of an image, verified. Throws ApiError when the file is missing, changed or too big. */
export async function readStoredInstance(blobs: BlobStore, image: DownloadImage): Promise<Buffer> {
  if (image.fileSize > MAX_RENDERED_FILE_BYTES) {
    throw new ApiError('unsupported_media_type', `instance ${image.sopInstanceUid} is ${image.fileSize} bytes, more than the renderer reads (${MAX_RENDERED_FILE_BYTES})`);
  }
  const reader = await openBlobReader(blobs, image.blobKey, image.inPlace);
  if (reader === null) throw damaged(image, 'is missing: it was removed');
  try {
    // One byte more than recorded, so a file that grew shows up as well as one that shrank.
    const buffer = Buffer.allocUnsafe(image.fileSize + 1);
    let filled = 0;
    for (;;) {
      const n = await reader.read(buffer.subarray(filled), filled);
      if (n === 0) break;
      filled += n;
      if (filled === buffer.length) break;
    }
    if (filled !== image.fileSize) throw damaged(image, `has ${filled > image.fileSize ? 'grown' : 'shrunk'}`);
    const bytes = buffer.subarray(0, filled);
    if (crc32(bytes) !== image.crc32 >>> 0) throw damaged(image, 'has changed (its CRC-32 differs)');
    return bytes;
  } finally {
    reader.close();
  }
}
