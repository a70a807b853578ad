// The header parser on hand-built files: value rules per kind, character sets, encodings
// and the reasons it gives for files it refuses. Expected values are written out by hand
// from PS3.5; the fixture corpus is compared with dcmtk in reference.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { DicomParseError, parseDicomFile } from '../../src/dicom/parse.js';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, encodeElements, explicitFile, part10, sorted, UIDS, type TestElement } from './build-dicom.js';

function rejects(bytes: Uint8Array, reason: DicomParseError['reason'], message?: RegExp): void {
  assert.throws(
    () => parseDicomFile(bytes),
    (e: unknown) => {
      assert.ok(e instanceof DicomParseError, `expected DicomParseError, got ${String(e)}`);
      assert.equal(e.reason, reason, e.message);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('values by kind', () => {
  it('text: trailing spaces and NULs go, leading spaces of LO/SH/CS go, values join with a backslash', () => {
    const p = parseDicomFile(
      explicitFile([
        { tag: '00100020', vr: 'LO', value: '  ID 7 \0' },
        { tag: '00181020', vr: 'LO', value: 'V1.0 \\ V2.3 ' },
        { tag: '00080060', vr: 'CS', value: 'CT' },
        { tag: '00081030', vr: 'LO', value: '    ' },
        { tag: '00081080', vr: 'LO', value: '\\' },
        { tag: '00081090', vr: 'LO', value: 'A\\\\B' },
        { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2\0' },
      ]),
    );
    assert.equal(p.patient.patient_id, 'ID 7');
    assert.equal(p.series.software_versions, 'V1.0\\V2.3');
    assert.equal(p.series.modality, 'CT');
    assert.equal(p.study.study_description, null, 'only padding is empty');
    assert.equal(p.study.admitting_diagnoses_description, null, 'two empty values are empty');
    assert.equal(p.series.manufacturer_model_name, 'A\\\\B', 'an empty value between two others is kept');
    assert.equal(p.image.sop_class_uid, '1.2.840.10008.5.1.4.1.1.2');
    assert.equal(p.image.sop_instance_uid, '1.2.3.4.5', 'UI padded with NUL');
  });

  it('person: as stored, trailing padding trimmed; delimiters alone are empty', () => {
    const name = (value: string): string | null =>
      parseDicomFile(explicitFile([{ tag: '00100010', vr: 'PN', value }])).patient.patient_name;
    assert.equal(name('Doe^John^^Dr.^  '), 'Doe^John^^Dr.^');
    assert.equal(name('Yamada^Tarou=^= '), 'Yamada^Tarou=^=', 'empty component groups are kept as stored');
    assert.equal(name('^^^^'), null);
    assert.equal(name('Doe^Jane\\Roe^Richard '), 'Doe^Jane\\Roe^Richard');
  });

  it('date: YYYYMMDD → YYYY-MM-DD; impossible, partial or range dates are null', () => {
    const date = (value: string): string | null => parseDicomFile(explicitFile([{ tag: '00080020', vr: 'DA', value }])).study.study_date;
    assert.equal(date('20240229'), '2024-02-29');
    assert.equal(date('20230229'), null);
    assert.equal(date('21000229'), null, '2100 is not a leap year');
    assert.equal(date('20000229'), '2000-02-29');
    assert.equal(date('20231345'), null);
    assert.equal(date('20230431'), null);
    assert.equal(date('20230100'), null);
    assert.equal(date('2023-01-05'), null, 'not a DA format');
    assert.equal(date('1999.12.31'), '1999-12-31', 'ACR-NEMA form');
    assert.equal(date('202301'), null);
    assert.equal(date('20200101-20201231'), null, 'a range is a query, not a date');
    assert.equal(date(''), null);
    assert.equal(date(' 20240105 '), '2024-01-05');
  });

  it('time: HHMMSS.frac → HH:MM:SS.frac, partial times kept, invalid ones null', () => {
    const time = (value: string): string | null => parseDicomFile(explicitFile([{ tag: '00080030', vr: 'TM', value }])).study.study_time;
    assert.equal(time('070907.0705 '), '07:09:07.0705');
    assert.equal(time('1230'), '12:30');
    assert.equal(time('09'), '09');
    assert.equal(time('235960'), '23:59:60', 'leap second');
    assert.equal(time('240000'), null);
    assert.equal(time('126000'), null);
    assert.equal(time('12:30:15'), '12:30:15', 'ACR-NEMA form');
    assert.equal(time('1230.5'), null, 'a fraction needs seconds');
    assert.equal(time('abc'), null);
  });

  it('int (IS) and float (DS first value, FD)', () => {
    const p = parseDicomFile(
      explicitFile([
        { tag: '00200011', vr: 'IS', value: ' +5 ' },
        { tag: '00200013', vr: 'IS', value: '3\\4' },
        { tag: '00200012', vr: 'IS', value: '1.5' },
        { tag: '00280030', vr: 'DS', value: '0.5\\0.7 ' },
        { tag: '00180050', vr: 'DS', value: '1e-3' },
        { tag: '00120052', vr: 'FD', value: Buffer.from(new Float64Array([-2.25]).buffer) },
      ]),
    );
    assert.equal(p.series.series_number, 5);
    assert.equal(p.image.instance_number, 3);
    assert.equal(p.image.acquisition_number, null, 'IS must be an integer');
    assert.equal(p.series.pixel_spacing_row, 0.5, 'PixelSpacing is row\\column; the row spacing comes first');
    assert.equal(p.series.slice_thickness, 0.001);
    assert.equal(p.study.longitudinal_temporal_offset_from_event, -2.25);
    const bad = parseDicomFile(explicitFile([{ tag: '00180050', vr: 'DS', value: 'abc ' }, { tag: '00200013', vr: 'IS', value: '99999999999' }]));
    assert.equal(bad.series.slice_thickness, null);
    assert.equal(bad.image.instance_number, null, 'beyond the IS range');
  });

  it('an element with VR UN is read with the dictionary VR', () => {
    const fd = Buffer.alloc(8);
    fd.writeDoubleLE(7.5);
    const p = parseDicomFile(explicitFile([{ tag: '00120052', vr: 'UN', value: fd }, { tag: '00080060', vr: 'UN', value: 'MR' }]));
    assert.equal(p.study.longitudinal_temporal_offset_from_event, 7.5);
    assert.equal(p.series.modality, 'MR');
  });

  it('species code: CodeValue of the first item, with defined or undefined lengths; empty sequence → null', () => {
    const species = (undefinedLength: boolean, items: TestElement[][]): string | null =>
      parseDicomFile(explicitFile([{ tag: '00102202', vr: 'SQ', undefinedLength, value: items }])).patient.species_code;
    const mouse = [{ tag: '00080100', vr: 'SH', value: '447612001' }, { tag: '00080102', vr: 'SH', value: 'SCT' }];
    const dog = [{ tag: '00080100', vr: 'SH', value: '448771007' }];
    assert.equal(species(false, [mouse, dog]), '447612001');
    assert.equal(species(true, [mouse, dog]), '447612001');
    assert.equal(species(false, []), null);
    assert.equal(species(true, [[]]), null);
  });
});

describe('character sets', () => {
  const described = (charset: string | undefined, bytes: Uint8Array, vr = 'LO'): string | null => {
    const elements: TestElement[] = [{ tag: '00081030', vr, value: bytes }];
    if (charset !== undefined) elements.push({ tag: '00080005', vr: 'CS', value: charset });
    return parseDicomFile(explicitFile(elements)).study.study_description;
  };
  const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

  it('decodes single-byte sets and UTF-8', () => {
    assert.equal(described('ISO_IR 100', latin1('Jérôme')), 'Jérôme');
    assert.equal(described('ISO_IR 192', Buffer.from('Ünïcödé 漢字', 'utf8')), 'Ünïcödé 漢字');
    assert.equal(described('ISO_IR 144', Uint8Array.from([0xbb, 0xee, 0xda])), 'Люк');
  });

  it('accepts common misspellings of the defined terms', () => {
    assert.equal(described('ISO_IR_100', latin1('Jérôme')), 'Jérôme');
    assert.equal(described('ISO-IR 100', latin1('Jérôme')), 'Jérôme');
    assert.equal(described('UTF-8', Buffer.from('Jérôme', 'utf8')), 'Jérôme');
  });

  it('without (0008,0005), or with an unknown term, 8-bit text is read as UTF-8 if valid, else Latin-1', () => {
    assert.equal(described(undefined, Buffer.from('Jérôme', 'utf8')), 'Jérôme');
    assert.equal(described(undefined, latin1('Jérôme')), 'Jérôme');
    assert.equal(described('NO SUCH SET', latin1('Jérôme')), 'Jérôme');
  });

  it('splits values after decoding, so a multi-byte character holding 0x5C stays whole', () => {
    // GB18030 0x81 0x5C is U+4E57; splitting bytes at the backslash would break it.
    assert.equal(described('GB18030', Uint8Array.from([0x81, 0x5c, 0x5c, 0x41])), '\u4e57\\A');
  });

  it('an item with its own (0008,0005) is decoded with it', () => {
    const p = parseDicomFile(
      explicitFile([
        { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
        {
          tag: '00102202',
          vr: 'SQ',
          value: [[{ tag: '00080005', vr: 'CS', value: 'ISO_IR 100' }, { tag: '00080100', vr: 'SH', value: latin1('Chien-é') }]],
        },
      ]),
    );
    assert.equal(p.patient.species_code, 'Chien-é');
  });
});

describe('encodings and file layouts', () => {
  const elements = sorted([...UIDS, { tag: '00100010', vr: 'PN', value: 'Doe^John' }, { tag: '00120052', vr: 'FD', value: Buffer.alloc(8) }]);

  it('reads explicit LE, implicit LE and explicit BE, with and without preamble and meta header', () => {
    const fd = (le: boolean): Buffer => {
      const b = Buffer.alloc(8);
      if (le) b.writeDoubleLE(3.5);
      else b.writeDoubleBE(3.5);
      return b;
    };
    const els = (le: boolean): TestElement[] => elements.map((e) => (e.tag === '00120052' ? { ...e, value: fd(le) } : e));
    const cases: [string, Buffer, string, boolean][] = [
      ['explicit LE', part10(els(true), '1.2.840.10008.1.2.1', EXPLICIT_LE), '1.2.840.10008.1.2.1', true],
      ['implicit LE', part10(els(true), '1.2.840.10008.1.2', IMPLICIT_LE), '1.2.840.10008.1.2', true],
      ['explicit BE', part10(els(false), '1.2.840.10008.1.2.2', EXPLICIT_BE), '1.2.840.10008.1.2.2', true],
      ['meta without preamble', part10(els(true), '1.2.840.10008.1.2', IMPLICIT_LE, { preamble: false }), '1.2.840.10008.1.2', false],
      ['bare implicit LE', encodeElements(els(true), IMPLICIT_LE), '1.2.840.10008.1.2', false],
      ['bare explicit LE', encodeElements(els(true), EXPLICIT_LE), '1.2.840.10008.1.2.1', false],
      ['bare explicit BE', encodeElements(els(false), EXPLICIT_BE), '1.2.840.10008.1.2.2', false],
    ];
    for (const [label, bytes, syntax, preamble] of cases) {
      const p = parseDicomFile(bytes);
      assert.equal(p.patient.patient_name, 'Doe^John', label);
      assert.equal(p.study.longitudinal_temporal_offset_from_event, 3.5, label);
      assert.equal(p.transferSyntaxUid, syntax, label);
      assert.equal(p.hasPreamble, preamble, label);
    }
  });

  it('reads a deflated data set, and accepts a plain Uint8Array as well as a Buffer', () => {
    const file = part10([], '1.2.840.10008.1.2.1.99', EXPLICIT_LE);
    const bytes = Buffer.concat([file, deflateRawSync(encodeElements(elements, EXPLICIT_LE))]);
    assert.equal(parseDicomFile(bytes).patient.patient_name, 'Doe^John');
    assert.equal(parseDicomFile(new Uint8Array(bytes)).patient.patient_name, 'Doe^John');
    const shared = new Uint8Array(bytes.length + 11);
    shared.set(bytes, 7);
    assert.equal(parseDicomFile(shared.subarray(7, 7 + bytes.length)).patient.patient_name, 'Doe^John', 'a view at an offset');
    const plain = encodeElements(elements, IMPLICIT_LE);
    const plainShared = new Uint8Array(plain.length + 5);
    plainShared.set(plain, 3);
    assert.equal(parseDicomFile(plainShared.subarray(3, 3 + plain.length)).patient.patient_name, 'Doe^John', 'a bare data set at an offset');
    rejects(Buffer.concat([file, Buffer.from('this is not a deflate stream at all')]), 'not_dicom', /deflated/);
  });

  it('follows the bytes when the meta header names the wrong encoding', () => {
    const p = parseDicomFile(part10(elements, '1.2.840.10008.1.2.1', IMPLICIT_LE));
    assert.equal(p.patient.patient_name, 'Doe^John');
    assert.equal(p.transferSyntaxUid, '1.2.840.10008.1.2.1', 'the declared UID is reported');
  });

  it('refuses a private transfer syntax', () => {
    rejects(part10(elements, '1.2.840.113619.5.2', IMPLICIT_LE), 'unsupported', /1\.2\.840\.113619\.5\.2/);
  });

  it('stops before pixel data and checks that encapsulated fragments are complete', () => {
    const item = (bytes: number[]): Buffer => Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), Buffer.from(new Uint32Array([bytes.length]).buffer), Buffer.from(bytes)]);
    const pixelHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const head = part10(elements, '1.2.840.10008.1.2.4.50', EXPLICIT_LE);
    const complete = Buffer.concat([head, pixelHeader, item([]), item([1, 2, 3, 4, 5, 6]), delimiter]);
    assert.equal(parseDicomFile(complete).patient.patient_name, 'Doe^John');
    rejects(complete.subarray(0, complete.length - 11), 'truncated', /Pixel Data/);
    rejects(complete.subarray(0, complete.length - 4), 'truncated');
    const native = Buffer.concat([part10(elements, '1.2.840.10008.1.2.1', EXPLICIT_LE), Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0]), Buffer.from(new Uint32Array([64]).buffer)]);
    rejects(Buffer.concat([native, Buffer.alloc(63)]), 'truncated', /declares 64 bytes but only 63 remain/);
    assert.equal(parseDicomFile(Buffer.concat([native, Buffer.alloc(64)])).patient.patient_name, 'Doe^John');
  });
});

