// Every demo file, read back by the header parser: identities as planned, distinct
// InstanceNumbers per series, the right SOP class per modality, stable bytes across runs;
// then the files on disk and the `nbia demo` command.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseDicomFile } from '../../src/dicom/parse.js';
import type { ParsedInstance } from '../../src/dicom/attributes.js';
import { generateDemoFiles, writeDemoArchive, type DemoFile } from '../../src/demo/generate.js';
import { countDemoFiles, planDemoArchive, type DemoPatient, type DemoSeries, type DemoStudy } from '../../src/demo/plan.js';
import { UserError } from '../../src/errors.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');

const SOP_CLASS_OF_MODALITY: Record<string, string> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
  PT: '1.2.840.10008.5.1.4.1.1.128',
  SEG: '1.2.840.10008.5.1.4.1.1.66.4',
};

interface Planned {
  collection: string;
  patient: DemoPatient;
  study: DemoStudy;
  series: DemoSeries;
}

const plans = planDemoArchive();
const seriesByUid = new Map<string, Planned>();
for (const c of plans) for (const patient of c.patients) for (const study of patient.studies) for (const series of study.series) seriesByUid.set(series.uid, { collection: c.name, patient, study, series });

/** The value of a top-level text element of an Explicit VR LE file, found by its tag and VR bytes. */
function textElement(bytes: Buffer, tag: string, vr: string): string | undefined {
  const head = Buffer.concat([Buffer.from(tag.slice(2, 4) + tag.slice(0, 2) + tag.slice(6, 8) + tag.slice(4, 6), 'hex'), Buffer.from(vr, 'ascii')]);
  const at = bytes.indexOf(head);
  if (at < 0) return undefined;
  return bytes.subarray(at + 8, at + 8 + bytes.readUInt16LE(at + 6)).toString('latin1').trim();
}

/** The bytes of PixelData (7FE0,0010), OW or OB with its 4-byte length, at the end of the file. */
function pixelData(bytes: Buffer): Buffer {
  for (const vr of ['OW', 'OB']) {
    const head = Buffer.concat([Buffer.from('e07f1000', 'hex'), Buffer.from(vr, 'ascii'), Buffer.alloc(2)]);
    const at = bytes.lastIndexOf(head);
    if (at >= 0) return bytes.subarray(at + 12, at + 12 + bytes.readUInt32LE(at + 8));
  }
  throw new Error('no pixel data');
}

