// The real ingest against dcmtk, on both dialects: `ingest` runs over the committed reference
// corpus (test/fixtures/dicom: pydicom's odd real-world files and series made with dcmtk),
// then the index is read back — image, series, study and patient rows joined — and every
// attribute of ATTRIBUTES of every stored file is compared with what dcmtk read from the
// same bytes (test/dicom/dcmtk-reference.ts). What ingest should do with each file (store
// it, or skip it and why) is worked out here from dcmtk's reading and ingest's documented
// rules, not from our parser:
// - dcmtk cannot read it → skipped with the reason test/dicom/reference.test.ts maps;
// - no Study, Series or SOP Instance UID → 'missing_uid'; no PatientID or Modality →
//   'missing_attribute';
// - a SOPInstanceUID already met in walk order (name order: src/ingest/walk.ts) → the first
//   file is stored; the others are 'sop_conflict' (different bytes) or already present (same);
// - a series or study met under another study or patient → 'hierarchy_conflict'.
// A patient, study or series row is shared by its files: the first creates it, later ones
// only fill empty columns, so one run cannot show what ingest made of a later file's
// patient, study or series values. Hence two parts:
// 1. One run over the whole corpus, as an operator would do it: the skips, the conflicts and
//    each stored file's rows, compared exactly where the files sharing a row agree (by
//    dcmtk) and by the first-file-wins rule where they do not.
// 2. Every file dcmtk can read with an identity (the refused MR_small variants too) ingested
//    in rounds, each round into a fresh store, so that no two files of a round share a
//    patient, study, series or SOP instance: every attribute of every file is then compared
//    exactly with dcmtk's reading of that file.
// File size, MD5 and CRC-32 are computed here from the fixture bytes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';
import { ATTRIBUTES, type Attribute, type Level } from '../../src/dicom/attributes.js';
import type { IngestSummary } from '../../src/ingest/index.js';
import { ingestInto } from './helpers.js';
import {
  expectedRejection,
  FILES_DIR,
  loadReference,
  personOf,
  referenceValue,
  sameValue,
  textOf,
  type RefDataSet,
  type Value,
} from '../dicom/dcmtk-reference.js';

type Row = Record<string, unknown>;

const attribute = (keyword: string): Attribute => ATTRIBUTES.find((a) => a.keyword === keyword)!;

// --- what ingest should do with each file, from dcmtk's reading ---------------------------------

interface Fixture {
  file: string;
  bytes: Buffer;
  md5: string;
  crc32: number;
  /** dcmtk's reading, or null when dcmtk refused the file. */
  dataSet: RefDataSet | null;
  /** The skip reason ingest must report, or null when the file is stored or already present. */
  skip: string | null;
  /** For a file that is not stored because of an earlier one: that file. */
  firstOfSop?: Fixture;
}

/** Every file of the corpus in ingest's walk order: one flat folder, names in code-unit order. */
const WALK_ORDER = fs.readdirSync(FILES_DIR).sort();

function classify(): Fixture[] {
  const fixtures: Fixture[] = [];
  const firstBySop = new Map<string, Fixture>();
  const seriesClaims = new Map<string, string>(); // series UID → `study UID / patient ID`
  const studyClaims = new Map<string, string>(); // study UID → patient ID
  for (const file of WALK_ORDER) {
    const bytes = fs.readFileSync(path.join(FILES_DIR, file));
    const reference = loadReference(file.replace(/\.dcm$/, ''));
    const fixture: Fixture = {
      file,
      bytes,
      md5: createHash('md5').update(bytes).digest('hex'),
      crc32: crc32(bytes) >>> 0,
      dataSet: reference.kind === 'dataset' ? reference.dataSet : null,
      skip: null,
    };
    fixtures.push(fixture);
    if (reference.kind === 'error') {
      const reason = expectedRejection(file, reference.message);
      assert.ok(reason, `no reason mapped for dcmtk's error on ${file}`);
      fixture.skip = reason;
      continue;
    }
    const value = (keyword: string) => referenceValue(attribute(keyword), reference.dataSet);
    const [study, series, sop] = [value('StudyInstanceUID'), value('SeriesInstanceUID'), value('SOPInstanceUID')] as (string | null)[];
    const patient = value('PatientID') as string | null;
    if (!study || !series || !sop) fixture.skip = 'missing_uid';
    else if (!patient || !value('Modality')) fixture.skip = 'missing_attribute';
    else if (firstBySop.has(sop)) {
      fixture.firstOfSop = firstBySop.get(sop)!;
      fixture.skip = fixture.firstOfSop.md5 === fixture.md5 ? null : 'sop_conflict';
    } else {
      // Ingest settles duplicates within the batch before it checks the hierarchy.
      firstBySop.set(sop, fixture);
      const place = `${study} / ${patient}`;
      if ((seriesClaims.get(series) ?? place) !== place || (studyClaims.get(study) ?? patient) !== patient) {
        fixture.skip = 'hierarchy_conflict';
      } else {
        seriesClaims.set(series, place);
        studyClaims.set(study, patient);
      }
    }
  }
  return fixtures;
}

