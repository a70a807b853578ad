// The frame extractor: the pixel module and frame N's bytes as stored, for native and
// encapsulated pixel data, with and without offset tables, and its refusals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FrameError, openFrames } from '../../src/dicom/frames.js';
import { explicitFile, type TestElement } from './build-dicom.js';

const FILES = join(import.meta.dirname, '../fixtures/dicom/files');
const read = (name: string) => readFileSync(join(FILES, name));

function us(n: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function imageElements(rows: number, columns: number, frames: number, bitsAllocated = 8): TestElement[] {
  return [
    { tag: '00280002', vr: 'US', value: us(1) },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280008', vr: 'IS', value: String(frames) },
    { tag: '00280010', vr: 'US', value: us(rows) },
    { tag: '00280011', vr: 'US', value: us(columns) },
    { tag: '00280100', vr: 'US', value: us(bitsAllocated) },
    { tag: '00280101', vr: 'US', value: us(bitsAllocated) },
    { tag: '00280102', vr: 'US', value: us(bitsAllocated - 1) },
    { tag: '00280103', vr: 'US', value: us(0) },
  ];
}

function item(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0xfffe, 0);
  head.writeUInt16LE(0xe000, 2);
  head.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([head, bytes]);
}

/** An encapsulated file (JPEG baseline UID; the fragments are opaque here) with a given offset table. */
function encapsulated(frames: number, fragments: Uint8Array[], offsetTable: number[], extra: TestElement[] = []): Buffer {
  const head = explicitFile([...imageElements(4, 4, frames), ...extra]);
  // explicitFile writes explicit VR LE; retarget the transfer syntax to an encapsulated one of the same length.
  const withTs = Buffer.from(head.toString('latin1').replace('1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2.5\0'), 'latin1');
  const pixelHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  const table = Buffer.alloc(4 * offsetTable.length);
  offsetTable.forEach((o, i) => table.writeUInt32LE(o, 4 * i));
  const end = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([withTs, pixelHeader, item(table), ...fragments.map(item), end]);
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('openFrames', () => {
  it('reads the pixel module of a native CT image and slices its one frame', () => {
    const frames = openFrames(read('CT_small.dcm'));
    const p = frames.pixel;
    assert.deepEqual(
      [p.rows, p.columns, p.samplesPerPixel, p.bitsAllocated, p.bitsStored, p.highBit, p.pixelRepresentation, p.photometricInterpretation, p.numberOfFrames],
      [128, 128, 1, 16, 16, 15, 1, 'MONOCHROME2', 1],
    );
    assert.equal(p.rescaleIntercept, -1024);
    assert.equal(p.rescaleSlope, 1);
    assert.equal(p.encapsulated, false);
    assert.equal(frames.frame(1).length, 128 * 128 * 2);
  });

  it('gives the same native pixels for every byte order and encoding, in the file’s byte order', () => {
    const le = openFrames(read('MR_small_implicit.dcm'));
    const be = openFrames(read('MR_small_bigendian.dcm'));
    assert.deepEqual(le.pixel.windowCenter, [600]);
    assert.deepEqual(le.pixel.windowWidth, [1600]);
    assert.equal(be.pixel.littleEndian, false);
    const a = le.frame(1);
    const b = Buffer.from(be.frame(1));
    b.swap16();
    assert.deepEqual(Buffer.from(a), b);
    // The deflated file inflates first.
    assert.deepEqual(Buffer.from(openFrames(read('gen_ct_rare_deflated.dcm')).frame(1)), Buffer.from(openFrames(read('gen_ct_rare.dcm')).frame(1)));
  });

  it('returns an encapsulated single frame’s fragments as stored', () => {
    const frames = openFrames(read('SC_rgb_jpeg_dcmtk.dcm'));
    assert.equal(frames.pixel.encapsulated, true);
    assert.equal(frames.pixel.samplesPerPixel, 3);
    assert.equal(frames.pixel.photometricInterpretation, 'YBR_FULL');
    const frame = frames.frame(1);
    assert.deepEqual([...frame.subarray(0, 2)], [0xff, 0xd8]); // SOI
    // EOI, then at most the one byte of padding that keeps a fragment's length even.
    assert.ok(Buffer.from(frame.subarray(frame.length - 3)).includes(Buffer.from([0xff, 0xd9])));
  });

  it('slices native multi-frame data frame by frame', () => {
    const pixels = Uint8Array.from({ length: 3 * 16 }, (_, i) => i);
    const file = explicitFile([...imageElements(4, 4, 3), { tag: '7FE00010', vr: 'OB', value: pixels }]);
    const frames = openFrames(file);
    assert.equal(frames.pixel.numberOfFrames, 3);
    assert.deepEqual([...frames.frame(2)], [...pixels.subarray(16, 32)]);
    assert.deepEqual([...frames.frame(3)], [...pixels.subarray(32, 48)]);
  });

  it('re-aligns 1-bit frames that do not start on a byte', () => {
    // 3×3 one-bit frames: 9 bits each, so frame 2 starts at bit 9.
    const packed = bytes(0b11111111, 0b10101011, 0b00000001, 0);
    const file = explicitFile([...imageElements(3, 3, 2, 1), { tag: '7FE00010', vr: 'OB', value: packed }]);
    const frame2 = openFrames(file).frame(2);
    // Bits 9..17 of the stream (LSB first): 1,0,1,0,1,0,1,1,0 → low byte 0b11010101, then 0.
    assert.equal(frame2[0], 0b11010101);
    assert.equal((frame2[1] ?? 0) & 1, 0);
  });

  it('uses the Basic Offset Table to group fragments into frames', () => {
    // Frame 1 is two fragments (each item 8 + 2 bytes), frame 2 one.
    const file = encapsulated(2, [bytes(1, 2), bytes(3, 4), bytes(5, 6)], [0, 20]);
    const frames = openFrames(file);
    assert.deepEqual([...frames.frame(1)], [1, 2, 3, 4]);
    assert.deepEqual([...frames.frame(2)], [5, 6]);
  });

  it('takes one fragment per frame when there is no offset table', () => {
    const frames = openFrames(encapsulated(3, [bytes(1, 1), bytes(2, 2), bytes(3, 3)], []));
    assert.deepEqual([...frames.frame(3)], [3, 3]);
  });

  it('finds frames by their codestream start when fragments outnumber frames', () => {
    const frames = openFrames(encapsulated(2, [bytes(0xff, 0xd8, 1, 1), bytes(2, 2), bytes(0xff, 0xd8, 3, 3)], []));
    assert.deepEqual([...frames.frame(1)], [0xff, 0xd8, 1, 1, 2, 2]);
    assert.deepEqual([...frames.frame(2)], [0xff, 0xd8, 3, 3]);
  });

  it('prefers the Extended Offset Table, with its lengths', () => {
    const eot = Buffer.alloc(16);
    eot.writeBigUInt64LE(0n, 0);
    eot.writeBigUInt64LE(12n, 8);
    const lengths = Buffer.alloc(16);
    lengths.writeBigUInt64LE(3n, 0);
    lengths.writeBigUInt64LE(4n, 8);
    const file = encapsulated(2, [bytes(1, 2, 3, 0), bytes(4, 5, 6, 7)], [], [
      { tag: '7FE00001', vr: 'OV', value: eot },
      { tag: '7FE00002', vr: 'OV', value: lengths },
    ]);
    const frames = openFrames(file);
    assert.deepEqual([...frames.frame(1)], [1, 2, 3]);
    assert.deepEqual([...frames.frame(2)], [4, 5, 6, 7]);
  });

  it('refuses frames out of range, files without pixel data and damaged files with a reason', () => {
    const frames = openFrames(read('CT_small.dcm'));
    for (const n of [0, 2, 1.5, -1]) {
      assert.throws(() => frames.frame(n), (e: unknown) => e instanceof FrameError && e.reason === 'frame_out_of_range');
    }
    assert.throws(() => openFrames(read('chrJapMulti.dcm')), (e: unknown) => e instanceof FrameError && e.reason === 'no_pixel_data');
    assert.throws(() => openFrames(read('MR_truncated.dcm')), (e: unknown) => e instanceof FrameError && e.reason === 'not_dicom');
    assert.throws(() => openFrames(read('no_meta.dcm')), (e: unknown) => e instanceof FrameError && e.reason === 'not_dicom');
    assert.throws(() => openFrames(Buffer.from('hello')), (e: unknown) => e instanceof FrameError);
    assert.throws(
      () => openFrames(encapsulated(3, [bytes(1, 1), bytes(2, 2)], [])),
      (e: unknown) => e instanceof FrameError && e.reason === 'unsupported',
    );
  });
});
