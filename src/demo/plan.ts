// The demo archive as data: collections → patients → studies → series, every attribute
// and UID decided here from seeded randomness, before a single pixel is made. The
// generator turns this plan into files; tests read it to know what to expect.
import { DEMO_COLLECTIONS } from './collections.js';
import { DemoRandom, demoUid } from './uids.js';

export const SOP_CLASS = {
  CT: '1.2.840.10008.5.1.4.1.1.2', // CT Image Storage
  MR: '1.2.840.10008.5.1.4.1.1.4', // MR Image Storage
  PT: '1.2.840.10008.5.1.4.1.1.128', // Positron Emission Tomography Image Storage
  SEG: '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation Storage
} as const;

export type DemoModality = keyof typeof SOP_CLASS;

/** What the pixels show; each has its own pattern in pixels.ts. */
export type Anatomy = 'chest' | 'head' | 'wholebody' | 'abdomen';

/** The pixel contrast of a series: CT window, MR weighting or PET correction. */
export type Contrast = 'ct' | 'T1' | 'T2' | 'FLAIR' | 'T1C' | 'pet-ac' | 'pet-nac';

export interface Scanner {
  manufacturer: string;
  model: string;
  softwareVersions: string | string[];
  /** CT kernels (sharp, soft) or MR field strength (T). */
  sharpKernel?: string;
  softKernel?: string;
  fieldStrength?: number;
}

export interface Species {
  code: string;
  description: string;
  breed?: string;
}

/** Where the lesion sits (mm, patient coordinates about the series centre) and how big it is at this study. */
export interface Lesion {
  x: number;
  y: number;
  z: number;
  radius: number;
}

export interface DemoSeries {
  uid: string;
  number: number;
  modality: DemoModality;
  sopClassUid: string;
  description: string;
  protocolName: string;
  bodyPart: string;
  scanner: Scanner;
  /** HHMMSS */
  time: string;
  acquisitionNumber: number;
  contrast: Contrast;
  /** Slices of the volume (frames of a SEG). */
  sliceCount: number;
  sliceThickness: number;
  pixelSpacing: number;
  /** Files in the series: one per slice, one for a SEG. */
  fileCount: number;
  convolutionKernel?: string;
  mr?: { scanningSequence: string[]; sequenceVariant: string[]; acquisitionType: '2D' | '3D'; tr: number; te: number; ti?: number; flipAngle: number; echoTrainLength: number; sequenceName: string };
  contrastAgent?: string;
  /** A SEG's source series (in the same study). */
  referencedSeriesUid?: string;
}

export interface DemoStudy {
  uid: string;
  /** YYYYMMDD */
  date: string;
  time: string;
  description: string;
  studyId: string;
  accessionNumber: string;
  /** AS, e.g. `063Y` */
  age: string;
  admittingDiagnosis: string | null;
  anatomy: Anatomy;
  frameOfReferenceUid: string;
  lesion: Lesion;
  longitudinal: { eventType: string; offsetDays: number } | null;
  trial: { timePointId: string; timePointDescription: string } | null;
  weightKg: number;
  heightM: number;
  /** Size of the body drawn in the pixels: 1 for an adult human, smaller for a dog. */
  bodyScale: number;
  series: DemoSeries[];
}

export interface DemoPatient {
  collection: string;
  patientId: string;
  patientName: string;
  /** YYYYMMDD */
  birthDate: string;
  sex: 'M' | 'F';
  ethnicGroup: string | null;
  species: Species;
  responsiblePerson: string | null;
  trial: { sponsor: string; protocolId: string; protocolName: string; siteId: string; siteName: string } | null;
  studies: DemoStudy[];
}

export interface DemoCollectionPlan {
  name: string;
  /** SpecificCharacterSet of its files. */
  characterSet: 'ISO_IR 100' | 'ISO_IR 192';
  patients: DemoPatient[];
}

export const HUMAN: Species = { code: '337915000', description: 'Homo sapiens' };
export const DOG: Species = { code: '448771007', description: 'Canis lupus familiaris' };

