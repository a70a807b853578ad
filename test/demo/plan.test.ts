// The demo archive's shape and stability: the collections ingest needs, enough patients,
// every modality, valid and stable UIDs, and element tags/VRs as PS3.6 has them (checked
// against the data dictionary package, which the demo does not use).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import dictionary from '@iwharris/dicom-data-dictionary';
import { DEMO_COLLECTIONS } from '../../src/demo/collections.js';
import { countDemoFiles, planDemoArchive } from '../../src/demo/plan.js';
import { demoUid } from '../../src/demo/uids.js';
import { TAGS } from '../../src/demo/tags.js';
import { demoCartSeries } from '../../src/demo/index.js';

const UID = /^2\.25\.[1-9][0-9]*$/;

describe('demo collections', () => {
  it('has at least four, one of them restricted, each with a licence name, an https licence URI and a description', () => {
    assert.ok(DEMO_COLLECTIONS.length >= 4);
    assert.ok(DEMO_COLLECTIONS.some((c) => !c.public), 'a restricted collection');
    assert.ok(DEMO_COLLECTIONS.filter((c) => c.public).length >= 3);
    for (const c of DEMO_COLLECTIONS) {
      assert.match(c.name, /^DEMO-[A-Z-]+$/);
      assert.ok(c.licenseName.length > 0, c.name);
      assert.match(c.licenseUri, /^https:\/\/[^ ]+$/, c.name);
      assert.ok(c.description.length > 40, c.name);
    }
    const ccBy = DEMO_COLLECTIONS.find((c) => c.licenseName === 'CC BY 4.0');
    assert.equal(ccBy?.licenseUri, 'https://creativecommons.org/licenses/by/4.0/');
  });
});

describe('demo plan', () => {
  const plans = planDemoArchive();

  it('covers the described collections in the same order', () => {
    assert.deepEqual(plans.map((p) => p.name), DEMO_COLLECTIONS.map((c) => c.name));
  });

  it('has dozens of patients with 1-2 studies each and several series per study', () => {
    const patients = plans.flatMap((p) => p.patients);
    assert.ok(patients.length >= 36 && patients.length <= 48, `${patients.length} patients`);
    for (const patient of patients) {
      assert.ok(patient.studies.length >= 1 && patient.studies.length <= 2, patient.patientId);
    }
    const studies = patients.flatMap((p) => p.studies);
    const multiSeries = studies.filter((s) => s.series.length >= 2).length;
    assert.ok(multiSeries / studies.length > 0.8, 'most studies have several series');
    assert.ok(studies.some((s) => s.series.length >= 3));
    // Patient IDs are unique within a collection.
    for (const p of plans) assert.equal(new Set(p.patients.map((x) => x.patientId)).size, p.patients.length, p.name);
  });

  it('has CT, MR, PT and SEG with their SOP classes, and the modalities each collection promises', () => {
    const sopOf: Record<string, string> = {
      CT: '1.2.840.10008.5.1.4.1.1.2',
      MR: '1.2.840.10008.5.1.4.1.1.4',
      PT: '1.2.840.10008.5.1.4.1.1.128',
      SEG: '1.2.840.10008.5.1.4.1.1.66.4',
    };
    const modalitiesOf = (name: string) =>
      new Set(plans.find((p) => p.name === name)!.patients.flatMap((p) => p.studies.flatMap((s) => s.series.map((x) => x.modality))));
    assert.deepEqual([...modalitiesOf('DEMO-CT-LUNG')].sort(), ['CT', 'SEG']);
    assert.deepEqual([...modalitiesOf('DEMO-MR-BRAIN')].sort(), ['MR']);
    assert.deepEqual([...modalitiesOf('DEMO-PET-CT')].sort(), ['CT', 'PT']);
    assert.deepEqual([...modalitiesOf('DEMO-RESTRICTED')].sort(), ['CT', 'MR']);
    for (const series of plans.flatMap((p) => p.patients.flatMap((x) => x.studies.flatMap((s) => s.series)))) {
      assert.equal(series.sopClassUid, sopOf[series.modality], series.description);
    }
  });

  it('has human and canine species, longitudinal studies, and distinct series numbers within a study', () => {
    const patients = plans.flatMap((p) => p.patients);
    assert.deepEqual([...new Set(patients.map((p) => p.species.code))].sort(), ['337915000', '448771007']);
    assert.ok(patients.some((p) => p.studies.length === 2 && p.studies.every((s) => s.longitudinal !== null)));
    const pet = plans.find((p) => p.name === 'DEMO-PET-CT')!;
    for (const patient of pet.patients) {
      const [baseline, followUp] = patient.studies;
      assert.ok(baseline && followUp, patient.patientId);
      assert.ok(followUp.longitudinal!.offsetDays > baseline.longitudinal!.offsetDays, 'follow-up comes later');
    }
    for (const study of patients.flatMap((p) => p.studies)) {
      assert.equal(new Set(study.series.map((s) => s.number)).size, study.series.length);
    }
  });

  it('makes valid UIDs (2.25 root, at most 64 characters), unique across the archive', () => {
    const uids: string[] = [];
    for (const p of plans) {
      for (const patient of p.patients) {
        for (const study of patient.studies) {
          uids.push(study.uid, study.frameOfReferenceUid);
          for (const s of study.series) uids.push(s.uid);
        }
      }
    }
    for (const uid of uids) {
      assert.match(uid, UID);
      assert.ok(uid.length <= 64, uid);
    }
    // The frame of reference is shared by a study's series, nothing else is.
    assert.equal(new Set(uids).size, uids.length);
  });

  it('is the same on every call, and its UIDs do not depend on the machine', () => {
    assert.deepEqual(planDemoArchive(), plans);
    // SHA-256("nbia-demo/a/1"), first 16 bytes as a decimal, computed independently.
    const digest = createHash('sha256').update('nbia-demo/a/1').digest();
    assert.equal(demoUid('a', 1), `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`)}`);
    // Pinned: the demo's first study. If this changes, every demo UID in docs and bookmarks changes.
    assert.equal(plans[0]!.patients[0]!.studies[0]!.uid, '2.25.109903544401781678332862417078682143910');
  });

  it('stays a few thousand files at most', () => {
    const files = countDemoFiles(plans);
    assert.ok(files >= 1000 && files <= 3000, `${files} files`);
  });

  it('puts series of the public collections only into the demo cart', () => {
    const cart = demoCartSeries(plans);
    assert.ok(cart.length >= 3);
    const restricted = plans.find((p) => p.name === 'DEMO-RESTRICTED')!;
    const restrictedUids = new Set(restricted.patients.flatMap((p) => p.studies.flatMap((s) => s.series.map((x) => x.uid))));
    assert.ok(cart.every((uid) => !restrictedUids.has(uid)));
  });
});

describe('demo element table', () => {
  it('matches the PS3.6 data dictionary: keyword, tag and VR', () => {
    for (const [keyword, [tag, vr]] of Object.entries(TAGS)) {
      const entry = dictionary.get_element(tag);
      assert.ok(entry, `${keyword} (${tag}) is in the dictionary`);
      assert.equal(entry.keyword, keyword, tag);
      const allowed = entry.vr.split(' or ');
      assert.ok(allowed.includes(vr), `${keyword}: ${vr} is not one of ${entry.vr}`);
    }
  });
});
