// WADO-RS (PS3.18 10.4): a study, series or instance as the stored files (multipart/related,
// streamed one file after another), its metadata as DICOM JSON (streamed one instance after
// another), and the bulk data the metadata points at. Every read starts from the viewer's
// instances (storedInstances, through the AccessScope): what the viewer may not see is a 404.
import { Readable } from 'node:stream';
import type { DataSet } from 'dicom-parser';
import type { AccessScope } from '../archive/access.js';
import { readStoredDataSet } from '../archive/dicom-tags.js';
import { storedInstances, type StoredInstance } from '../archive/queries/qido.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN } from '../dicom/transfer-syntax.js';
import { ApiError, notFound } from '../errors.js';
import { acceptStoredDicom } from './accept.js';
import { dataSetJson, jsonTag } from './metadata.js';
import { multipartStream, multipartType, newBoundary, type Part } from './multipart.js';

/** The UIDs of a WADO-RS path: a study, a series of it, or an instance of that. */
export interface Target {
  study: string;
  series?: string;
  instance?: string;
}

/** The absolute URL of a target under `base` (the /dicomweb root). */
export function targetUrl(base: string, target: Target): string {
  let url = `${base}/studies/${target.study}`;
  if (target.series !== undefined) url += `/series/${target.series}`;
  if (target.instance !== undefined) url += `/instances/${target.instance}`;
  return url;
}

function describe(target: Target): string {
  if (target.instance !== undefined) return `instance ${target.instance} of series ${target.series} of study ${target.study}`;
  if (target.series !== undefined) return `series ${target.series} of study ${target.study}`;
  return `study ${target.study}`;
}

/** The viewer's instances of a target; 404 when there are none (unknown, or not the viewer's). */
export async function instancesOf(scope: AccessScope, target: Target): Promise<StoredInstance[]> {
  const instances = await storedInstances(scope, target);
  if (instances.length === 0) throw notFound(`no ${describe(target)} in this archive`);
  return instances;
}

export interface StreamAnswer {
  contentType: string;
  body: Readable;
}

/** The stored files of a target as multipart/related; type="application/dicom". */
export async function retrieve(scope: AccessScope, blobs: BlobStore, target: Target, accept: string | undefined, base: string): Promise<StreamAnswer> {
  const instances = await instancesOf(scope, target);
  acceptStoredDicom(accept, instances.map((i) => i.transferSyntaxUid ?? ''));
  const boundary = newBoundary();
  const parts = instances.map(
    (i): Part => ({
      contentType: `application/dicom${i.transferSyntaxUid ? `; transfer-syntax=${i.transferSyntaxUid}` : ''}`,
      headers: { 'Content-Location': targetUrl(base, { study: i.studyInstanceUid, series: i.seriesInstanceUid, instance: i.sopInstanceUid }) },
      body: () => blobs.openRead(i.blobKey, i.inPlace),
    }),
  );
  return { contentType: multipartType('application/dicom', boundary), body: multipartStream(parts, boundary) };
}

const METADATA_READ_AHEAD = 4;

/**
 * The metadata of a target: a JSON array, one DICOM JSON object per instance, written as
 * each file is read (a few files are read ahead, in order), so a large series starts at once.
 */
export async function metadata(scope: AccessScope, blobs: BlobStore, target: Target, base: string): Promise<Readable> {
  const instances = await instancesOf(scope, target);
  const read = (i: StoredInstance) =>
    readStoredDataSet(blobs, { sopInstanceUid: i.sopInstanceUid, blobKey: i.blobKey, inPlace: i.inPlace }).then((dataSet) =>
      JSON.stringify(dataSetJson(dataSet, targetUrl(base, { study: i.studyInstanceUid, series: i.seriesInstanceUid, instance: i.sopInstanceUid }))),
    );
  async function* chunks(): AsyncGenerator<string> {
    const pending: Promise<string>[] = [];
    let next = 0;
    const fill = () => {
      while (pending.length < METADATA_READ_AHEAD && next < instances.length) {
        const p = read(instances[next++]!);
        p.catch(() => {}); // awaited in turn below; an early failure must not go unhandled meanwhile
        pending.push(p);
      }
    };
    yield '[';
    fill();
    for (let n = 0; pending.length > 0; n++) {
      const json = await pending.shift()!;
      fill();
      yield n === 0 ? json : `,${json}`;
    }
    yield ']';
  }
  // The first instance is read before the answer starts, so an unreadable file is a clean 500.
  const iterator = chunks();
  const first = await iterator.next();
  const second = await iterator.next();
  async function* whole(): AsyncGenerator<string> {
    if (!first.done) yield first.value;
    if (!second.done) yield second.value;
    yield* iterator;
  }
  return Readable.from(whole());
}

// ---------------------------------------------------------------------------------------
// Bulk data

/**
 * One element's value, located by the path a BulkDataURI carries: tags, with the item
 * index after each sequence tag (`7FE00010`, `00282000`, `00880200/0/7FE00010`).
 */
function findElement(dataSet: DataSet, path: string) {
  const steps = path.split('/').filter((s) => s !== '');
  let current: DataSet = dataSet;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (!/^[0-9A-Fa-f]{8}$/.test(step)) throw new ApiError('invalid_request', `bulk data path step "${step}" is not a tag (ggggeeee)`);
    const element = current.elements[`x${step.toLowerCase()}`];
    if (!element) return undefined;
    if (i === steps.length - 1) return { element, dataSet: current, topLevel: i === 0 };
    const index = steps[++i];
    if (index === undefined || !/^\d+$/.test(index)) throw new ApiError('invalid_request', `bulk data path: an item number must follow sequence ${step}`);
    const item = element.items?.[Number(index)]?.dataSet;
    if (!item) return undefined;
    current = item;
  }
  return undefined;
}

/**
 * The bytes of one bulk data element as multipart/related; type="application/octet-stream".
 * Native Pixel Data is streamed straight from the stored file; other values come from the
 * header read. Encapsulated (compressed) Pixel Data is served frame by frame through
 * /frames instead.
 */
export async function bulkData(scope: AccessScope, blobs: BlobStore, target: Required<Target>, path: string): Promise<StreamAnswer> {
  const [instance] = await instancesOf(scope, target);
  const stored = { sopInstanceUid: instance!.sopInstanceUid, blobKey: instance!.blobKey, inPlace: instance!.inPlace };
  const dataSet = await readStoredDataSet(blobs, stored);
  const found = findElement(dataSet, path);
  if (!found) throw notFound(`instance ${target.instance} has no element ${path}`);
  const { element } = found;
  if (element.encapsulatedPixelData || element.hadUndefinedLength) {
    throw notFound(`element ${path} of instance ${target.instance} is encapsulated pixel data: read it frame by frame at .../frames/{n}`);
  }
  const boundary = newBoundary();
  const part: Part = { contentType: 'application/octet-stream', body: Buffer.alloc(0) };
  const inHeader = element.dataOffset + element.length <= dataSet.byteArray.length;
  if (inHeader) {
    part.body = Buffer.from(dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length));
  } else if (found.topLevel && jsonTag(`x${path.toLowerCase()}`) === '7FE00010' && instance!.transferSyntaxUid !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    // Offsets of a plain (not deflated) file are file offsets: read the value from the store.
    part.body = () => blobs.openRead(stored.blobKey, stored.inPlace, { start: element.dataOffset, end: element.dataOffset + element.length - 1 });
  } else {
    throw new ApiError('server_error', `element ${path} of instance ${target.instance} lies beyond what its file holds`);
  }
  return { contentType: multipartType('application/octet-stream', boundary), body: multipartStream([part], boundary) };
}
