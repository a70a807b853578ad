// Our header parser against dcmtk, file by file: every attribute of ATTRIBUTES in every
// fixture file must equal what dcmtk read from the same bytes (committed output of
// scripts/dicom-reference.sh), after the normalisation written out below. Files dcmtk
// cannot read must be rejected by us with the matching reason.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ATTRIBUTES, REQUIRED_UIDS, type Attribute, type ParsedInstance } from '../../src/dicom/attributes.js';
import { DicomParseError, parseDicomFile, readDicomHeader } from '../../src/dicom/parse.js';
import { FILES_DIR, loadReference, referenceElement, type RefElement } from './dcmtk-reference.js';

type Value = string | number | null;

// --- normalising dcmtk's values (independently of src/dicom) -----------------------------------

/** dcmtk drops insignificant spaces; trimming again is harmless for JSON and needed for dumps. */
function textOf(v: string | number | null, vr: string): string {
  const s = v === null ? '' : String(v);
  return ['LT', 'ST', 'UT'].includes(vr) ? s.replace(/[ \0]+$/, '') : s.replace(/^ +/, '').replace(/[ \0]+$/, '');
}

/** Empty trailing component groups (`Wang^XiaoDong=王^小東=`) are insignificant; dcm2json drops them. */
function personOf(v: string): string {
  return v.replace(/[ \0]+$/, '').replace(/=+$/, '');
}

/** A real calendar date in `YYYYMMDD` (or ACR-NEMA `YYYY.MM.DD`) → `YYYY-MM-DD`. */
function isoDate(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(text);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}

/** `HH[MM[SS[.F]]]` → `HH[:MM[:SS[.F]]]`, with the ranges of PS3.5 (SS up to 60: leap second). */
function isoTime(text: string): string | null {
  if (/^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/.test(text)) return text;
  if (!/^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(text)) return null;
  const parts = [text.slice(0, 2), text.slice(2, 4), text.slice(4)].filter((p) => p !== '');
  const [h, m, s] = parts.map((p) => Number.parseFloat(p));
  if (h! > 23 || (m !== undefined && m > 59) || (s !== undefined && s >= 61)) return null;
  return parts.join(':');
}

function firstText(el: RefElement): string {
  return textOf(el.values[0] ?? null, el.vr);
}

function numberOf(v: string | number | null | undefined, integer: boolean): number | null {
  if (typeof v === 'number') return v;
  const s = (v ?? '').trim();
  if (!(integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).test(s)) return null;
  return Number(s);
}

/** What the index should hold for `attribute`, derived from dcmtk's reading. */
function expectedValue(attribute: Attribute, el: RefElement | undefined): Value {
  if (el === undefined || el.values.length === 0) return null;
  switch (attribute.kind) {
    case 'text': {
      const values = el.values.map((v) => textOf(v, el.vr));
      return values.some((v) => v !== '') ? values.join('\\') : null;
    }
    case 'person': {
      const values = el.values.map((v) => personOf(v === null ? '' : String(v)));
      return values.some((v) => v.replace(/[\^=]/g, '') !== '') ? values.join('\\') : null;
    }
    case 'date':
      return isoDate(firstText(el));
    case 'time':
      return isoTime(firstText(el));
    case 'int':
      return numberOf(el.values[0], true);
    case 'float':
      return numberOf(el.values[0], false);
  }
}

function actualValue(attribute: Attribute, instance: ParsedInstance): Value {
  const value = (instance[attribute.level] as Record<string, Value>)[attribute.column] ?? null;
  return attribute.kind === 'person' && typeof value === 'string' ? value.split('\\').map(personOf).join('\\') : value;
}

function tagPath(attribute: Attribute): string[] {
  return typeof attribute.tag === 'string' ? [attribute.tag] : [...attribute.tag];
}

// --- files dcmtk cannot read ---------------------------------------------------------------------

/** dcmtk's wording for a stream that ends before an element does. */
const DCMTK_TRUNCATED = /premature end of stream|Invalid stream/;

/** Where our reason deliberately differs from what dcmtk's message suggests. */
const REASON_OVERRIDES: Record<string, { reason: DicomParseError['reason']; why: string }> = {
  'no_meta.dcm': {
    reason: 'not_dicom',
    why:
      'one stray byte precedes the data set, so the first "element" is (0820,0500) with a 173 MB length; dcmtk ' +
      'calls that a premature end of stream, but the bytes never were a readable DICOM stream',
  },
};