const FIXTURES = classify();
/** The files whose bytes the index must hold: read by dcmtk, complete, and first of their SOP. */
const STORED = FIXTURES.filter((f) => f.skip === null && f.firstOfSop === undefined);

/** Files with a full identity that dcmtk reads: stored in one run, or refused only as a duplicate. */
const IDENTIFIED = FIXTURES.filter((f) => f.skip === null || f.skip === 'sop_conflict' || f.skip === 'hierarchy_conflict');

/** Rounds of files sharing no patient, study, series or SOP instance (each file in the first round it fits). */
function alone(files: readonly Fixture[]): Fixture[][] {
  const rounds: { files: Fixture[]; keys: Set<string> }[] = [];
  for (const f of files) {
    const keys = (['patient', 'study', 'series', 'image'] as const).map((level) => `${level} ${entityKey(level, f.dataSet!)}`);
    let round = rounds.find((r) => keys.every((k) => !r.keys.has(k)));
    if (!round) rounds.push((round = { files: [], keys: new Set() }));
    round.files.push(f);
    for (const k of keys) round.keys.add(k);
  }
  return rounds.map((r) => r.files);
}
const ROUNDS = alone(IDENTIFIED);

// --- the comparison ------------------------------------------------------------------------------

/** The key of the row a file lands in at each level (patients are per collection, one here). */
function entityKey(level: Level, dataSet: RefDataSet): string {
  const keyword = { patient: 'PatientID', study: 'StudyInstanceUID', series: 'SeriesInstanceUID', image: 'SOPInstanceUID' }[level];
  return String(referenceValue(attribute(keyword), dataSet));
}