describe('the demo files, read back', () => {
  let files: DemoFile[] = [];
  const parsed = new Map<string, ParsedInstance>();

  before(() => {
    files = [...generateDemoFiles(plans)];
    for (const f of files) parsed.set(f.relativePath, parseDicomFile(f.bytes));
  });

  it('makes as many files as the plan counts, with unique paths', () => {
    assert.equal(files.length, countDemoFiles(plans));
    assert.equal(new Set(files.map((f) => f.relativePath)).size, files.length);
  });

  it('writes Part 10 Explicit VR Little Endian files whose identities are the planned ones', () => {
    for (const f of files) {
      const p = parsed.get(f.relativePath)!;
      const planned = seriesByUid.get(p.series.series_instance_uid ?? '');
      assert.ok(planned, `${f.relativePath}: series ${p.series.series_instance_uid} is in the plan`);
      assert.equal(p.hasPreamble, true);
      assert.equal(p.transferSyntaxUid, '1.2.840.10008.1.2.1');
      assert.equal(planned.collection, f.collection);
      assert.equal(p.patient.patient_id, planned.patient.patientId);
      assert.equal(p.patient.patient_name, planned.patient.patientName, 'names survive Latin-1 and UTF-8');
      assert.equal(p.patient.patient_sex, planned.patient.sex);
      assert.equal(p.patient.species_code, planned.patient.species.code);
      assert.equal(p.study.study_instance_uid, planned.study.uid);
      assert.equal(p.study.study_description, planned.study.description);
      assert.match(p.study.study_date ?? '', /^(2012|2013|2014|2015|2016|2017|2018|2019|2020|2021|2022)-\d\d-\d\d$/);
      assert.match(p.study.patient_age ?? '', /^\d{3}Y$/);
      assert.equal(p.series.modality, planned.series.modality);
      assert.equal(p.series.series_number, planned.series.number);
      assert.equal(p.series.body_part_examined, planned.series.bodyPart);
      assert.equal(p.series.manufacturer, planned.series.scanner.manufacturer);
      assert.ok(p.series.manufacturer_model_name && p.series.software_versions && p.series.protocol_name, f.relativePath);
      assert.equal(p.image.sop_class_uid, SOP_CLASS_OF_MODALITY[planned.series.modality], f.relativePath);
      assert.match(p.image.sop_instance_uid ?? '', /^2\.25\.[1-9][0-9]*$/);
      if (planned.series.modality !== 'SEG') {
        assert.equal(p.series.pixel_spacing_row, planned.series.pixelSpacing);
        assert.equal(p.series.slice_thickness, planned.series.sliceThickness);
        assert.equal(p.image.acquisition_number, planned.series.acquisitionNumber);
      }
      if (f.collection === 'DEMO-PET-CT') {
        assert.equal(p.study.longitudinal_temporal_event_type, 'ENROLLMENT');
        assert.equal(typeof p.study.longitudinal_temporal_offset_from_event, 'number');
      }
    }
  });

  it('numbers the instances of each series 1..n, each once, and never reuses a SOPInstanceUID', () => {
    const numbers = new Map<string, number[]>();
    const sops = new Set<string>();
    for (const p of parsed.values()) {
      const list = numbers.get(p.series.series_instance_uid!) ?? [];
      list.push(p.image.instance_number!);
      numbers.set(p.series.series_instance_uid!, list);
      sops.add(p.image.sop_instance_uid!);
    }
    assert.equal(sops.size, files.length);
    assert.equal(numbers.size, seriesByUid.size, 'every planned series has files');
    for (const [uid, list] of numbers) {
      const sorted = [...list].sort((a, b) => a - b);
      assert.deepEqual(sorted, Array.from({ length: list.length }, (_, i) => i + 1), uid);
    }
  });

  it('has all four modalities, a restricted collection and at least 36 patients once parsed', () => {
    const modalities = new Set([...parsed.values()].map((p) => p.series.modality));
    assert.deepEqual([...modalities].sort(), ['CT', 'MR', 'PT', 'SEG']);
    const patients = new Set(files.map((f) => `${f.collection}/${f.patientId}`));
    assert.ok(patients.size >= 36, `${patients.size} patients`);
  });

  it('draws plausible pixels: a chest CT slice is part air and lung, part tissue; a SEG has set bits in every frame', () => {
    const ct = files.find((f) => f.relativePath.includes('/2-Lung-2.5mm/008.dcm'))!;
    const pixels = pixelData(ct.bytes);
    assert.equal(pixels.length, 64 * 64 * 2);
    let airOrLung = 0;
    let tissue = 0;
    for (let i = 0; i < pixels.length; i += 2) {
      const hu = pixels.readUInt16LE(i) - 1024; // RescaleIntercept -1024, slope 1
      assert.ok(hu >= -1024 && hu <= 3071, `HU ${hu} within 12 bits`);
      if (hu < -500) airOrLung++;
      else if (hu > -200 && hu < 200) tissue++;
    }
    assert.ok(airOrLung > 4096 * 0.3 && airOrLung < 4096 * 0.8, `${airOrLung} air/lung pixels`);
    assert.ok(tissue > 4096 * 0.15, `${tissue} soft-tissue pixels`);

    const seg = files.find((f) => f.relativePath.includes('/300-Nodule-segmentation/'))!;
    const frames = Number(textElement(seg.bytes, '00280008', 'IS'));
    assert.ok(frames >= 1 && frames <= 16, `${frames} frames`);
    const bits = pixelData(seg.bytes);
    assert.equal(bits.length, (frames * 64 * 64) / 8, '1 bit per pixel, frames packed together');
    for (let f = 0; f < frames; f++) {
      const frame = bits.subarray(f * 512, (f + 1) * 512);
      assert.ok(frame.some((b) => b !== 0), `frame ${f + 1} shows the nodule`);
    }
  });

  it('makes byte-identical files on a second run', () => {
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const first = new Map(files.map((f) => [f.relativePath, digest(f.bytes)]));
    let compared = 0;
    for (const f of generateDemoFiles(planDemoArchive())) {
      assert.equal(digest(f.bytes), first.get(f.relativePath), f.relativePath);
      compared++;
    }
    assert.equal(compared, files.length);
  });
});

