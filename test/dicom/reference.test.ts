// Our header parser against dcmtk, file by file: every attribute of ATTRIBUTES in every
// fixture file must equal what dcmtk read from the same bytes (committed output of
// scripts/dicom-reference.sh), after the normalisation written out in dcmtk-reference.ts. Files dcmtk
// cannot read must be rejected by us with the matching reason.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ATTRIBUTES, REQUIRED_UIDS, type Attribute, type ParsedInstance } from '../../src/dicom/attributes.js';
import { DicomParseError, parseDicomFile, readDicomHeader } from '../../src/dicom/parse.js';
import { expectedRejection, FILES_DIR, loadReference, personOf, referenceValue, sameValue, textOf, type Value } from './dcmtk-reference.js';

function actualValue(attribute: Attribute, instance: ParsedInstance): Value {
  const value = (instance[attribute.level] as Record<string, Value>)[attribute.column] ?? null;
  return attribute.kind === 'person' && typeof value === 'string' ? value.split('\\').map(personOf).join('\\') : value;
}

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
        const expected = expectedRejection(file, reference.message);
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
        const expected = referenceValue(attribute, reference.dataSet);
        const actual = actualValue(attribute, instance);
        totals.compared++;
        if (expected !== null) totals.valued++;
        if (!sameValue(actual, expected)) differences.push(`${attribute.keyword}: ours ${JSON.stringify(actual)}, dcmtk ${JSON.stringify(expected)}`);
      }
      assert.deepEqual(differences, [], `${file} differs from dcmtk (${reference.source})`);

      const syntax = reference.dataSet.get('00020010')?.values[0];
      if (syntax != null) assert.equal(instance.transferSyntaxUid, textOf(syntax, 'UI'), 'transfer syntax');

      const lacking = REQUIRED_UIDS.filter((k) => {
        const a = ATTRIBUTES.find((x) => x.keyword === k)!;
        return referenceValue(a, reference.dataSet) === null;
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
        return reference.kind === 'dataset' && referenceValue(attribute, reference.dataSet) !== null;
      });
      assert.ok(seen, `${attribute.keyword} has a value in no fixture file`);
    }
  });
});
