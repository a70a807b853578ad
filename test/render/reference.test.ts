// The renderer proven against dcmtk: every transfer syntax of test/fixtures/render (made by
// scripts/render-reference.sh) and the image files of the DICOM corpus, frame by frame,
// rendered by us and by dcmj2pnm/dcml2pnm with the same window: the same pixels within one
// grey level. Then the encoders, resizing, and the refusals.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { FrameError, openFrames } from '../../src/dicom/frames.js';
import { renderInstance, renderPixels } from '../../src/render/render.js';
import { dcmj2pnm, difference } from './dcmtk.js';

const RENDER = join(import.meta.dirname, '../fixtures/render');
const CORPUS = join(import.meta.dirname, '../fixtures/dicom/files');

/** 12-bit lossy JPEG: the WASM libjpeg-turbo build is 8-bit only (checked below as a refusal). */
const UNSUPPORTED = new Set(['mono12_m1.jpeg-extended.dcm']);

async function compare(path: string, options: { frame?: number; window?: { center: number; width: number }; referencePath?: string } = {}) {
  const bytes = readFileSync(path);
  const { pixel } = openFrames(bytes);
  const ours = await renderPixels(bytes, options.frame ?? 1, options.window);
  const reference = dcmj2pnm(options.referencePath ?? path, {
    frame: options.frame,
    window: options.window,
    fileHasWindow: pixel.windowCenter.length > 0,
    jpegLs: pixel.transferSyntaxUid.startsWith('1.2.840.10008.1.2.4.8'),
  });
  assert.deepEqual([ours.width, ours.height, ours.channels], [reference.width, reference.height, reference.channels], `${path}: shape`);
  const diff = difference(ours, reference);
  assert.ok(diff.max <= 1, `${path} frame ${options.frame ?? 1}: ${diff.count} samples differ from dcmtk, by up to ${diff.max} grey levels`);
  return { pixel, ours };
}

describe('rendering matches dcmtk within one grey level', () => {
  const fixtures = readdirSync(RENDER).filter((f) => f.endsWith('.dcm') && !UNSUPPORTED.has(f));

  it('covers every transfer syntax and display feature it claims to', () => {
    const syntaxes = new Set(fixtures.map((f) => openFrames(readFileSync(join(RENDER, f))).pixel.transferSyntaxUid));
    for (const uid of ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']) {
      assert.ok(syntaxes.has(uid), `a fixture in ${uid}`);
    }
  });

  for (const name of fixtures) {
    it(name, async () => {
      const { pixel } = await compare(join(RENDER, name));
      for (let frame = 2; frame <= pixel.numberOfFrames; frame++) await compare(join(RENDER, name), { frame });
    });
  }

  it('applies a requested window instead of the file’s', async () => {
    const a = await compare(join(RENDER, 'ct16s_3f.dcm'), { frame: 2, window: { center: 100, width: 700 } });
    const b = await renderPixels(readFileSync(join(RENDER, 'ct16s_3f.dcm')), 2);
    assert.ok(difference(a.ours, b).count > 0, 'the requested window changes the image');
    await compare(join(RENDER, 'ct16s_3f.jpeg-sv1.dcm'), { frame: 3, window: { center: -50, width: 1 } });
  });

  const corpus = [
    'CT_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm',
    'SC_rgb_jpeg_dcmtk.dcm', 'SC_rgb_jpeg_gdcm.dcm', 'image_dfl.dcm', 'gen_ct_rare_deflated.dcm', 'gen_ct_rare_nometa_implicit.dcm', 'chrRuss.dcm', 'badVR.dcm',
  ];
  for (const name of corpus) {
    it(`corpus: ${name}`, async () => {
      await compare(join(CORPUS, name));
    });
  }

  it('corpus: JPEG 2000 lossless decodes to its native twin’s rendering (dcmtk has no JPEG 2000 decoder)', async () => {
    await compare(join(CORPUS, 'MR_small_jp2klossless.dcm'), { referencePath: join(CORPUS, 'MR_small_implicit.dcm') });
  });

  it('corpus: lossy JPEG 2000 decodes to a full-range image of the declared size', async () => {
    const image = await renderPixels(readFileSync(join(CORPUS, 'JPEG2000.dcm')));
    assert.deepEqual([image.width, image.height, image.channels], [256, 1024, 1]);
    assert.equal(image.data.reduce((a, b) => Math.min(a, b), 255), 0);
    assert.equal(image.data.reduce((a, b) => Math.max(a, b), 0), 255);
  });
});

describe('renderInstance', () => {
  it('encodes PNG losslessly and JPEG at the same size', async () => {
    const bytes = readFileSync(join(RENDER, 'rgb8.rle.dcm'));
    const pixels = await renderPixels(bytes);
    const png = await renderInstance(bytes, { format: 'png' });
    assert.equal(png.contentType, 'image/png');
    const decoded = await sharp(png.body).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([decoded.info.width, decoded.info.height, decoded.info.channels], [37, 29, 3]);
    assert.deepEqual(new Uint8Array(decoded.data), pixels.data);
    const jpeg = await renderInstance(bytes, { format: 'jpeg' });
    assert.equal(jpeg.contentType, 'image/jpeg');
    assert.deepEqual([...jpeg.body.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual([jpeg.width, jpeg.height], [37, 29]);
  });

  it('fits rows × columns keeping the aspect ratio, and never enlarges', async () => {
    const bytes = readFileSync(join(RENDER, 'ct16s_3f.dcm')); // 48 wide, 40 high
    assert.deepEqual(await renderInstance(bytes, { format: 'png', columns: 24 }).then((r) => [r.width, r.height]), [24, 20]);
    assert.deepEqual(await renderInstance(bytes, { format: 'png', rows: 10, columns: 24 }).then((r) => [r.width, r.height]), [12, 10]);
    assert.deepEqual(await renderInstance(bytes, { format: 'png', rows: 400 }).then((r) => [r.width, r.height]), [48, 40]);
  });

  it('refuses what it cannot render with a reason, never a crash', async () => {
    const reason = (expected: string) => (e: unknown) => e instanceof FrameError && e.reason === expected;
    await assert.rejects(renderInstance(readFileSync(join(RENDER, 'mono12_m1.jpeg-extended.dcm')), { format: 'png' }), reason('unsupported'));
    await assert.rejects(renderInstance(readFileSync(join(RENDER, 'ct16s_3f.dcm')), { format: 'png', frame: 4 }), reason('frame_out_of_range'));
    await assert.rejects(renderInstance(readFileSync(join(CORPUS, 'chrSQEncoding.dcm')), { format: 'png' }), reason('no_pixel_data'));
    await assert.rejects(renderInstance(readFileSync(join(CORPUS, 'MR_truncated.dcm')), { format: 'png' }), reason('not_dicom'));
    // A transfer syntax without a decoder here (JPEG 2000 Part 2 multi-component), on otherwise good bytes.
    const part2 = Buffer.from(readFileSync(join(CORPUS, 'MR_small_jp2klossless.dcm')).toString('latin1').replace('1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.92'), 'latin1');
    await assert.rejects(renderInstance(part2, { format: 'png' }), reason('unsupported'));
  });
});