const CT_SCANNERS: readonly Scanner[] = [
  { manufacturer: 'SIEMENS', model: 'SOMATOM Definition AS+', softwareVersions: 'syngo CT VA48A', sharpKernel: 'B70f', softKernel: 'B30f' },
  { manufacturer: 'GE MEDICAL SYSTEMS', model: 'Revolution CT', softwareVersions: 'revo_ct_22mw.40', sharpKernel: 'LUNG', softKernel: 'STANDARD' },
  { manufacturer: 'Philips', model: 'Brilliance 64', softwareVersions: ['4.1.6', '4.1.6.12250'], sharpKernel: 'YC', softKernel: 'B' },
  { manufacturer: 'TOSHIBA', model: 'Aquilion ONE', softwareVersions: 'V6.00ER008', sharpKernel: 'FC52', softKernel: 'FC08' },
];
const MR_SCANNERS: readonly Scanner[] = [
  { manufacturer: 'SIEMENS', model: 'Skyra', softwareVersions: 'syngo MR E11', fieldStrength: 3 },
  { manufacturer: 'GE MEDICAL SYSTEMS', model: 'SIGNA Premier', softwareVersions: ['28', 'LX', 'MR29.1_EA_2040.a'], fieldStrength: 3 },
  { manufacturer: 'Philips Medical Systems', model: 'Ingenia', softwareVersions: ['5.4.1', '5.4.1.0'], fieldStrength: 1.5 },
  { manufacturer: 'SIEMENS', model: 'Aera', softwareVersions: 'syngo MR E11', fieldStrength: 1.5 },
];
const PET_SCANNERS: readonly Scanner[] = [
  { manufacturer: 'GE MEDICAL SYSTEMS', model: 'Discovery 690', softwareVersions: ['40.02', 'pet_coreload.45'], softKernel: 'STANDARD' },
  { manufacturer: 'SIEMENS', model: 'Biograph64', softwareVersions: 'VG60A', softKernel: 'B19f' },
  { manufacturer: 'Philips Medical Systems', model: 'Vereos PET/CT', softwareVersions: '2.0.1', softKernel: 'B' },
];
const SEG_SOFTWARE: Scanner = { manufacturer: 'QIICR', model: 'dcmqi itkimage2segimage', softwareVersions: '1.2.5' };

const FAMILY_NAMES = ['Anderson', 'Okafor', 'Nguyen', 'Kowalski', 'García', 'Novak', 'Haddad', 'Schneider', 'Ivanova', 'Rossi', 'Larsen', 'Moreau', 'Tanaka', 'Brennan', 'Silva', 'Dubois', 'Fischer', 'Kim', 'Sørensen', "O'Neill"];
const GIVEN_NAMES = { F: ['Maria', 'Aiko', 'Elena', 'Fatima', 'Chloé', 'Ingrid', 'Grace', 'Hana', 'Amara', 'Léa'], M: ['James', 'Pedro', 'Samuel', 'Lukas', 'Noah', 'Omar', 'Mateo', 'Victor', 'Kwame', 'Björn'] } as const;
/** Names beyond Latin-1 for the UTF-8 collection. */
const UTF8_FAMILY_NAMES = ['Wiśniewska', 'Dvořák', 'Müller', 'Öztürk', 'Nowak', 'Şahin', 'Kovačević', 'Łukasik', 'Novotná', 'Żak'];
const UTF8_GIVEN_NAMES = { F: ['Zofia', 'Ayşe', 'Jitka', 'Małgorzata', 'Anežka'], M: ['Tomáš', 'Jürgen', 'Łukasz', 'Emre', 'Dražen'] } as const;
const DOG_NAMES = ['Buddy', 'Luna', 'Max', 'Bella'];
const DOG_BREEDS = ['Labrador Retriever', 'Golden Retriever', 'Rottweiler', 'Greyhound'];
const ETHNIC_GROUPS = ['White', 'Asian', 'Black', 'Hispanic', 'Other'];

