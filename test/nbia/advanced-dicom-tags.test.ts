// getDicomTags (unversioned and v4) on both dialects, over files stored through the blob
// store: files made with the project's DICOM writer (explicit and implicit VR, a nested
// sequence, a private block, UTF-8 text) whose expected rows are written out by hand, and
// pydicom's CT_small.dcm whose expected values were read with dcmtk's dcmdump.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eachDialect } from '../fixtures/advanced/app.js';
import { addImageFile } from '../fixtures/advanced/seed.js';
import { encodeDicomFile, IMPLICIT_VR_LITTLE_ENDIAN, type DicomElementInput } from '../../src/dicom/writer.js';
import { readDicomTags, tryDicomTagRows, type DicomTagRow } from '../../src/archive/dicom-tags.js';
import { ApiError } from '../../src/errors.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/advanced');
const CT_SMALL = path.join(FIXTURES, 'CT_small.dcm');
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

function dataset(sopInstanceUid: string, instanceNumber: number, pixelBytes = 32): DicomElementInput[] {
  return [
    { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
    { tag: '00080016', vr: 'UI', value: CT_IMAGE_STORAGE },
    { tag: '00080018', vr: 'UI', value: sopInstanceUid },
    { tag: '00080060', vr: 'CS', value: 'CT' },
    {
      tag: '00081115',
      vr: 'SQ',
      value: [
        [
          { tag: '0020000E', vr: 'UI', value: '1.2.826.0.7.7' },
          {
            tag: '0008114A',
            vr: 'SQ',
            value: [
              [
                { tag: '00081150', vr: 'UI', value: CT_IMAGE_STORAGE },
                { tag: '00081155', vr: 'UI', value: '1.2.826.0.7.7.1' },
              ],
            ],
          },
        ],
      ],
    },
    { tag: '00090010', vr: 'LO', value: 'ACME 1.0' },
    { tag: '00091001', vr: 'LO', value: 'hello' },
    { tag: '00100010', vr: 'PN', value: 'Müller^Jürgen' },
    { tag: '00180050', vr: 'DS', value: '1.25' },
    { tag: '00189087', vr: 'FD', value: 1000.5 },
    { tag: '00200013', vr: 'IS', value: String(instanceNumber) },
    { tag: '00280010', vr: 'US', value: 4 },
    { tag: '00280011', vr: 'US', value: 4 },
    { tag: '00280030', vr: 'DS', value: ['0.7', '0.7'] },
    { tag: '00281052', vr: 'DS', value: '-1024' },
    { tag: '7FE00010', vr: 'OW', value: new Uint8Array(pixelBytes) },
  ];
}

const row = (element: string, name: string, data: string): DicomTagRow => ({ element, name, data });

/**
 * The rows of dataset('1.2.826.0.1.1.1.1', 1) written by hand. File meta group length:
 * (0002,0001) OB, a 12-byte header (long-length VR) + 2 -> 14; (0002,0002) UI 25+1 -> 34;
 * (0002,0003) UI 17+1 -> 26; (0002,0010) UI 19+1 -> 28 (explicit) or 17+1 -> 26 (implicit);
 * (0002,0012) UI 44 -> 52; (0002,0013) SH 15+1 -> 24: 178 bytes explicit, 176 implicit.
 */
function expectedRows(transferSyntax: string, groupLength: number): DicomTagRow[] {
  return [
    row('(0002,0000)', 'File Meta Information Group Length', String(groupLength)),
    row('(0002,0001)', 'File Meta Information Version', '00\\01'),
    row('(0002,0002)', 'Media Storage SOP Class UID', CT_IMAGE_STORAGE),
    row('(0002,0003)', 'Media Storage SOP Instance UID', '1.2.826.0.1.1.1.1'),
    row('(0002,0010)', 'Transfer Syntax UID', transferSyntax),
    row('(0002,0012)', 'Implementation Class UID', '2.25.266285093992391276992197565461452220824'),
    row('(0002,0013)', 'Implementation Version Name', 'NBIA_ARCHIVE_01'),
    row('(0008,0005)', 'Specific Character Set', 'ISO_IR 192'),
    row('(0008,0016)', 'SOP Class UID', CT_IMAGE_STORAGE),
    row('(0008,0018)', 'SOP Instance UID', '1.2.826.0.1.1.1.1'),
    row('(0008,0060)', 'Modality', 'CT'),
    row('(0008,1115)', 'Referenced Series Sequence', '1 item'),
    row('>(0008,114A)', 'Referenced Instance Sequence', '1 item'),
    row('>>(0008,1150)', 'Referenced SOP Class UID', CT_IMAGE_STORAGE),
    row('>>(0008,1155)', 'Referenced SOP Instance UID', '1.2.826.0.7.7.1'),
    row('>(0008,114A)', 'End Referenced Instance Sequence', ''),
    row('>(0020,000E)', 'Series Instance UID', '1.2.826.0.7.7'),
    row('(0008,1115)', 'End Referenced Series Sequence', ''),
    row('(0009,0010)', 'Private Creator', 'ACME 1.0'),
    row('(0009,1001)', 'Private Tag', 'hello'),
    row('(0010,0010)', "Patient's Name", 'Müller^Jürgen'),
    row('(0018,0050)', 'Slice Thickness', '1.25'),
    row('(0018,9087)', 'Diffusion b-value', '1000.5'),
    row('(0020,0013)', 'Instance Number', '1'),
    row('(0028,0010)', 'Rows', '4'),
    row('(0028,0011)', 'Columns', '4'),
    row('(0028,0030)', 'Pixel Spacing', '0.7\\0.7'),
    row('(0028,1052)', 'Rescale Intercept', '-1024'),
    row('(7FE0,0010)', 'Pixel Data', '<pixel data, 32 bytes>'),
  ];
}

/** A blob store that counts the bytes read, to show that getDicomTags stops at Pixel Data. */
class CountingBlobStore implements BlobStore {
  bytesRead = 0;
  constructor(private readonly inner: BlobStore) {}
  putFile(key: string, source: string) {
    return this.inner.putFile(key, source);
  }
  stat(key: string, inPlace: boolean) {
    return this.inner.stat(key, inPlace);
  }
  openRead(key: string, inPlace: boolean, range?: { start: number; end: number }): Readable {
    const stream = this.inner.openRead(key, inPlace, range);
    stream.on('data', (chunk: Buffer) => (this.bytesRead += chunk.length));
    return stream;
  }
}

test('the same data set re-encoded by pydicom (deflated, big endian) lists the same data set rows', () => {
  const dataSetRows = (file: string) => (tryDicomTagRows(fs.readFileSync(path.join(FIXTURES, file)), true) ?? []).filter((r) => !r.element.startsWith('(0002,'));
  const original = dataSetRows('CT_small.dcm');
  assert.ok(original.length > 100);
  for (const file of ['CT_small_deflated.dcm', 'CT_small_big_endian.dcm']) assert.deepEqual(dataSetRows(file), original, file);
  const syntax = (file: string) => tryDicomTagRows(fs.readFileSync(path.join(FIXTURES, file)), true)?.find((r) => r.element === '(0002,0010)')?.data;
  assert.equal(syntax('CT_small_deflated.dcm'), '1.2.840.10008.1.2.1.99');
  assert.equal(syntax('CT_small_big_endian.dcm'), '1.2.840.10008.1.2.2');
});

test('a prefix that stops before Pixel Data asks for more; a file that is not DICOM is an error', () => {
  const whole = encodeDicomFile(dataset('1.2.3.4', 1));
  assert.equal(tryDicomTagRows(whole.subarray(0, 200), false), null);
  assert.ok(tryDicomTagRows(whole, true));
  assert.throws(() => tryDicomTagRows(Buffer.from('this is not a DICOM file at all, just some text'.repeat(10)), true), /not a readable DICOM file/);
});

eachDialect((dialect, a) => {
  before(async () => {
    const { t, seeded } = a;
    const pk = seeded.seriesPks;
    // Instance 2 is stored first: "first image" means the lowest InstanceNumber, not the first stored.
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.1.1.1']!, { sopInstanceUid: '1.2.826.0.1.1.1.2', instanceNumber: 2, bytes: encodeDicomFile(dataset('1.2.826.0.1.1.1.2', 2)) });
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.1.1.1']!, { sopInstanceUid: '1.2.826.0.1.1.1.1', instanceNumber: 1, bytes: encodeDicomFile(dataset('1.2.826.0.1.1.1.1', 1)) });
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.2.1.1']!, {
      sopInstanceUid: '1.2.826.0.1.1.1.1.implicit',
      instanceNumber: 1,
      bytes: encodeDicomFile(dataset('1.2.826.0.1.1.1.1', 1), { transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN }),
    });
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.3.1.1']!, { sopInstanceUid: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', instanceNumber: 1, bytes: fs.readFileSync(CT_SMALL) });
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.9.1.1']!, { sopInstanceUid: '1.2.826.0.9.1.1.1', instanceNumber: 1, bytes: encodeDicomFile(dataset('1.2.826.0.9.1.1.1', 1)) });
    // 3 MiB of pixel data: more than the first read.
    await addImageFile(t.store.db, t.blobs, pk['1.2.826.0.4.1.1']!, { sopInstanceUid: '1.2.826.0.4.1.1.1', instanceNumber: 1, bytes: encodeDicomFile(dataset('1.2.826.0.4.1.1.1', 1, 3 << 20)) });
    // An image row whose file is gone.
    await a.t.store.db
      .insertInto('image')
      .values({ series_pk: pk['1.2.826.0.1.2.1']!, sop_instance_uid: '1.2.826.0.1.2.1.1', instance_number: 1, file_size: 10, md5: '0'.repeat(32), crc32: 0, blob_key: 'test/gone.dcm', in_place: 0, ingested_at: '2024-01-01 00:00:00.000' })
      .execute();
  });

  test(`${dialect}: rows of the first image, sequences nested with ">" and "End" rows, in both families`, async () => {
    for (const [url, headers] of [['getDicomTags?SeriesUID=1.2.826.0.1.1.1', a.guest], ['v4/getDicomTags?SeriesUID=1.2.826.0.1.1.1', {}]] as const) {
      const res = await a.get(url, headers);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), expectedRows('1.2.840.10008.1.2.1', 178), url);
    }
    // tcia_utils' getSegRefSeries: the row ">(0008,114A)" followed by ">(0020,000E)" is unique and carries the referenced series.
    const rows = (await a.get('getDicomTags?SeriesUID=1.2.826.0.1.1.1')).json() as DicomTagRow[];
    const hits = rows.flatMap((r, i) => (r.element === '>(0008,114A)' && rows[i + 1]?.element === '>(0020,000E)' ? [rows[i + 1]!.data] : []));
    assert.deepEqual(hits, ['1.2.826.0.7.7']);
  });

  test(`${dialect}: an Implicit VR file gives the same rows (VRs from the dictionary)`, async () => {
    const res = await a.get('getDicomTags?SeriesUID=1.2.826.0.2.1.1');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), expectedRows('1.2.840.10008.1.2', 176));
  });

  test(`${dialect}: a real CT file (pydicom's CT_small.dcm) reads as dcmdump reads it`, async () => {
    const rows = (await a.get('v4/getDicomTags?SeriesUID=1.2.826.0.3.1.1', {})).json() as DicomTagRow[];
    const find = (element: string) => rows.filter((r) => r.element === element);
    assert.deepEqual(find('(0008,0060)'), [row('(0008,0060)', 'Modality', 'CT')]);
    assert.deepEqual(find('(0008,0070)'), [row('(0008,0070)', 'Manufacturer', 'GE MEDICAL SYSTEMS')]);
    assert.deepEqual(find('(0010,0010)'), [row('(0010,0010)', "Patient's Name", 'CompressedSamples^CT1')]);
    assert.deepEqual(find('(0008,0008)'), [row('(0008,0008)', 'Image Type', 'ORIGINAL\\PRIMARY\\AXIAL')]);
    assert.deepEqual(find('(0020,0032)'), [row('(0020,0032)', 'Image Position (Patient)', '-158.135803\\-179.035797\\-75.699997')]);
    assert.deepEqual(find('(0002,0000)'), [row('(0002,0000)', 'File Meta Information Group Length', '192')]);
    assert.deepEqual(find('(0002,0010)'), [row('(0002,0010)', 'Transfer Syntax UID', '1.2.840.10008.1.2.1')]);
    // Private: an SL and two FLs (float32, 9 significant digits, as dcmdump prints them).
    assert.deepEqual(find('(0009,1027)'), [row('(0009,1027)', 'Private Tag', '862399669')]);
    assert.deepEqual(find('(0027,1042)'), [row('(0027,1042)', 'Private Tag', '-11.1999998')]);
    assert.deepEqual(find('(0027,1043)'), [row('(0027,1043)', 'Private Tag', '9.69999981')]);
    assert.deepEqual(find('(0043,1028)'), [row('(0043,1028)', 'Private Tag', '<binary data, 80 bytes>')]);
    assert.deepEqual(find('(7FE0,0010)'), [row('(7FE0,0010)', 'Pixel Data', '<pixel data, 32768 bytes>')]);
    const sequence = rows.findIndex((r) => r.element === '(0010,1002)');
    assert.deepEqual(rows.slice(sequence, sequence + 6), [
      row('(0010,1002)', 'Other Patient IDs Sequence', '2 items'),
      row('>(0010,0020)', 'Patient ID', 'ABCD1234'),
      row('>(0010,0022)', 'Type of Patient ID', 'TEXT'),
      row('>(0010,0020)', 'Patient ID', '1234ABCD'),
      row('>(0010,0022)', 'Type of Patient ID', 'TEXT'),
      row('(0010,1002)', 'End Other Patient IDs Sequence', ''),
    ]);
    assert.equal(rows.at(-1)?.element, '(7FE0,0010)', 'parsing stops at Pixel Data: the trailing padding is not listed');
    assert.ok(!rows.some((r) => r.data.length > 5000), 'no value is dumped whole');
  });

  test(`${dialect}: a large file is read only up to its Pixel Data`, async () => {
    const counting = new CountingBlobStore(a.t.blobs);
    const file = await a.t.store.db.selectFrom('image').select(['blob_key', 'file_size']).where('sop_instance_uid', '=', '1.2.826.0.4.1.1.1').executeTakeFirstOrThrow();
    const rows = await readDicomTags(counting, { sopInstanceUid: '1.2.826.0.4.1.1.1', blobKey: file.blob_key, inPlace: false });
    assert.deepEqual(rows.at(-1), row('(7FE0,0010)', 'Pixel Data', `<pixel data, ${3 << 20} bytes>`));
    assert.ok(Number(file.file_size) > 3 << 20);
    assert.ok(counting.bytesRead <= 1 << 20, `read ${counting.bytesRead} bytes of a ${file.file_size}-byte file`);
    assert.deepEqual((await a.get('getDicomTags?SeriesUID=1.2.826.0.4.1.1')).json(), rows);
  });

  test(`${dialect}: unknown and restricted series answer [], a missing SeriesUID is a 400`, async () => {
    for (const uid of ['1.2.826.0.9.1.1', '9.9.9', '']) {
      const res = await a.get(`getDicomTags?SeriesUID=${uid}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '[]', uid);
      assert.equal((await a.get(`v4/getDicomTags?SeriesUID=${uid}`, {})).body, '[]', uid);
    }
    // A series with no image rows at all.
    assert.equal((await a.get('getDicomTags?SeriesUID=1.2.826.0.1.1.2')).body, '[]');
    const missing = await a.get('getDicomTags?SeriesInstanceUID=1.2.826.0.1.1.1');
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json(), { error: 'invalid_request', error_description: 'SeriesUID is required' });
    // Whoever is granted the restricted collection gets its rows.
    const alice = await a.grantedUser();
    const granted = (await a.get('getDicomTags?SeriesUID=1.2.826.0.9.1.1', alice)).json() as DicomTagRow[];
    assert.equal(granted.find((r) => r.element === '(0008,0018)')?.data, '1.2.826.0.9.1.1.1');
  });

  test(`${dialect}: a stored file that has gone missing or is not DICOM is reported as the server's fault, naming the image`, async () => {
    const res = await a.get('getDicomTags?SeriesUID=1.2.826.0.1.2.1');
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error, 'server_error');
    assert.match(res.json().error_description, /1\.2\.826\.0\.1\.2\.1\.1.*missing/);
    const junk = path.join(a.t.dataDir, 'junk.bin');
    fs.writeFileSync(junk, Buffer.alloc(4000, 0x41));
    await a.t.blobs.putFile('test/junk.dcm', junk);
    await assert.rejects(readDicomTags(a.t.blobs, { sopInstanceUid: '1.2.3.junk', blobKey: 'test/junk.dcm', inPlace: false }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'server_error');
      assert.match(err.message, /1\.2\.3\.junk cannot be read as DICOM/);
      return true;
    });
  });
});