describe('refusals', () => {
  it('not_dicom for bytes that are not DICOM', () => {
    rejects(new Uint8Array(0), 'not_dicom');
    rejects(Buffer.from('Hello, this is a plain text file.\nIt has two lines.\n'), 'not_dicom', /not a DICOM file/);
    rejects(Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f9c1f60000000049454e44ae426082', 'hex'), 'not_dicom');
    rejects(Buffer.alloc(131), 'not_dicom');
    rejects(Buffer.alloc(4096), 'not_dicom');
    rejects(Buffer.from('%PDF-1.4\n' + 'x'.repeat(300)), 'not_dicom');
  });

  it('truncated for a file cut inside its preamble, meta header or data set', () => {
    const file = explicitFile([{ tag: '00100010', vr: 'PN', value: 'Doe^John' }]);
    rejects(file.subarray(0, 132), 'truncated', /DICM/);
    rejects(file.subarray(0, 140), 'truncated', /Meta Information/);
    rejects(file.subarray(0, file.length - 3), 'truncated');
  });

  it('missing_uid names each missing UID, and an empty UID counts as missing', () => {
    rejects(part10([{ tag: '00100010', vr: 'PN', value: 'Doe^John' }], '1.2.840.10008.1.2.1', EXPLICIT_LE), 'missing_uid', /StudyInstanceUID.*SeriesInstanceUID.*SOPInstanceUID/);
    const noSop = UIDS.map((e) => (e.tag === '00080018' ? { ...e, value: '' } : e));
    rejects(part10(noSop, '1.2.840.10008.1.2.1', EXPLICIT_LE), 'missing_uid', /no SOPInstanceUID \(0008,0018\);/);
  });
});