/** YYYYMMDD from days since 1970-01-01 (UTC, so no time zone moves a date). */
function formatDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

function daysOf(yyyymmdd: string): number {
  return Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;
}

/** HHMMSS from seconds after midnight. */
function formatTime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join('');
}

function addMinutes(hhmmss: string, minutes: number): string {
  const seconds = Number(hhmmss.slice(0, 2)) * 3600 + Number(hhmmss.slice(2, 4)) * 60 + Number(hhmmss.slice(4, 6));
  return formatTime(Math.min(seconds + minutes * 60, 86_399));
}

function ageBetween(birth: string, at: string): string {
  const b = daysOf(birth);
  const a = daysOf(at);
  return `${String(Math.floor((a - b) / 365.25)).padStart(3, '0')}Y`;
}

interface PatientSeed {
  collection: string;
  index: number;
  rng: DemoRandom;
  patientId: string;
  sex: 'M' | 'F';
  species: Species;
  ageYears: number;
  firstStudyDay: number;
}

function patientSeed(collection: string, prefix: string, index: number, species: Species = HUMAN): PatientSeed {
  const rng = new DemoRandom(collection, index);
  const sex = rng.chance(0.5) ? 'F' : 'M';
  const ageYears = species === HUMAN ? rng.int(34, 84) : rng.int(4, 12);
  // Baseline studies between 2012-01-01 and 2021-12-31.
  const firstStudyDay = daysOf('20120101') + rng.int(0, 3652);
  return { collection, index, rng, patientId: `${prefix}-${String(index + 1).padStart(3, '0')}`, sex, species, ageYears, firstStudyDay };
}

function birthDateOf(seed: PatientSeed): string {
  return formatDate(seed.firstStudyDay - Math.floor(seed.ageYears * 365.25) - seed.rng.int(1, 360));
}

function humanName(rng: DemoRandom, sex: 'M' | 'F', utf8 = false): string {
  const family = rng.pick(utf8 ? UTF8_FAMILY_NAMES : FAMILY_NAMES);
  const given = rng.pick(utf8 ? UTF8_GIVEN_NAMES[sex] : GIVEN_NAMES[sex]);
  return `${family}^${given}`;
}

/** Study-level fields every collection shares. */
function baseStudy(
  seed: PatientSeed,
  birthDate: string,
  n: number,
  day: number,
  fields: Pick<DemoStudy, 'description' | 'admittingDiagnosis' | 'anatomy' | 'lesion' | 'longitudinal' | 'trial'>,
): Omit<DemoStudy, 'series'> {
  const { rng } = seed;
  const date = formatDate(day);
  const human = seed.species === HUMAN;
  return {
    uid: demoUid(seed.collection, seed.patientId, 'study', n),
    date,
    time: formatTime(rng.int(7 * 3600 + 1800, 17 * 3600)),
    studyId: String(rng.int(1000, 9999)),
    accessionNumber: `DA${String(rng.int(100000, 999999))}`,
    age: ageBetween(birthDate, date),
    frameOfReferenceUid: demoUid(seed.collection, seed.patientId, 'study', n, 'frame-of-reference'),
    weightKg: human ? rng.int(48, 105) : rng.int(18, 42),
    heightM: human ? rng.int(150, 195) / 100 : rng.int(50, 70) / 100,
    bodyScale: human ? 1 : 0.55,
    ...fields,
  };
}

function series(
  study: Omit<DemoStudy, 'series'>,
  number: number,
  fields: Omit<DemoSeries, 'uid' | 'number' | 'sopClassUid' | 'time' | 'fileCount'> & { minutesAfterStudy: number },
): DemoSeries {
  const { minutesAfterStudy, ...rest } = fields;
  return {
    uid: demoUid(study.uid, 'series', number),
    number,
    sopClassUid: SOP_CLASS[fields.modality],
    time: addMinutes(study.time, minutesAfterStudy),
    fileCount: fields.modality === 'SEG' ? 1 : fields.sliceCount,
    ...rest,
  };
}

