// How a face answers when a frame cannot be read or rendered: the one mapping from
// FrameError reasons to API errors, shared by WADO-URI and the DICOMweb face.
import { FrameError } from '../dicom/frames.js';
import { ApiError } from '../errors.js';

/** Turns a FrameError into the ApiError a face throws; anything else is returned unchanged. */
export function frameApiError(error: unknown): unknown {
  if (!(error instanceof FrameError)) return error;
  switch (error.reason) {
    case 'frame_out_of_range':
      return new ApiError('not_found', error.message);
    case 'no_pixel_data':
      return new ApiError('not_found', `${error.message}: it cannot be rendered`);
    case 'unsupported':
      return new ApiError('unsupported_media_type', error.message);
    case 'not_dicom':
      return new ApiError('unsupported_media_type', `the stored instance cannot be decoded: ${error.message}`);
  }
}
