// Writes the uncompressed source images of test/fixtures/render/ (run by
// scripts/render-reference.sh, which then makes every transfer-syntax variant with dcmtk).
// Each image exercises one part of the display pipeline: signed values with rescale and a
// window, MONOCHROME1 with 12 of 16 bits stored, 8-bit grey, RGB by pixel and by plane,
// and palette colour. Pixel values come from a fixed formula, so the files are deterministic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDicomFile, type DicomElementInput } from '../../src/dicom/writer.js';

const OUT = process.argv[2] ?? 'test/fixtures/render';
const ROOT = '2.25.3141592653589793238462643383279502884';

function le16(values: number[]): Uint8Array {
  const b = Buffer.alloc(2 * values.length);
  values.forEach((v, i) => b.writeUInt16LE(v & 0xffff, 2 * i));
  return b;
}

interface Image {
  name: string;
  rows: number;
  columns: number;
  frames?: number;
  samples: 1 | 3;
  bits: 8 | 16;
  stored: number;
  signed?: boolean;
  photometric: string;
  planar?: 0 | 1;
  extra?: DicomElementInput[];
  /** Stored value of sample `s` at (x, y) in frame `f`. */
  value(x: number, y: number, f: number, s: number): number;
}

const IMAGES: Image[] = [
  {
    name: 'ct16s_3f', rows: 40, columns: 48, frames: 3, samples: 1, bits: 16, stored: 16, signed: true, photometric: 'MONOCHROME2',
    extra: [
      { tag: '00281050', vr: 'DS', value: ['40', '300'] },
      { tag: '00281051', vr: 'DS', value: ['400', '1500'] },
      { tag: '00281052', vr: 'DS', value: '-1024' },
      { tag: '00281053', vr: 'DS', value: '1' },
    ],
    // -200..2200 HU-like ramps with a frame-dependent ring.
    value: (x, y, f) => Math.round(30 * x + 20 * y - 200 + 300 * Math.sin((x * y + 40 * f) / 50)),
  },
  {
    name: 'mono12_m1', rows: 31, columns: 33, samples: 1, bits: 16, stored: 12, photometric: 'MONOCHROME1',
    value: (x, y) => (x * 97 + y * 61 + ((x * y) % 17) * 13) % 4096,
  },
  {
    name: 'mono8', rows: 48, columns: 64, samples: 1, bits: 8, stored: 8, photometric: 'MONOCHROME2',
    value: (x, y) => Math.round(127 + 100 * Math.sin(x / 7) * Math.cos(y / 5)),
  },
  {
    name: 'rgb8', rows: 29, columns: 37, samples: 3, bits: 8, stored: 8, photometric: 'RGB', planar: 0,
    value: (x, y, _f, s) => [x * 7, y * 8, (x + y) * 4][s]! % 256,
  },
  {
    name: 'rgb8_planar', rows: 29, columns: 37, samples: 3, bits: 8, stored: 8, photometric: 'RGB', planar: 1,
    value: (x, y, _f, s) => [x * 7, y * 8, (x + y) * 4][s]! % 256,
  },
  {
    name: 'palette8', rows: 32, columns: 32, samples: 1, bits: 8, stored: 8, photometric: 'PALETTE COLOR',
    extra: [
      { tag: '00281101', vr: 'US', value: [256, 0, 16] },
      { tag: '00281102', vr: 'US', value: [256, 0, 16] },
      { tag: '00281103', vr: 'US', value: [256, 0, 16] },
      { tag: '00281201', vr: 'OW', value: le16(Array.from({ length: 256 }, (_, i) => i * 257)) },
      { tag: '00281202', vr: 'OW', value: le16(Array.from({ length: 256 }, (_, i) => (255 - i) * 257)) },
      { tag: '00281203', vr: 'OW', value: le16(Array.from({ length: 256 }, (_, i) => ((i * 5) % 256) * 256)) },
    ],
    value: (x, y) => (x * 8 + y) % 256,
  },
];

IMAGES.forEach((image, n) => {
  const frames = image.frames ?? 1;
  const count = image.rows * image.columns * image.samples * frames;
  const pixels = Buffer.alloc((count * image.bits) / 8);
  let i = 0;
  for (let f = 0; f < frames; f++) {
    const order: [number, number, number][] = [];
    if (image.planar === 1) {
      for (let s = 0; s < image.samples; s++) for (let y = 0; y < image.rows; y++) for (let x = 0; x < image.columns; x++) order.push([x, y, s]);
    } else {
      for (let y = 0; y < image.rows; y++) for (let x = 0; x < image.columns; x++) for (let s = 0; s < image.samples; s++) order.push([x, y, s]);
    }
    for (const [x, y, s] of order) {
      const v = image.value(x, y, f, s);
      if (image.bits === 8) pixels[i++] = v & 0xff;
      else {
        pixels.writeUInt16LE(v & 0xffff, 2 * i);
        i++;
      }
    }
  }
  const elements: DicomElementInput[] = [
    { tag: '00080016', vr: 'UI', value: image.frames ? '1.2.840.10008.5.1.4.1.1.7.3' : '1.2.840.10008.5.1.4.1.1.7' },
    { tag: '00080018', vr: 'UI', value: `${ROOT}.1.${n + 1}` },
    { tag: '00080060', vr: 'CS', value: 'OT' },
    { tag: '00100010', vr: 'PN', value: 'Render^Fixture' },
    { tag: '00100020', vr: 'LO', value: 'RENDER-1' },
    { tag: '0020000D', vr: 'UI', value: ROOT },
    { tag: '0020000E', vr: 'UI', value: `${ROOT}.1` },
    { tag: '00200013', vr: 'IS', value: String(n + 1) },
    { tag: '00280002', vr: 'US', value: image.samples },
    { tag: '00280004', vr: 'CS', value: image.photometric },
    ...(image.samples === 3 ? [{ tag: '00280006', vr: 'US', value: image.planar ?? 0 }] : []),
    ...(image.frames ? [{ tag: '00280008', vr: 'IS', value: String(frames) }] : []),
    { tag: '00280010', vr: 'US', value: image.rows },
    { tag: '00280011', vr: 'US', value: image.columns },
    { tag: '00280100', vr: 'US', value: image.bits },
    { tag: '00280101', vr: 'US', value: image.stored },
    { tag: '00280102', vr: 'US', value: image.stored - 1 },
    { tag: '00280103', vr: 'US', value: image.signed ? 1 : 0 },
    ...(image.extra ?? []),
    { tag: '7FE00010', vr: image.bits === 8 ? 'OB' : 'OW', value: pixels },
  ];
  elements.sort((a, b) => (a.tag < b.tag ? -1 : 1));
  writeFileSync(join(OUT, `${image.name}.dcm`), encodeDicomFile(elements));
});
console.log(`${IMAGES.length} source images in ${OUT}`);