function lungPatient(index: number): DemoPatient {
  const collection = 'DEMO-CT-LUNG';
  const seed = patientSeed(collection, 'LUNG', index);
  const { rng } = seed;
  const birthDate = birthDateOf(seed);
  const scanner = rng.pick(CT_SCANNERS);
  const side = rng.chance(0.5) ? 1 : -1;
  const lesion = { x: side * rng.int(50, 75), y: rng.int(-35, 10), z: rng.int(-6, 6), radius: rng.int(10, 17) };
  const diagnosis = rng.pick(['Lung nodule', 'Non-small cell lung carcinoma', 'Adenocarcinoma of lung']);
  const followUp = rng.chance(0.45);
  const days = [seed.firstStudyDay, ...(followUp ? [seed.firstStudyDay + rng.int(90, 400)] : [])];
  const studies = days.map((day, n) => {
    const study = baseStudy(seed, birthDate, n + 1, day, {
      description: n === 0 ? 'CT CHEST WO CONTRAST' : 'CT CHEST FOLLOW-UP',
      admittingDiagnosis: diagnosis,
      anatomy: 'chest',
      // The nodule grows a little between the scans.
      lesion: { ...lesion, radius: lesion.radius + n * rng.int(1, 3) },
      longitudinal: followUp ? { eventType: 'BASELINE', offsetDays: day - days[0]! } : null,
      trial: null,
    });
    const lung = series(study, 2, {
      modality: 'CT', description: 'Lung 2.5mm', protocolName: 'Chest Routine', bodyPart: 'CHEST', scanner,
      acquisitionNumber: 1, contrast: 'ct', sliceCount: 16, sliceThickness: 2.5, pixelSpacing: 5.46875,
      convolutionKernel: scanner.sharpKernel, minutesAfterStudy: 2,
    });
    const mediastinum = series(study, 3, {
      modality: 'CT', description: 'Mediastinum 5.0mm', protocolName: 'Chest Routine', bodyPart: 'CHEST', scanner,
      acquisitionNumber: 1, contrast: 'ct', sliceCount: 8, sliceThickness: 5, pixelSpacing: 5.46875,
      convolutionKernel: scanner.softKernel, minutesAfterStudy: 2,
    });
    const seg = series(study, 300, {
      modality: 'SEG', description: 'Nodule segmentation', protocolName: 'Chest Routine', bodyPart: 'CHEST',
      scanner: SEG_SOFTWARE, acquisitionNumber: 1, contrast: 'ct', sliceCount: lung.sliceCount,
      sliceThickness: lung.sliceThickness, pixelSpacing: lung.pixelSpacing, referencedSeriesUid: lung.uid,
      minutesAfterStudy: 45,
    });
    return { ...study, series: [lung, mediastinum, seg] };
  });
  return {
    collection, patientId: seed.patientId, patientName: humanName(rng, seed.sex), birthDate, sex: seed.sex,
    ethnicGroup: rng.chance(0.6) ? rng.pick(ETHNIC_GROUPS) : null, species: HUMAN, responsiblePerson: null, trial: null, studies,
  };
}