describe('`nbia demo` and its folder checks', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-demo-test-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses a folder it cannot write with a message, not a crash', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    assert.throws(() => writeDemoArchive(path.join(file, 'sub')), (e: unknown) => e instanceof UserError && /cannot write the demo archive to .*a-file\/sub: a file of that name/.test(e.message));
    assert.throws(() => writeDemoArchive(file), (e: unknown) => e instanceof UserError && /cannot write the demo archive/.test(e.message));
  });

  it('`nbia demo --help` tells what it writes; no --out or a bad --out is an error with exit code 2', async () => {
    const cli = ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'demo'];
    const file = path.join(tmp, 'in-the-way');
    fs.writeFileSync(file, 'x');
    const failed = (e: unknown) => e as { code?: number; stderr?: string };
    const [help, noOut, badOut] = await Promise.all([
      run(process.execPath, [...cli, '--help'], { cwd: REPO }),
      run(process.execPath, cli, { cwd: REPO }).then(() => assert.fail('no --out must fail'), failed),
      run(process.execPath, [...cli, '--out', path.join(file, 'x')], { cwd: REPO }).then(() => assert.fail('a bad --out must fail'), failed),
    ]);
    for (const text of ['--out <dir>', 'DEMO-CT-LUNG', 'DEMO-RESTRICTED', 'restricted', '<collection>/<patient>/<study>/<series>/<n>.dcm', '--no-demo']) {
      assert.ok(help.stdout.includes(text), `help mentions ${text}`);
    }
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr ?? '', /nbia demo --out DIR/);
    assert.equal(badOut.code, 2);
    assert.match(badOut.stderr ?? '', /nbia: cannot write the demo archive to .*in-the-way/);
  });

  it('`nbia demo --out DIR` writes DIR/<collection>/<patient>/<study>/<series>/<n>.dcm and ends with a true summary', async () => {
    const out = path.join(tmp, 'cli');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'demo', '--out', out, '--quiet'], { cwd: REPO });
    const onDisk: { rel: string; size: number }[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else onDisk.push({ rel: path.relative(out, full).split(path.sep).join('/'), size: fs.statSync(full).size });
      }
    };
    walk(out);
    assert.equal(onDisk.length, countDemoFiles(plans));
    for (const { rel } of onDisk) assert.match(rel, /^DEMO-[A-Z-]+\/[A-Z]+-\d{3}\/\d{4}-\d{2}-\d{2}-[A-Za-z0-9.-]+\/\d+-[A-Za-z0-9.-]+\/\d{3}\.dcm$/);
    const mb = (n: number) => (n / 1e6).toFixed(1).replace('.', '\\.');
    const total = onDisk.reduce((n, f) => n + f.size, 0);
    assert.match(stdout, new RegExp(`^wrote ${onDisk.length} files, ${mb(total)} MB, in [0-9.]+ s to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const p of plans) {
      const mine = onDisk.filter((f) => f.rel.startsWith(`${p.name}/`));
      const studies = p.patients.reduce((n, x) => n + x.studies.length, 0);
      assert.match(stdout, new RegExp(`^  ${p.name} +(public|restricted) +${p.patients.length} patients +${studies} studies +\\d+ series +${mine.length} files +${mb(mine.reduce((n, f) => n + f.size, 0))} MB$`, 'm'));
    }
  });
});
