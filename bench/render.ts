// Render throughput: images per second rendered to PNG and JPEG (decode, display pipeline,
// encode) for each codec family, beside sharp encoding the same 8-bit pixels alone (the
// floor any renderer pays), so the ratio shows what decoding and windowing add.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { renderInstance, renderPixels, type RenderFormat } from '../src/render/render.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'test', 'fixtures');
const FILES: [string, string][] = [
  ['native 16-bit CT 128²', 'dicom/files/CT_small.dcm'],
  ['RLE MR 64²', 'dicom/files/MR_small_RLE.dcm'],
  ['JPEG-LS MR 64²', 'dicom/files/MR_small_jpeg_ls_lossless.dcm'],
  ['JPEG 2000 256×1024', 'dicom/files/JPEG2000.dcm'],
  ['JPEG baseline RGB 100²', 'dicom/files/SC_rgb_jpeg_dcmtk.dcm'],
  ['JPEG lossless 16-bit 48×40×3 frames', 'render/ct16s_3f.jpeg-sv1.dcm'],
];

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and gives calls per second. */
async function perSecond(fn: () => Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    await fn();
    calls++;
  }
  return (calls * 1000) / (performance.now() - started);
}

export async function benchRender(): Promise<Record<string, number | string>> {
  const results: Record<string, number | string> = {};
  for (const [label, file] of FILES) {
    const bytes = fs.readFileSync(path.join(FIXTURES, file));
    for (const format of ['png', 'jpeg'] as RenderFormat[]) {
      results[`${label}, ${format}: images/s`] = await perSecond(() => renderInstance(bytes, { format }));
    }
    const pixels = await renderPixels(bytes);
    const encodeOnly = await perSecond(() =>
      sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } }).png().toBuffer(),
    );
    results[`${label}, baseline sharp PNG encode only: images/s`] = encodeOnly;
    results[`${label}, ratio render / encode-only time`] = encodeOnly / (results[`${label}, png: images/s`] as number);
  }
  return results;
}