function brainPatient(index: number): DemoPatient {
  const collection = 'DEMO-MR-BRAIN';
  const seed = patientSeed(collection, 'BRAIN', index);
  const { rng } = seed;
  const birthDate = birthDateOf(seed);
  const scanner = rng.pick(MR_SCANNERS);
  const lesion = { x: rng.int(-40, 40), y: rng.int(-45, 35), z: rng.int(-10, 15), radius: rng.int(9, 18) };
  const diagnosis = rng.pick(['Glioblastoma', 'Brain mass', 'Low grade glioma']);
  const postOp = rng.chance(0.5);
  const days = [seed.firstStudyDay, ...(postOp ? [seed.firstStudyDay + rng.int(30, 270)] : [])];
  const t3 = (scanner.fieldStrength ?? 3) >= 3;
  const studies = days.map((day, n) => {
    const study = baseStudy(seed, birthDate, n + 1, day, {
      description: n === 0 ? 'MRI BRAIN W WO CONTRAST' : 'MRI BRAIN POST-OP',
      admittingDiagnosis: diagnosis,
      anatomy: 'head',
      // After resection a smaller residue remains.
      lesion: n === 0 ? lesion : { ...lesion, radius: Math.max(5, lesion.radius - 6) },
      longitudinal: postOp ? { eventType: 'BASELINE', offsetDays: day - days[0]! } : null,
      trial: null,
    });
    const common = { modality: 'MR' as const, protocolName: 'Brain Tumor', bodyPart: 'BRAIN', scanner, acquisitionNumber: 1, sliceCount: 10, sliceThickness: 5, pixelSpacing: 3.75 };
    return {
      ...study,
      series: [
        series(study, 3, {
          ...common, description: 'Ax T1 SE', contrast: 'T1', minutesAfterStudy: 4,
          mr: { scanningSequence: ['SE'], sequenceVariant: ['SK', 'SP'], acquisitionType: '2D', tr: t3 ? 600 : 500, te: t3 ? 9.1 : 12, flipAngle: 90, echoTrainLength: 1, sequenceName: 'se2d1' },
        }),
        series(study, 4, {
          ...common, description: 'Ax T2 FSE', contrast: 'T2', minutesAfterStudy: 8,
          mr: { scanningSequence: ['SE'], sequenceVariant: ['SK', 'SP', 'OSP'], acquisitionType: '2D', tr: 4000, te: 102, flipAngle: 150, echoTrainLength: 16, sequenceName: 'tse2d1_16' },
        }),
        series(study, 5, {
          ...common, description: 'Ax T2 FLAIR', contrast: 'FLAIR', minutesAfterStudy: 12,
          mr: { scanningSequence: ['SE', 'IR'], sequenceVariant: ['SK', 'SP', 'MP'], acquisitionType: '2D', tr: 9000, te: 120, ti: 2500, flipAngle: 150, echoTrainLength: 20, sequenceName: 'tir2d1_20' },
        }),
        series(study, 7, {
          ...common, description: 'Ax T1 SE POST GD', contrast: 'T1C', contrastAgent: 'Gadobutrol', minutesAfterStudy: 20,
          mr: { scanningSequence: ['SE'], sequenceVariant: ['SK', 'SP'], acquisitionType: '2D', tr: t3 ? 600 : 500, te: t3 ? 9.1 : 12, flipAngle: 90, echoTrainLength: 1, sequenceName: 'se2d1' },
        }),
      ],
    };
  });
  return {
    collection, patientId: seed.patientId, patientName: humanName(rng, seed.sex, true), birthDate, sex: seed.sex,
    ethnicGroup: null, species: HUMAN, responsiblePerson: null, trial: null, studies,
  };
}

