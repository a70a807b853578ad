// getM5HashForImage (v1, v2; sic) and v4 getMD5HashForImage (spec §5.19): the stored MD5 of
// one image as text/plain. The original names the parameter SOPInstanceUid at v1/v2 and
// SOPInstanceUID at v4; both spellings are read everywhere. An image the caller may not see
// is a 404, like one that does not exist (the original answers 200 with an empty body).
import { imageMd5 } from '../../archive/queries/images.js';
import { badRequest, notFound } from '../../errors.js';
import type { EndpointDef } from '../endpoint.js';
import type { Params } from '../params.js';

const SPELLINGS = ['SOPInstanceUid', 'SOPInstanceUID'] as const;

function sopInstanceUid(params: Params): string {
  for (const name of SPELLINGS) {
    const v = params.get(name)?.trim();
    if (v !== undefined && v !== '') return v;
  }
  throw badRequest('SOPInstanceUid (or SOPInstanceUID) is required');
}

const md5Endpoint = (name: string, families: EndpointDef['families']): EndpointDef => ({
  name,
  families,
  method: 'GET',
  summary: 'The MD5 (lowercase hex) of one stored DICOM file, as text/plain',
  params: [
    { name: 'SOPInstanceUid', description: 'the image (SOPInstanceUID; either spelling is accepted)' },
    { name: 'SOPInstanceUID', description: 'the same, as v4 spells it' },
  ],
  format: false,
  handler: async ({ scope, params }) => {
    const uid = sopInstanceUid(params);
    const md5 = await imageMd5(scope, uid);
    if (md5 === undefined) throw notFound(`no image with SOPInstanceUID ${uid} is available`);
    return { raw: md5, contentType: 'text/plain; charset=utf-8' };
  },
});

export const imageEndpoints: EndpointDef[] = [md5Endpoint('getM5HashForImage', ['v1', 'v2']), md5Endpoint('getMD5HashForImage', ['v4'])];
