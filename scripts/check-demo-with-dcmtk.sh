#!/usr/bin/env bash
# Cross-checks the DICOM writer and the demo archive with dcmtk, a reader that shares no
# code with ours. Not part of `npm test` (which must not need Debian tools); run it by hand
# or in CI where dcmtk is installed:  scripts/check-demo-with-dcmtk.sh
#
#  1. every demo file is a Part 10 file (dcmftest);
#  2. dcmdump reads the whole archive with data correction off and logs no warning;
#  3. for one file per series, every VR we wrote is the one in dcmtk's data dictionary
#     (the file converted to Implicit VR, where dcmtk takes VRs from its dictionary,
#     dumps the same);
#  4. for one file per series, the identifying values dcmtk reads are the ones the demo
#     plan says (UTF-8 and Latin-1 names included);
#  5. the pixel data of one file per series decodes (dcm2pnm);
#  6. a file with every VR family, written in Explicit and in Implicit VR, reads back in
#     dcmtk with the values given.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

for tool in dcmftest dcmdump dcmconv dcm2pnm node; do
  command -v "$tool" >/dev/null || { echo "check-demo-with-dcmtk: needs $tool (apt-get install dcmtk)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

started=$(date +%s.%N)
node --import tsx src/cli/main.ts demo --out "$work/demo" --quiet >"$work/demo.log"
demo=$work/demo
files=$(find "$demo" -name '*.dcm' | wc -l)
echo "demo written: $files files ($(du -sh "$demo" | cut -f1)) in $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)") s"

# 1. Part 10 files.
find "$demo" -name '*.dcm' -print0 | xargs -0 dcmftest >"$work/ftest.txt" || true
not_part10=$(grep -vc '^yes: ' "$work/ftest.txt" || true)
if [ "$not_part10" -ne 0 ] || [ "$(wc -l <"$work/ftest.txt")" -ne "$files" ]; then
  fail "dcmftest: $not_part10 files are not Part 10 files"; grep -v '^yes: ' "$work/ftest.txt" | head -5 >&2
else
  pass "dcmftest: all $files files are DICOM Part 10 files"
fi

# 2. A strict read of everything.
if dcmdump -dc +sd +r +sp '*.dcm' --log-level warn "$demo" >"$work/dump.txt" 2>"$work/dump.err" && [ ! -s "$work/dump.err" ]; then
  pass "dcmdump: read all files without correction, warning or error"
else
  fail "dcmdump reported problems"; head -20 "$work/dump.err" >&2
fi

# One file per series: the first of each series folder.
find "$demo" -name '001.dcm' | sort >"$work/sample.txt"
samples=$(wc -l <"$work/sample.txt")

# 3. VRs as in the dictionary.
vr_bad=0
while IFS= read -r f; do
  dcmconv -q +ti -e "$f" "$work/implicit.dcm"
  # PixelData is "OB or OW" in the dictionary and always OW in Implicit VR, so it is left out.
  if ! diff -a <(dcmdump -dc -Un "$f" | grep -a '^ *(' | grep -av '^(0002,\|^(7fe0,0010)') \
            <(dcmdump -dc -Un "$work/implicit.dcm" | grep -a '^ *(' | grep -av '^(0002,\|^(7fe0,0010)') >"$work/vr.diff"; then
    vr_bad=$((vr_bad + 1))
    [ "$vr_bad" -le 3 ] && { echo "VR differs from the dictionary in $f:" >&2; head -6 "$work/vr.diff" >&2; }
  fi
done <"$work/sample.txt"
if [ "$vr_bad" -eq 0 ]; then pass "VRs: $samples files (one per series) match dcmtk's data dictionary"; else fail "VRs: $vr_bad of $samples files differ from the dictionary"; fi

# 4 and 6 compare values in TypeScript, reading dcmdump's output.
cat >"$work/values.ts" <<EOF
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { planDemoArchive } from '$repo/src/demo/plan.ts';
import { studyFolder, seriesFolder } from '$repo/src/demo/generate.ts';
import { instanceUid } from '$repo/src/demo/instances.ts';
import { encodeDicomFile, IMPLICIT_VR_LITTLE_ENDIAN } from '$repo/src/dicom/writer.ts';

