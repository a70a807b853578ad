// The Part 10 writer, byte by byte: every expected byte below was written out by hand from
// PS3.10 (preamble, DICM, meta group) and PS3.5 (element headers, padding, sequences),
// not taken from the writer. A round trip through the header parser closes the loop.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeDicomFile,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  type DicomElementInput,
} from '../../src/dicom/writer.js';
import { parseDicomFile } from '../../src/dicom/parse.js';

/** Bytes from hex ("08 00 16 00") and text pieces. */
function bytes(...parts: (string | { ascii: string } | { latin1: string } | { utf8: string } | number[] | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((p) => {
      if (Buffer.isBuffer(p)) return p;
      if (typeof p === 'string') return Buffer.from(p.replace(/\s+/g, ''), 'hex');
      if (Array.isArray(p)) return Buffer.from(p);
      if ('ascii' in p) return Buffer.from(p.ascii, 'ascii');
      if ('latin1' in p) return Buffer.from(p.latin1, 'latin1');
      return Buffer.from(p.utf8, 'utf8');
    }),
  );
}

/** Equality with the first differing offset in the message, so a failure says where. */
function sameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  const window = (b: Buffer) => b.subarray(Math.max(0, i - 8), i + 16).toString('hex').replace(/(..)/g, '$1 ');
  assert.fail(`${what}: differs at byte ${i} (lengths ${actual.length} vs ${expected.length})\n  actual:   ${window(actual)}\n  expected: ${window(expected)}`);
}

const SOP_CLASS = '1.2.3'; // 5 characters: padded with one NUL
const SOP_INSTANCE = '1.2.3.4'; // 7 characters: padded with one NUL

/** The meta group our writer must produce for SOP_CLASS / SOP_INSTANCE and a transfer syntax, by hand. */
function expectedMeta(transferSyntax: { uid: string; padded: string }): Buffer {
  // The implementation class UID is 44 characters (even, no padding); the version name 15 (one space).
  assert.equal(IMPLEMENTATION_CLASS_UID, '2.25.266285093992391276992197565461452220824');
  assert.equal(IMPLEMENTATION_VERSION_NAME, 'NBIA_ARCHIVE_01');
  const body = bytes(
    '02 00 01 00', { ascii: 'OB' }, '00 00', '02 00 00 00', '00 01', // 14 bytes
    '02 00 02 00', { ascii: 'UI' }, '06 00', { ascii: '1.2.3' }, '00', // 14
    '02 00 03 00', { ascii: 'UI' }, '08 00', { ascii: '1.2.3.4' }, '00', // 16
    '02 00 10 00', { ascii: 'UI' }, transferSyntax.padded, // 8 + value
    '02 00 12 00', { ascii: 'UI' }, '2c 00', { ascii: '2.25.266285093992391276992197565461452220824' }, // 52
    '02 00 13 00', { ascii: 'SH' }, '10 00', { ascii: 'NBIA_ARCHIVE_01 ' }, // 24
  );
  return bytes('02 00 00 00', { ascii: 'UL' }, '04 00', [body.length & 0xff, body.length >> 8, 0, 0], body);
}

const EXPLICIT_TS = { uid: '1.2.840.10008.1.2.1', padded: '14 00' + Buffer.from('1.2.840.10008.1.2.1\0').toString('hex') };
const IMPLICIT_TS = { uid: '1.2.840.10008.1.2', padded: '12 00' + Buffer.from('1.2.840.10008.1.2\0').toString('hex') };

const PREAMBLE = bytes('00'.repeat(128), { ascii: 'DICM' });