function petCtPatient(index: number): DemoPatient {
  const collection = 'DEMO-PET-CT';
  const seed = patientSeed(collection, 'PETCT', index);
  const { rng } = seed;
  const birthDate = birthDateOf(seed);
  const scanner = rng.pick(PET_SCANNERS);
  const site = rng.chance(0.5) ? { siteId: '01', siteName: 'Demo University Hospital' } : { siteId: '02', siteName: 'Demo Cancer Center' };
  const lesion = { x: rng.int(-60, 60), y: rng.int(-40, 30), z: rng.int(-10, 10), radius: rng.int(12, 22) };
  const enrolment = seed.firstStudyDay - rng.int(3, 14);
  const days = [seed.firstStudyDay, seed.firstStudyDay + rng.int(70, 110)];
  const studies = days.map((day, n) => {
    const study = baseStudy(seed, birthDate, n + 1, day, {
      description: 'PET/CT WHOLE BODY FDG',
      admittingDiagnosis: rng.pick(['Diffuse large B-cell lymphoma', 'Hodgkin lymphoma', 'Non-small cell lung carcinoma']),
      anatomy: 'wholebody',
      // Treatment response: the lesion shrinks by follow-up.
      lesion: n === 0 ? lesion : { ...lesion, radius: Math.max(6, Math.round(lesion.radius * 0.6)) },
      longitudinal: { eventType: 'ENROLLMENT', offsetDays: day - enrolment },
      trial: n === 0 ? { timePointId: 'BASELINE', timePointDescription: 'Pre-treatment staging' } : { timePointId: 'FOLLOWUP-1', timePointDescription: 'Interim response assessment after two cycles' },
    });
    const common = { bodyPart: 'WHOLEBODY', protocolName: 'PET/CT FDG Whole Body', scanner, acquisitionNumber: 1, sliceCount: 10, pixelSpacing: 9.375 };
    return {
      ...study,
      series: [
        series(study, 2, { ...common, modality: 'CT', description: 'CTAC 3.75mm', contrast: 'ct', sliceThickness: 3.75, convolutionKernel: scanner.softKernel, minutesAfterStudy: 1 }),
        series(study, 3, { ...common, modality: 'PT', description: 'PET WB AC', contrast: 'pet-ac', sliceThickness: 3.27, minutesAfterStudy: 4 }),
        series(study, 4, { ...common, modality: 'PT', description: 'PET WB NAC', contrast: 'pet-nac', sliceThickness: 3.27, minutesAfterStudy: 4 }),
      ],
    };
  });
  return {
    collection, patientId: seed.patientId, patientName: humanName(rng, seed.sex), birthDate, sex: seed.sex,
    ethnicGroup: rng.chance(0.5) ? rng.pick(ETHNIC_GROUPS) : null, species: HUMAN, responsiblePerson: null,
    trial: { sponsor: 'Demo Oncology Group', protocolId: 'DOG-PETCT-01', protocolName: 'FDG PET response assessment (demo)', ...site },
    studies,
  };
}