// --- the comparison ----------------------------------------------------------------------------

const files = fs.readdirSync(FILES_DIR).filter((f) => f.endsWith('.dcm')).sort();
const totals = { files: 0, compared: 0, valued: 0, rejected: 0, missingUid: 0, dcm2json: 0, dcmdump: 0 };

describe('header parser against dcmtk (test/fixtures/dicom)', () => {
  for (const file of files) {
    it(file, () => {
      const bytes = fs.readFileSync(path.join(FILES_DIR, file));
      const reference = loadReference(file.replace(/\.dcm$/, ''));
      totals.files++;

      if (reference.kind === 'error') {
        const expected = REASON_OVERRIDES[file]?.reason ?? (DCMTK_TRUNCATED.test(reference.message) ? 'truncated' : undefined);
        assert.ok(expected, `no reason mapped for dcmtk's error on ${file}: ${reference.message}`);
        for (const read of [readDicomHeader, parseDicomFile]) {
          assert.throws(() => read(bytes), (e: unknown) => e instanceof DicomParseError && e.reason === expected && e.message.length > 10);
        }
        totals.rejected++;
        return;
      }

      totals[reference.source]++;
      const instance = readDicomHeader(bytes);
      const differences: string[] = [];
      for (const attribute of ATTRIBUTES) {
        const expected = expectedValue(attribute, referenceElement(reference.dataSet, tagPath(attribute)));
        const actual = actualValue(attribute, instance);
        totals.compared++;
        if (expected !== null) totals.valued++;
        const same =
          typeof expected === 'number' && typeof actual === 'number'
            ? Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
            : actual === expected;
        if (!same) differences.push(`${attribute.keyword}: ours ${JSON.stringify(actual)}, dcmtk ${JSON.stringify(expected)}`);
      }
      assert.deepEqual(differences, [], `${file} differs from dcmtk (${reference.source})`);

      const syntax = reference.dataSet.get('00020010')?.values[0];
      if (syntax != null) assert.equal(instance.transferSyntaxUid, textOf(syntax, 'UI'), 'transfer syntax');

      const lacking = REQUIRED_UIDS.filter((k) => {
        const a = ATTRIBUTES.find((x) => x.keyword === k)!;
        return expectedValue(a, referenceElement(reference.dataSet, tagPath(a))) === null;
      });
      if (lacking.length > 0) {
        assert.throws(
          () => parseDicomFile(bytes),
          (e: unknown) => e instanceof DicomParseError && e.reason === 'missing_uid' && lacking.every((k) => e.message.includes(k)),
        );
        totals.missingUid++;
      } else {
        assert.deepEqual(parseDicomFile(bytes), instance);
      }
    });
  }

  after(() => {
    console.log(
      `dcmtk reference: ${totals.files} files (${totals.dcm2json} via dcm2json, ${totals.dcmdump} via dcmdump, ` +
        `${totals.rejected} rejected as dcmtk does, ${totals.missingUid} lacking a UID); ` +
        `${totals.compared} attribute comparisons, ${totals.valued} of them with a value`,
    );
  });

  it('compares enough to mean something', () => {
    assert.equal(totals.files, files.length);
    assert.ok(files.length >= 40, `only ${files.length} fixture files`);
    assert.ok(totals.dcm2json >= 25 && totals.dcmdump >= 10, 'both reference formats are exercised');
    assert.ok(totals.rejected >= 4, 'broken files are part of the corpus');
    assert.equal(totals.compared, (totals.dcm2json + totals.dcmdump) * ATTRIBUTES.length);
    assert.ok(totals.valued >= 600, `only ${totals.valued} comparisons had a value`);
    // Every attribute must have a real value in some file, or its comparison proves nothing.
    for (const attribute of ATTRIBUTES) {
      const seen = files.some((file) => {
        const reference = loadReference(file.replace(/\.dcm$/, ''));
        return reference.kind === 'dataset' && expectedValue(attribute, referenceElement(reference.dataSet, tagPath(attribute))) !== null;
      });
      assert.ok(seen, `${attribute.keyword} has a value in no fixture file`);
    }
  });
});