/** A tiny data set, given out of tag order on purpose. */
const TINY: DicomElementInput[] = [
  { tag: '7FE00010', vr: 'OW', value: Uint8Array.of(1, 2, 3, 4) },
  { tag: '00100010', vr: 'PN', value: 'Doe^J' },
  { tag: '00280010', vr: 'US', value: 64 },
  { tag: '00102202', vr: 'SQ', value: [[{ tag: '00080100', vr: 'SH', value: '337915000' }]] },
  { tag: '00080018', vr: 'UI', value: SOP_INSTANCE },
  { tag: '00200037', vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
  { tag: '00080016', vr: 'UI', value: SOP_CLASS },
];

describe('encodeDicomFile: a tiny file, every byte', () => {
  it('Explicit VR Little Endian: preamble, DICM, meta group with its length, elements in tag order, padding, SQ, OW', () => {
    const file = encodeDicomFile(TINY);
    const meta = expectedMeta(EXPLICIT_TS);
    // 148 = 14 + 14 + 16 + 28 + 52 + 24: the group length counts every meta byte after its own element.
    assert.equal(meta.readUInt32LE(8), 148);
    const dataset = bytes(
      '08 00 16 00', { ascii: 'UI' }, '06 00', { ascii: '1.2.3' }, '00',
      '08 00 18 00', { ascii: 'UI' }, '08 00', { ascii: '1.2.3.4' }, '00',
      '10 00 10 00', { ascii: 'PN' }, '06 00', { ascii: 'Doe^J ' }, // text pads with a space
      '10 00 02 22', { ascii: 'SQ' }, '00 00', 'ff ff ff ff', // SQ: reserved bytes, undefined length
      'fe ff 00 e0', 'ff ff ff ff', // item, undefined length
      '08 00 00 01', { ascii: 'SH' }, '0a 00', { ascii: '337915000 ' },
      'fe ff 0d e0', '00 00 00 00', // item delimitation
      'fe ff dd e0', '00 00 00 00', // sequence delimitation
      '20 00 37 00', { ascii: 'DS' }, '0c 00', { ascii: '1\\0\\0\\0\\1\\0 ' }, // 11 characters + space
      '28 00 10 00', { ascii: 'US' }, '02 00', '40 00',
      'e0 7f 10 00', { ascii: 'OW' }, '00 00', '04 00 00 00', '01 02 03 04', // OW: 4-byte length
    );
    sameBytes(file, Buffer.concat([PREAMBLE, meta, dataset]), 'explicit file');
  });

  it('Implicit VR Little Endian: the meta group stays explicit, the data set has tag + 4-byte length', () => {
    const file = encodeDicomFile(TINY, { transferSyntaxUid: '1.2.840.10008.1.2' });
    const meta = expectedMeta(IMPLICIT_TS);
    assert.equal(meta.readUInt32LE(8), 146, 'the 17-character UID pads to 18');
    const dataset = bytes(
      '08 00 16 00', '06 00 00 00', { ascii: '1.2.3' }, '00',
      '08 00 18 00', '08 00 00 00', { ascii: '1.2.3.4' }, '00',
      '10 00 10 00', '06 00 00 00', { ascii: 'Doe^J ' },
      '10 00 02 22', 'ff ff ff ff',
      'fe ff 00 e0', 'ff ff ff ff',
      '08 00 00 01', '0a 00 00 00', { ascii: '337915000 ' },
      'fe ff 0d e0', '00 00 00 00',
      'fe ff dd e0', '00 00 00 00',
      '20 00 37 00', '0c 00 00 00', { ascii: '1\\0\\0\\0\\1\\0 ' },
      '28 00 10 00', '02 00 00 00', '40 00',
      'e0 7f 10 00', '04 00 00 00', '01 02 03 04',
    );
    sameBytes(file, Buffer.concat([PREAMBLE, meta, dataset]), 'implicit file');
  });
});

/** The data set of an explicit file holding the SOP UIDs and `extra`, with the two SOP UID elements cut out. */
function datasetOf(extra: DicomElementInput[]): Buffer {
  const file = encodeDicomFile([{ tag: '00080016', vr: 'UI', value: SOP_CLASS }, { tag: '00080018', vr: 'UI', value: SOP_INSTANCE }, ...extra]);
  const metaEnd = 132 + 12 + file.readUInt32LE(140);
  let dataset = file.subarray(metaEnd);
  for (const sop of [bytes('08 00 16 00', { ascii: 'UI' }, '06 00', { ascii: '1.2.3' }, '00'), bytes('08 00 18 00', { ascii: 'UI' }, '08 00', { ascii: '1.2.3.4' }, '00')]) {
    const at = dataset.indexOf(sop);
    assert.ok(at >= 0, 'the SOP UID elements are in the data set');
    dataset = Buffer.concat([dataset.subarray(0, at), dataset.subarray(at + sop.length)]);
  }
  return dataset;
}

describe('encodeDicomFile: element encodings', () => {
  it('pads odd text with a space, UI and OB with NUL; even values are not padded; empty values have length 0', () => {
    sameBytes(datasetOf([{ tag: '00080060', vr: 'CS', value: 'CT' }]), bytes('08 00 60 00', { ascii: 'CS' }, '02 00', { ascii: 'CT' }), 'CS even');
    sameBytes(datasetOf([{ tag: '00080060', vr: 'CS', value: 'SEG' }]), bytes('08 00 60 00', { ascii: 'CS' }, '04 00', { ascii: 'SEG ' }), 'CS odd');
    sameBytes(datasetOf([{ tag: '0020000D', vr: 'UI', value: '1.2.345' }]), bytes('20 00 0d 00', { ascii: 'UI' }, '08 00', { ascii: '1.2.345' }, '00'), 'UI odd');
    sameBytes(
      datasetOf([{ tag: '00091010', vr: 'OB', value: Uint8Array.of(7, 8, 9) }]),
      bytes('09 00 10 10', { ascii: 'OB' }, '00 00', '04 00 00 00', '07 08 09 00'),
      'OB odd: NUL pad, 4-byte length',
    );
    sameBytes(datasetOf([{ tag: '00080090', vr: 'PN', value: '' }]), bytes('08 00 90 00', { ascii: 'PN' }, '00 00'), 'empty PN');
    sameBytes(datasetOf([{ tag: '00102293', vr: 'SQ', value: [] }]), bytes('10 00 93 22', { ascii: 'SQ' }, '00 00 ff ff ff ff', 'fe ff dd e0 00 00 00 00'), 'empty SQ');
  });

  it('joins multiple values with a backslash and writes binary numbers little endian', () => {
    sameBytes(
      datasetOf([{ tag: '00080008', vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] }]),
      bytes('08 00 08 00', { ascii: 'CS' }, '16 00', { ascii: 'ORIGINAL\\PRIMARY\\AXIAL' }),
      'CS multi: 22 characters, no padding',
    );
    sameBytes(
      datasetOf([{ tag: '00289503', vr: 'SS', value: [-2, 300] }]),
      bytes('28 00 03 95', { ascii: 'SS' }, '04 00', 'fe ff 2c 01'),
      'SS',
    );
    sameBytes(
      datasetOf([{ tag: '00209157', vr: 'UL', value: [1, 0x01020304] }]),
      bytes('20 00 57 91', { ascii: 'UL' }, '08 00', '01 00 00 00 04 03 02 01'),
      'UL',
    );
    sameBytes(
      datasetOf([{ tag: '00186020', vr: 'SL', value: -1 }]),
      bytes('18 00 20 60', { ascii: 'SL' }, '04 00', 'ff ff ff ff'),
      'SL',
    );
    // 1.5 as IEEE 754: single 0x3FC00000, double 0x3FF8000000000000.
    sameBytes(datasetOf([{ tag: '00189089', vr: 'FL', value: 1.5 }]), bytes('18 00 89 90', { ascii: 'FL' }, '04 00', '00 00 c0 3f'), 'FL');
    sameBytes(datasetOf([{ tag: '00120052', vr: 'FD', value: 1.5 }]), bytes('12 00 52 00', { ascii: 'FD' }, '08 00', '00 00 00 00 00 00 f8 3f'), 'FD');
    sameBytes(
      datasetOf([{ tag: '00280009', vr: 'AT', value: ['00100020', '7FE00010'] }]),
      bytes('28 00 09 00', { ascii: 'AT' }, '08 00', '10 00 20 00 e0 7f 10 00'),
      'AT: group then element, each little endian',
    );
    sameBytes(
      datasetOf([{ tag: '7FE00010', vr: 'OW', value: [1, 0xabcd] }]),
      bytes('e0 7f 10 00', { ascii: 'OW' }, '00 00', '04 00 00 00', '01 00 cd ab'),
      'OW from numbers',
    );
  });

  it('formats IS and DS numbers as text, DS within 16 characters', () => {
    sameBytes(datasetOf([{ tag: '00200013', vr: 'IS', value: -12 }]), bytes('20 00 13 00', { ascii: 'IS' }, '04 00', { ascii: '-12 ' }), 'IS');
    // 0.1 + 0.2 = 0.30000000000000004 (19 characters) → 0.3; 1/3 → 0.33333333333333 (16).
    sameBytes(
      datasetOf([{ tag: '00280030', vr: 'DS', value: [0.1 + 0.2, 1 / 3] }]),
      bytes('28 00 30 00', { ascii: 'DS' }, '14 00', { ascii: '0.3\\0.33333333333333' }),
      'DS',
    );
  });

  it('uses the 4-byte length form for UT, UR, UC and UN, and sorts nested items too', () => {
    sameBytes(datasetOf([{ tag: '0040A160', vr: 'UT', value: 'abc' }]), bytes('40 00 60 a1', { ascii: 'UT' }, '00 00', '04 00 00 00', { ascii: 'abc ' }), 'UT');
    sameBytes(datasetOf([{ tag: '00081190', vr: 'UR', value: 'http://a/' }]), bytes('08 00 90 11', { ascii: 'UR' }, '00 00', '0a 00 00 00', { ascii: 'http://a/ ' }), 'UR');
    sameBytes(datasetOf([{ tag: '00189219', vr: 'UC', value: 'ab' }]), bytes('18 00 19 92', { ascii: 'UC' }, '00 00', '02 00 00 00', { ascii: 'ab' }), 'UC');
    sameBytes(datasetOf([{ tag: '00091001', vr: 'UN', value: Uint8Array.of(5, 6) }]), bytes('09 00 01 10', { ascii: 'UN' }, '00 00', '02 00 00 00', '05 06'), 'UN');
    sameBytes(
      datasetOf([{ tag: '00081115', vr: 'SQ', value: [[{ tag: '0020000E', vr: 'UI', value: '1.2' }, { tag: '00081150', vr: 'UI', value: '1.4' }]] }]),
      bytes(
        '08 00 15 11', { ascii: 'SQ' }, '00 00 ff ff ff ff', 'fe ff 00 e0 ff ff ff ff',
        '08 00 50 11', { ascii: 'UI' }, '04 00', { ascii: '1.4' }, '00',
        '20 00 0e 00', { ascii: 'UI' }, '04 00', { ascii: '1.2' }, '00',
        'fe ff 0d e0 00 00 00 00', 'fe ff dd e0 00 00 00 00',
      ),
      'item elements in tag order',
    );
  });

  it('encodes text by SpecificCharacterSet: Latin-1 for ISO_IR 100, UTF-8 for ISO_IR 192', () => {
    const latin = encodeDicomFile([
      { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
      { tag: '00080016', vr: 'UI', value: SOP_CLASS },
      { tag: '00080018', vr: 'UI', value: SOP_INSTANCE },
      { tag: '00100010', vr: 'PN', value: 'Müller' },
    ]);
    assert.ok(latin.includes(bytes('10 00 10 00', { ascii: 'PN' }, '06 00', '4d fc 6c 6c 65 72')), 'ü is one byte 0xFC');
    const utf8 = encodeDicomFile([
      { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
      { tag: '00080016', vr: 'UI', value: SOP_CLASS },
      { tag: '00080018', vr: 'UI', value: SOP_INSTANCE },
      { tag: '00100010', vr: 'PN', value: 'Müller' },
    ]);
    assert.ok(utf8.includes(bytes('10 00 10 00', { ascii: 'PN' }, '08 00', '4d c3 bc 6c 6c 65 72 20')), 'ü is two bytes 0xC3 0xBC, then a space pad');
  });
});

describe('encodeDicomFile: refuses what it cannot write faithfully', () => {
  const base: DicomElementInput[] = [
    { tag: '00080016', vr: 'UI', value: SOP_CLASS },
    { tag: '00080018', vr: 'UI', value: SOP_INSTANCE },
  ];
  const refuses = (extra: DicomElementInput[], message: RegExp, options = {}) =>
    assert.throws(() => encodeDicomFile([...base, ...extra], options), message);

  it('gives a clear error for each kind of bad input', () => {
    assert.throws(() => encodeDicomFile([{ tag: '00100020', vr: 'LO', value: 'X' }]), /SOPClassUID \(0008,0016\) and SOPInstanceUID/);
    refuses([{ tag: '0010001', vr: 'LO', value: 'X' }], /invalid tag "0010001"/);
    refuses([{ tag: '00100020', vr: 'LO', value: 'X' }, { tag: '00100020', vr: 'LO', value: 'Y' }], /\(0010,0020\) is given twice/);
    refuses([{ tag: '00020010', vr: 'UI', value: '1.2' }], /file meta group/);
    refuses([{ tag: '00100020', vr: 'XX', value: 'X' }], /unsupported VR "XX"/);
    refuses([{ tag: '00280010', vr: 'US', value: 'sixty-four' }], /\(0028,0010\) US: expected a number/);
    refuses([{ tag: '00280010', vr: 'US', value: 70000 }], /not an integer from 0 to 65535/);
    refuses([{ tag: '00200013', vr: 'IS', value: 1.5 }], /not a 32-bit integer/);
    refuses([{ tag: '00100010', vr: 'PN', value: 'Müller' }], /not ASCII; set SpecificCharacterSet/);
    refuses([{ tag: '00080050', vr: 'SH', value: 'x'.repeat(17) }], /longer than the 16 characters SH allows/);
    refuses([{ tag: '00100020', vr: 'LO', value: [[]] as unknown as string[] }], /expected text/);
    refuses([{ tag: '00102202', vr: 'SQ', value: 'x' }], /list of items/);
    refuses([{ tag: '00081080', vr: 'LO', value: ['a\\b', 'c'] }], /cannot contain "\\"/);
    refuses([{ tag: '00081030', vr: 'LO', value: 'x' }], /transfer syntax 1\.2\.840\.10008\.1\.2\.2/, { transferSyntaxUid: '1.2.840.10008.1.2.2' });
    refuses([{ tag: '00540081', vr: 'US', value: Uint8Array.of(1, 2, 3) }], /not a whole number of 2-byte values/);
    refuses([{ tag: '00081030', vr: 'LT', value: 'x'.repeat(70000) }], /longer than the 10240 characters LT allows/);
    refuses([{ tag: '00080008', vr: 'CS', value: Array.from({ length: 5000 }, () => 'ABCDEFGHIJKLMNOP') }], /85000 bytes is too long for a VR with a 2-byte length/);
  });
});

describe('encodeDicomFile → parseDicomFile', () => {
  it('reads back the indexed attributes, sequences included, in both transfer syntaxes', () => {
    const elements: DicomElementInput[] = [
      { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
      { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
      { tag: '00080018', vr: 'UI', value: '2.25.1' },
      { tag: '00080020', vr: 'DA', value: '20190304' },
      { tag: '00080030', vr: 'TM', value: '101112' },
      { tag: '00080060', vr: 'CS', value: 'CT' },
      { tag: '00100010', vr: 'PN', value: 'Dvořák^Tomáš' },
      { tag: '00100020', vr: 'LO', value: 'P-1' },
      { tag: '00102201', vr: 'LO', value: 'Canis lupus familiaris' },
      { tag: '00102202', vr: 'SQ', value: [[{ tag: '00080100', vr: 'SH', value: '448771007' }, { tag: '00080102', vr: 'SH', value: 'SCT' }]] },
      { tag: '00120052', vr: 'FD', value: 84 },
      { tag: '00181020', vr: 'LO', value: ['28', 'LX'] },
      { tag: '00180050', vr: 'DS', value: 2.5 },
      { tag: '0020000D', vr: 'UI', value: '2.25.2' },
      { tag: '0020000E', vr: 'UI', value: '2.25.3' },
      { tag: '00200011', vr: 'IS', value: 300 },
      { tag: '00200013', vr: 'IS', value: 7 },
      { tag: '00280030', vr: 'DS', value: [0.703125, 0.5] },
      { tag: '7FE00010', vr: 'OW', value: new Uint8Array(8) },
    ];
    for (const [ts, transferSyntaxUid] of [['explicit', '1.2.840.10008.1.2.1'], ['implicit', '1.2.840.10008.1.2']] as const) {
      const p = parseDicomFile(encodeDicomFile(elements, { transferSyntaxUid }));
      assert.equal(p.transferSyntaxUid, transferSyntaxUid, ts);
      assert.equal(p.hasPreamble, true);
      assert.equal(p.patient.patient_name, 'Dvořák^Tomáš', ts);
      assert.equal(p.patient.species_code, '448771007', ts);
      assert.equal(p.patient.species_description, 'Canis lupus familiaris');
      assert.equal(p.study.study_date, '2019-03-04');
      assert.equal(p.study.study_time, '10:11:12');
      assert.equal(p.study.longitudinal_temporal_offset_from_event, 84);
      assert.equal(p.series.software_versions, '28\\LX');
      assert.equal(p.series.slice_thickness, 2.5);
      assert.equal(p.series.pixel_spacing_row, 0.703125);
      assert.equal(p.series.series_number, 300);
      assert.equal(p.image.instance_number, 7);
      assert.equal(p.image.sop_instance_uid, '2.25.1');
      assert.equal(p.series.series_instance_uid, '2.25.3');
    }
  });
});
