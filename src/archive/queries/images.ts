// One image by its SOPInstanceUID, for getM5HashForImage / getMD5HashForImage (spec §5.19):
// only an image of a series the viewer may see is found.
import type { AccessScope } from '../access.js';

/** The stored file's MD5 (lowercase hex), or undefined when the image is not the viewer's or does not exist (alike). */
export async function imageMd5(scope: AccessScope, sopInstanceUid: string): Promise<string | undefined> {
  const row = await scope.images().where('image.sop_instance_uid', '=', sopInstanceUid).select('image.md5').executeTakeFirst();
  return row?.md5.toLowerCase();
}