/** Stored files grouped by the row they share at each level, in walk order. */
function groupsAt(level: Level): Map<string, Fixture[]> {
  const groups = new Map<string, Fixture[]>();
  for (const f of STORED) {
    const key = entityKey(level, f.dataSet!);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return groups;
}

/**
 * What a file's joined row must hold for `a`. Image values are the file's own. A patient,
 * study or series row is shared by every stored file of it: the first file in walk order
 * creates the row and later files only fill columns still empty. So where all the files of
 * the entity agree (by dcmtk), the row must hold that value exactly ('exact'); where they
 * disagree, the row must hold the value of the first file that has one ('merged'), and
 * that comparison is counted apart, since it checks the merge rule more than the reading.
 */
function expectation(a: Attribute, f: Fixture, groups: Record<Level, Map<string, Fixture[]>>): { value: Value; how: 'exact' | 'merged' } {
  const own = referenceValue(a, f.dataSet!);
  if (a.level === 'image') return { value: own, how: 'exact' };
  const values = groups[a.level].get(entityKey(a.level, f.dataSet!))!.map((g) => referenceValue(a, g.dataSet!));
  if (values.every((v) => sameValue(v, own))) return { value: own, how: 'exact' };
  return { value: values.find((v) => v !== null) ?? null, how: 'merged' };
}

/** PN as stored vs dcm2json: trailing empty component groups are insignificant (see dcmtk-reference.ts). */
function storedValue(a: Attribute, row: Row): Value {
  const v = row[a.column];
  if (v === null || v === undefined) return null;
  if (a.kind === 'person') return String(v).split('\\').map(personOf).join('\\');
  return a.kind === 'int' || a.kind === 'float' ? Number(v) : String(v);
}

const totals = { exact: 0, exactValued: 0, merged: 0, image: 0, syntax: 0, alone: 0, aloneValued: 0, rounds: 0 };

type Joined = Map<string, Record<Level, Row>>;

/** Per SOPInstanceUID: the image row with its series, study and patient rows. */
async function readJoined(t: TestStore): Promise<Joined> {
  const db = t.store.db;
  const byId = async (table: 'series' | 'study' | 'patient') =>
    new Map((await db.selectFrom(table).selectAll().execute()).map((r) => [Number(r.id), r as unknown as Row]));
  const [series, studies, patients] = [await byId('series'), await byId('study'), await byId('patient')];
  const joined: Joined = new Map();
  for (const image of await db.selectFrom('image').selectAll().execute()) {
    const s = series.get(Number(image.series_pk))!;
    const study = studies.get(Number(s.study_pk))!;
    assert.equal(Number(study.patient_pk), Number(s.patient_pk), `series ${String(s.series_instance_uid)}: study and series name one patient`);
    joined.set(image.sop_instance_uid, { image: image as unknown as Row, series: s, study, patient: patients.get(Number(s.patient_pk))! });
  }
  return joined;
}

/** Size, MD5, CRC-32, transfer syntax and the stored copy of one file's image row. */
function checkImage(t: TestStore, f: Fixture, image: Row): void {
  assert.equal(Number(image.file_size), f.bytes.length, `${f.file} size`);
  assert.equal(image.md5, f.md5, `${f.file} MD5`);
  assert.equal(Number(image.crc32), f.crc32, `${f.file} CRC-32`);
  const stored = fs.readFileSync(path.join(t.dataDir, 'files', String(image.blob_key)));
  assert.equal(createHash('md5').update(stored).digest('hex'), f.md5, `${f.file}: the stored copy`);
  const syntax = f.dataSet!.get('00020010')?.values[0];
  if (syntax != null) {
    assert.equal(image.transfer_syntax_uid, textOf(syntax, 'UI'), `${f.file} transfer syntax`);
    totals.syntax++;
  }
  totals.image++;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: ingest of the dcmtk reference corpus`, () => {
    let t: TestStore;
    let summary: IngestSummary;
    let joined: Joined;

    before(async () => {
      t = await createTestStore(dialect);
      // Two workers, so files come back out of walk order and "first wins" is really tested.
      summary = await ingestInto(t, [FILES_DIR], { collection: 'Reference', workers: 2 });
      joined = await readJoined(t);
    });
    after(() => t?.dispose());

    it('stores exactly the files dcmtk reads whole and that carry an identity, the first of each SOPInstanceUID', () => {
      assert.equal(summary.filesSeen, WALK_ORDER.length);
      assert.equal(summary.filesAdded, STORED.length);
      assert.equal(summary.filesAlreadyPresent, FIXTURES.filter((f) => f.skip === null && f.firstOfSop !== undefined).length);
      assert.deepEqual(
        [...joined.keys()].sort(),
        STORED.map((f) => String(entityKey('image', f.dataSet!))).sort(),
        'one image row per stored file',
      );
      assert.equal(summary.bytesAdded, STORED.reduce((n, f) => n + f.bytes.length, 0));
    });

    it('skips every other file with the reason dcmtk\'s reading implies', () => {
      const expected = FIXTURES.filter((f) => f.skip !== null).map((f) => `${f.file}: ${f.skip}`);
      const actual = summary.skipped.map((s) => `${path.relative(FILES_DIR, s.path)}: ${s.reason}`).sort();
      assert.deepEqual(actual, expected.sort());
      for (const s of summary.skipped) assert.ok(s.message.length > 10, `${s.path}: a readable message`);
      // A refused duplicate names the file that was stored under its SOPInstanceUID.
      for (const f of FIXTURES.filter((x) => x.skip === 'sop_conflict')) {
        const s = summary.skipped.find((x) => path.basename(x.path) === f.file)!;
        assert.ok(s.message.includes(f.firstOfSop!.file) && s.message.includes(f.md5), `${f.file}: ${s.message}`);
      }
    });

    it('holds for each stored file every indexed attribute as dcmtk reads it', () => {
      const groups = { patient: groupsAt('patient'), study: groupsAt('study'), series: groupsAt('series'), image: groupsAt('image') };
      const differences: string[] = [];
      for (const f of STORED) {
        const row = joined.get(String(entityKey('image', f.dataSet!)))!;
        for (const a of ATTRIBUTES) {
          const { value, how } = expectation(a, f, groups);
          const actual = storedValue(a, row[a.level]);
          totals[how]++;
          if (how === 'exact' && value !== null) totals.exactValued++;
          if (!sameValue(actual, value)) differences.push(`${f.file} ${a.level}.${a.column}: index ${JSON.stringify(actual)}, dcmtk ${JSON.stringify(value)} (${how})`);
        }
      }
      assert.deepEqual(differences, []);
    });

    it('records size, MD5, CRC-32 and transfer syntax of each stored file, and stores its bytes', () => {
      for (const f of STORED) checkImage(t, f, joined.get(String(entityKey('image', f.dataSet!)))!.image);
    });

    it('counts in each series row the files stored in it', () => {
      for (const [uid, files] of groupsAt('series')) {
        const row = [...joined.values()].find((r) => r.series.series_instance_uid === uid)!.series;
        assert.equal(Number(row.image_count), files.length, `series ${uid}`);
        assert.equal(Number(row.total_size), files.reduce((n, f) => n + f.bytes.length, 0), `series ${uid}`);
      }
    });
  });

  describe(`${dialect}: ingest of each file alone in its patient, study and series rows`, () => {
    it('holds every indexed attribute of every identified file exactly as dcmtk reads that file', async () => {
      const differences: string[] = [];
      for (const round of ROUNDS) {
        const t = await createTestStore(dialect);
        try {
          const summary = await ingestInto(t, round.map((f) => path.join(FILES_DIR, f.file)), { collection: 'Reference' });
          assert.deepEqual(summary.skipped, [], 'nothing in a round conflicts');
          assert.equal(summary.filesAdded, round.length);
          const joined = await readJoined(t);
          for (const f of round) {
            const row = joined.get(String(entityKey('image', f.dataSet!)))!;
            checkImage(t, f, row.image);
            for (const a of ATTRIBUTES) {
              const expected = referenceValue(a, f.dataSet!);
              const actual = storedValue(a, row[a.level]);
              totals.alone++;
              if (expected !== null) totals.aloneValued++;
              if (!sameValue(actual, expected)) differences.push(`${f.file} ${a.level}.${a.column}: index ${JSON.stringify(actual)}, dcmtk ${JSON.stringify(expected)}`);
            }
          }
          totals.rounds++;
        } finally {
          await t.dispose();
        }
      }
      assert.deepEqual(differences, []);
    });
  });
}

describe('the ingest reference comparison', () => {
  after(() => {
    console.log(
      `ingest against dcmtk: ${WALK_ORDER.length} files, ${STORED.length} stored, ` +
        `${FIXTURES.filter((f) => f.skip !== null).length} skipped; per dialect ${totals.exact / DIALECTS.length} exact comparisons ` +
        `(${totals.exactValued / DIALECTS.length} with a value), ${totals.merged / DIALECTS.length} by the merge rule; ` +
        `alone: ${IDENTIFIED.length} files in ${ROUNDS.length} rounds, ${totals.alone / DIALECTS.length} exact comparisons ` +
        `(${totals.aloneValued / DIALECTS.length} with a value)`,
    );
  });

  it('compares enough to mean something', () => {
    assert.ok(WALK_ORDER.length >= 40 && WALK_ORDER.every((f) => f.endsWith('.dcm')), 'the corpus is there, and only DICOM files');
    assert.ok(STORED.length >= 25, `only ${STORED.length} files stored`);
    const reasons = new Set(FIXTURES.map((f) => f.skip));
    for (const r of ['truncated', 'not_dicom', 'missing_uid', 'missing_attribute', 'sop_conflict']) assert.ok(reasons.has(r), `no file skipped as ${r}`);
    assert.ok(FIXTURES.filter((f) => f.skip === 'sop_conflict').length >= 5, 'the MR_small variants and others are refused as conflicts');
    // Every stored file compared on every attribute, on both dialects.
    assert.equal(totals.exact + totals.merged, STORED.length * ATTRIBUTES.length * DIALECTS.length);
    assert.equal(totals.image, (STORED.length + IDENTIFIED.length) * DIALECTS.length);
    assert.equal(totals.rounds, ROUNDS.length * DIALECTS.length);
    assert.equal(totals.alone, IDENTIFIED.length * ATTRIBUTES.length * DIALECTS.length);
    assert.ok(IDENTIFIED.length >= STORED.length + 5, 'the refused duplicates are compared alone');
    assert.ok(totals.aloneValued >= 550 * DIALECTS.length, `only ${totals.aloneValued} comparisons of files alone had a value`);
    assert.ok(totals.exactValued >= 450 * DIALECTS.length, `only ${totals.exactValued} exact comparisons had a value`);
    assert.ok(totals.merged <= totals.exact / 10, 'merged rows must stay the exception');
    assert.ok(totals.syntax >= 20 * DIALECTS.length, 'transfer syntaxes compared');
    // Shared rows occur: a patient, a study and a series with several stored files.
    for (const level of ['patient', 'study', 'series'] as const) {
      assert.ok([...groupsAt(level).values()].some((g) => g.length > 1), `no ${level} shared by two stored files`);
    }
    // Every attribute has a real value in some stored file, or its comparison proves nothing.
    for (const a of ATTRIBUTES) assert.ok(STORED.some((f) => referenceValue(a, f.dataSet!) !== null), `${a.keyword} has a value in no stored file`);
  });
});