function restrictedPatient(index: number, canine: boolean): DemoPatient {
  const collection = 'DEMO-RESTRICTED';
  const seed = patientSeed(collection, 'RSTR', index, canine ? DOG : HUMAN);
  const { rng } = seed;
  const birthDate = birthDateOf(seed);
  const ctScanner = rng.pick(CT_SCANNERS);
  if (canine) {
    const lesion = { x: rng.int(-30, 30), y: rng.int(-25, 10), z: rng.int(-5, 5), radius: rng.int(6, 10) };
    const study = baseStudy(seed, birthDate, 1, seed.firstStudyDay, {
      description: 'CT THORAX CANINE', admittingDiagnosis: 'Osteosarcoma, staging for pulmonary metastases',
      anatomy: 'chest', lesion, longitudinal: null, trial: null,
    });
    const dogName = rng.pick(DOG_NAMES);
    const owner = rng.pick(FAMILY_NAMES);
    return {
      collection, patientId: seed.patientId, patientName: `${owner}^${dogName}`, birthDate, sex: seed.sex, ethnicGroup: null,
      species: { ...DOG, breed: rng.pick(DOG_BREEDS) }, responsiblePerson: `${owner}^${rng.pick(GIVEN_NAMES.F)}`, trial: null,
      studies: [{
        ...study,
        series: [series(study, 2, {
          modality: 'CT', description: 'Thorax 2.0mm', protocolName: 'Canine Thorax', bodyPart: 'CHEST', scanner: ctScanner,
          acquisitionNumber: 1, contrast: 'ct', sliceCount: 12, sliceThickness: 2, pixelSpacing: 3.125, convolutionKernel: ctScanner.sharpKernel,
          minutesAfterStudy: 3,
        })],
      }],
    };
  }
  const lesion = { x: rng.int(-75, -40), y: rng.int(-25, 15), z: rng.int(-8, 8), radius: rng.int(15, 26) };
  const diagnosis = rng.pick(['Hepatocellular carcinoma', 'Liver metastases', 'Renal mass']);
  const withMr = rng.chance(0.55);
  const days = [seed.firstStudyDay, ...(withMr ? [seed.firstStudyDay + rng.int(5, 40)] : [])];
  const studies = days.map((day, n) => {
    const study = baseStudy(seed, birthDate, n + 1, day, {
      description: n === 0 ? 'CT ABDOMEN PELVIS W CONTRAST' : 'MRI ABDOMEN W WO CONTRAST',
      admittingDiagnosis: diagnosis, anatomy: 'abdomen', lesion, longitudinal: null, trial: null,
    });
    if (n === 0) {
      return {
        ...study,
        series: [
          series(study, 2, {
            modality: 'CT', description: 'Portal venous 5.0mm', protocolName: 'Abdomen Pelvis Contrast', bodyPart: 'ABDOMEN', scanner: ctScanner,
            acquisitionNumber: 2, contrast: 'ct', sliceCount: 12, sliceThickness: 5, pixelSpacing: 6.25, convolutionKernel: ctScanner.softKernel,
            contrastAgent: 'Iohexol', minutesAfterStudy: 3,
          }),
        ],
      };
    }
    const mrScanner = rng.pick(MR_SCANNERS);
    const common = { modality: 'MR' as const, protocolName: 'Liver', bodyPart: 'ABDOMEN', scanner: mrScanner, acquisitionNumber: 1, sliceCount: 10, sliceThickness: 6, pixelSpacing: 6.25 };
    return {
      ...study,
      series: [
        series(study, 4, {
          ...common, description: 'Ax T2 HASTE', contrast: 'T2', minutesAfterStudy: 5,
          mr: { scanningSequence: ['SE'], sequenceVariant: ['SK', 'SS'], acquisitionType: '2D', tr: 1400, te: 91, flipAngle: 160, echoTrainLength: 128, sequenceName: 'haste' },
        }),
        series(study, 6, {
          ...common, description: 'Ax T1 VIBE POST', contrast: 'T1C', contrastAgent: 'Gadoxetate', minutesAfterStudy: 15,
          mr: { scanningSequence: ['GR'], sequenceVariant: ['SP', 'SK'], acquisitionType: '3D', tr: 3.9, te: 1.9, flipAngle: 9, echoTrainLength: 1, sequenceName: 'fl3d1' },
        }),
      ],
    };
  });
  return {
    collection, patientId: seed.patientId, patientName: humanName(rng, seed.sex), birthDate, sex: seed.sex,
    ethnicGroup: rng.chance(0.5) ? rng.pick(ETHNIC_GROUPS) : null, species: HUMAN, responsiblePerson: null, trial: null, studies,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The whole demo archive, the same on every call. */
export function planDemoArchive(): DemoCollectionPlan[] {
  const plans: Record<string, DemoCollectionPlan> = {
    'DEMO-CT-LUNG': { name: 'DEMO-CT-LUNG', characterSet: 'ISO_IR 100', patients: range(12).map(lungPatient) },
    'DEMO-MR-BRAIN': { name: 'DEMO-MR-BRAIN', characterSet: 'ISO_IR 192', patients: range(10).map(brainPatient) },
    'DEMO-PET-CT': { name: 'DEMO-PET-CT', characterSet: 'ISO_IR 100', patients: range(10).map(petCtPatient) },
    // The last two subjects of the restricted collection are dogs (comparative oncology).
    'DEMO-RESTRICTED': { name: 'DEMO-RESTRICTED', characterSet: 'ISO_IR 100', patients: range(8).map((i) => restrictedPatient(i, i >= 6)) },
  };
  return DEMO_COLLECTIONS.map((c) => {
    const plan = plans[c.name];
    if (!plan) throw new Error(`no plan for demo collection ${c.name}`);
    return plan;
  });
}

/** Files the plan will produce, without making them (for progress bars). */
export function countDemoFiles(plans: DemoCollectionPlan[]): number {
  let n = 0;
  for (const c of plans) for (const p of c.patients) for (const s of p.studies) for (const se of s.series) n += se.fileCount;
  return n;
}