const demo = '$demo';
let problems = 0;
const problem = (m: string) => { problems++; if (problems <= 10) console.error('  ' + m); };

/** Top-level elements of a dcmdump, tag (lower case) -> value (brackets and padding removed). */
function dump(file: string, utf8 = true): Map<string, string> {
  const text = execFileSync('dcmdump', [...(utf8 ? ['+U8'] : []), '-Un', '+L', '-dc', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\(([0-9a-f]{4},[0-9a-f]{4})\) [A-Z]{2} (?:\[(.*)\]|(.*?)) +#/.exec(line);
    if (m) values.set(m[1]!, (m[2] ?? m[3] ?? '').replace(/[ \u0000]+$/, ''));
  }
  return values;
}

// 4. Values of one file per series against the plan.
let checked = 0;
for (const collection of planDemoArchive()) {
  for (const patient of collection.patients) {
    for (const study of patient.studies) {
      for (const series of study.series) {
        const file = path.join(demo, collection.name, patient.patientId, studyFolder(study), seriesFolder(series), '001.dcm');
        const got = dump(file);
        // +U8 turns the character set into ISO_IR 192, so read it as stored.
        if (dump(file, false).get('0008,0005') !== collection.characterSet) problem(file + ': SpecificCharacterSet is not ' + collection.characterSet);
        const expected: Record<string, string> = {
          '0008,0016': series.sopClassUid,
          '0008,0018': instanceUid(series, 1),
          '0008,0020': study.date,
          '0008,0060': series.modality,
          '0008,103e': series.description,
          '0010,0010': patient.patientName,
          '0010,0020': patient.patientId,
          '0010,0040': patient.sex,
          '0010,2201': patient.species.description,
          '0018,0015': series.bodyPart,
          '0020,000d': study.uid,
          '0020,000e': series.uid,
          '0020,0011': String(series.number),
          '0020,0013': '1',
        };
        if (series.modality === 'SEG') expected['0028,0100'] = '1';
        else expected['0028,0010'] = '64';
        for (const [tag, value] of Object.entries(expected)) {
          if (got.get(tag) !== value) problem(file + ': (' + tag + ') is ' + JSON.stringify(got.get(tag)) + ', expected ' + JSON.stringify(value));
        }
        checked++;
      }
    }
  }
}
console.log((problems === 0 ? 'ok:   ' : 'FAIL: ') + 'values: ' + checked + ' files (one per series) read by dcmtk as the plan says');

// 6. Every VR family, in both transfer syntaxes.
const before = problems;
const elements = [
  { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
  { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: '00080018', vr: 'UI', value: '1.2.3.4.5' },
  { tag: '00080060', vr: 'CS', value: 'OT' },
  { tag: '00081030', vr: 'LO', value: 'Étude données' },
  { tag: '00100010', vr: 'PN', value: 'Sørensen^Åse' },
  { tag: '00100020', vr: 'LO', value: 'X-1' },
  { tag: '00101010', vr: 'AS', value: '045Y' },
  { tag: '00101030', vr: 'DS', value: 72.5 },
  { tag: '00102202', vr: 'SQ', value: [[{ tag: '00080100', vr: 'SH', value: '337915000' }, { tag: '00080102', vr: 'SH', value: 'SCT' }, { tag: '00080104', vr: 'LO', value: 'Homo sapiens' }]] },
  { tag: '00102293', vr: 'SQ', value: [] },
  { tag: '00120052', vr: 'FD', value: 91.25 },
  { tag: '00180088', vr: 'DS', value: [0.1 + 0.2] },
  { tag: '00181030', vr: 'LO', value: 'odd' },
  { tag: '00200013', vr: 'IS', value: -7 },
  { tag: '00200037', vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
  { tag: '00280009', vr: 'AT', value: ['00100020', '7FE00010'] },
  { tag: '00209157', vr: 'UL', value: [1, 4294967295] },
  { tag: '00280010', vr: 'US', value: 2 },
  { tag: '00280011', vr: 'US', value: 2 },
  { tag: '00281052', vr: 'DS', value: -1024 },
  { tag: '00289503', vr: 'SS', value: [-32768, 32767] },
  { tag: '00289110', vr: 'SQ', value: [[{ tag: '00280030', vr: 'DS', value: ['0.5', '0.5'] }], [{ tag: '00180050', vr: 'DS', value: 1 }]] },
  { tag: '00400254', vr: 'LO', value: 'with\\\\backslash' },
  { tag: '00081190', vr: 'UR', value: 'https://example.org/x' },
  { tag: '00186020', vr: 'SL', value: -5 },
  { tag: '00660016', vr: 'OF', value: new Uint8Array(new Float32Array([1.5, -2]).buffer) },
  { tag: '00321060', vr: 'LO', value: '' },
  { tag: '0040A160', vr: 'UT', value: 'x'.repeat(70000) },
  { tag: '7FE00010', vr: 'OW', value: [1, 2, 65535, 0] },
];
const dumps: Map<string, string>[] = [];
for (const ts of [undefined, IMPLICIT_VR_LITTLE_ENDIAN]) {
  const file = path.join(demo, '..', 'vr-families-' + (ts ? 'implicit' : 'explicit') + '.dcm');
  fs.writeFileSync(file, encodeDicomFile(elements, ts ? { transferSyntaxUid: ts } : {}));
  const run = spawnSync('dcmdump', ['-dc', '--log-level', 'warn', file], { encoding: 'utf8' });
  if (run.status !== 0 || run.stderr.trim()) problem(file + ': dcmdump: ' + run.stderr.trim());
  dumps.push(dump(file));
}
const expectedValues: Record<string, string> = {
  '0008,1030': 'Étude données', '0010,0010': 'Sørensen^Åse', '0010,1030': '72.5', '0012,0052': '91.25',
  '0018,0088': '0.3', '0020,0013': '-7', '0020,0037': '1\\\\0\\\\0\\\\0\\\\1\\\\0', '0028,0009': '(0010,0020)\\\\(7fe0,0010)',
  '0020,9157': '1\\\\4294967295', '0028,1052': '-1024', '0028,9503': '-32768\\\\32767', '0040,0254': 'with\\\\backslash',
  '0008,1190': 'https://example.org/x', '0018,6020': '-5', '0066,0016': '1.5\\\\-2', '0032,1060': '(no value available)',
  '7fe0,0010': '0001\\\\0002\\\\ffff\\\\0000',
};
for (const [i, got] of dumps.entries()) {
  for (const [tag, value] of Object.entries(expectedValues)) {
    if (got.get(tag) !== value) problem((i ? 'implicit' : 'explicit') + ': (' + tag + ') is ' + JSON.stringify(got.get(tag)) + ', expected ' + JSON.stringify(value));
  }
  if ((got.get('0040,a160') ?? '').length !== 70000) problem('the 70000-character UT did not read back whole');
}
console.log((problems === before ? 'ok:   ' : 'FAIL: ') + 'writer: every VR family reads back in dcmtk, Explicit and Implicit VR Little Endian');
process.exit(problems === 0 ? 0 : 1);
EOF
node --import tsx "$work/values.ts" || failures=$((failures + 1))

# 5. Pixel data decodes.
pix_bad=0
while IFS= read -r f; do
  frames=$(dcmdump -dc +P NumberOfFrames "$f" | grep -ao '\[[0-9]*' | tr -d '[' || true)
  dcm2pnm -q --frame "${frames:-1}" "$f" "$work/frame.pgm" 2>"$work/pnm.err" || { pix_bad=$((pix_bad + 1)); echo "  $f: $(head -1 "$work/pnm.err")" >&2; }
done <"$work/sample.txt"
if [ "$pix_bad" -eq 0 ]; then pass "pixels: the last frame of $samples files (one per series) decodes in dcm2pnm"; else fail "pixels: $pix_bad files do not decode"; fi

if [ "$failures" -ne 0 ]; then echo "check-demo-with-dcmtk: $failures check(s) failed" >&2; exit 1; fi
echo "check-demo-with-dcmtk: all checks passed"
