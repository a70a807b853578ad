// Test data for ingest: CT instances with given identities, written with the project's
// DICOM writer (src/dicom/writer.ts), so each test states exactly what its files carry.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { encodeDicomFile, type DicomElementInput } from '../../src/dicom/writer.js';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

let counter = 0;
/** A fresh UID under 2.25 (a UUID-derived root needs no registration). */
export function newUid(): string {
  counter++;
  return `2.25.${BigInt(`0x${randomBytes(12).toString('hex')}`).toString()}${counter}`.slice(0, 64);
}

export interface InstanceSpec {
  patientId?: string | null;
  patientName?: string;
  studyUid?: string | null;
  seriesUid?: string | null;
  sopUid?: string | null;
  modality?: string | null;
  instanceNumber?: number;
  seriesDescription?: string;
  studyDate?: string;
  bodyPart?: string;
  /** Square image side in pixels (16-bit): 512 gives a 512 KiB file. Default 8. */
  side?: number;
  /** Bytes the pixel data is cut from; random when absent (so every file differs). */
  pixels?: Buffer;
}

/** One CT instance as Part 10 bytes. Null fields are left out of the file. */
export function ctInstance(spec: InstanceSpec = {}): Buffer {
  const side = spec.side ?? 8;
  const pixelBytes = side * side * 2;
  const pixels = spec.pixels ? spec.pixels.subarray(0, pixelBytes) : randomBytes(pixelBytes);
  const text = (tag: string, vr: string, value: string | null | undefined): DicomElementInput[] =>
    value === null || value === undefined ? [] : [{ tag, vr, value }];
  const elements: DicomElementInput[] = [
    { tag: '00080016', vr: 'UI', value: CT_IMAGE_STORAGE },
    ...text('00080018', 'UI', spec.sopUid === undefined ? newUid() : spec.sopUid),
    ...text('00080020', 'DA', spec.studyDate ?? '20240115'),
    ...text('00080060', 'CS', spec.modality === undefined ? 'CT' : spec.modality),
    { tag: '00080070', vr: 'LO', value: 'ACME Medical' },
    ...text('0008103E', 'LO', spec.seriesDescription ?? 'Chest 1.25mm'),
    ...text('00100010', 'PN', spec.patientName ?? 'Doe^Jane'),
    ...text('00100020', 'LO', spec.patientId === undefined ? 'PAT-001' : spec.patientId),
    { tag: '00100040', vr: 'CS', value: 'F' },
    ...text('00180015', 'CS', spec.bodyPart ?? 'CHEST'),
    { tag: '00180050', vr: 'DS', value: '1.25' },
    ...text('0020000D', 'UI', spec.studyUid === undefined ? newUid() : spec.studyUid),
    ...text('0020000E', 'UI', spec.seriesUid === undefined ? newUid() : spec.seriesUid),
    { tag: '00200011', vr: 'IS', value: '2' },
    { tag: '00200013', vr: 'IS', value: String(spec.instanceNumber ?? 1) },
    { tag: '00280002', vr: 'US', value: 1 },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280010', vr: 'US', value: side },
    { tag: '00280011', vr: 'US', value: side },
    { tag: '00280030', vr: 'DS', value: ['0.7', '0.7'] },
    { tag: '00280100', vr: 'US', value: 16 },
    { tag: '00280101', vr: 'US', value: 12 },
    { tag: '00280102', vr: 'US', value: 11 },
    { tag: '00280103', vr: 'US', value: 0 },
    { tag: '7FE00010', vr: 'OW', value: pixels },
  ];
  return encodeDicomFile(elements);
}

export interface SeriesSpec extends Omit<InstanceSpec, 'sopUid' | 'instanceNumber'> {
  count: number;
}

export interface WrittenInstance {
  path: string;
  sopUid: string;
  size: number;
}

/** Writes a series of `count` instances into `dir` (created), named 0001.dcm, 0002.dcm, ... */
export function writeSeries(dir: string, spec: SeriesSpec): { seriesUid: string; studyUid: string; files: WrittenInstance[] } {
  fs.mkdirSync(dir, { recursive: true });
  const seriesUid = spec.seriesUid ?? newUid();
  const studyUid = spec.studyUid ?? newUid();
  const files: WrittenInstance[] = [];
  for (let i = 1; i <= spec.count; i++) {
    const sopUid = newUid();
    const bytes = ctInstance({ ...spec, seriesUid, studyUid, sopUid, instanceNumber: i });
    const file = path.join(dir, `${String(i).padStart(4, '0')}.dcm`);
    fs.writeFileSync(file, bytes);
    files.push({ path: file, sopUid, size: bytes.length });
  }
  return { seriesUid, studyUid, files };
}
