// Small but plausible pixels: a cross-section drawn from ellipses (body, lungs, heart,
// spine, brain, liver, ...) in millimetres, with a spherical lesion whose size changes
// between studies, the values of the modality (CT Hounsfield units, MR signal, PET
// activity) and a little seeded noise. The SEG mask uses the same lesion, so it overlays.
import type { DemoSeries, DemoStudy, Lesion } from './plan.js';
import { DemoRandom } from './uids.js';

export const MATRIX = 64;

/** Where the slab of each anatomy sits along the table (mm), so slice locations look like real ones. */
const TABLE_OFFSET: Record<DemoStudy['anatomy'], number> = { chest: -135, head: 45, wholebody: -160, abdomen: -260 };

/** Patient z (mm) of a slice: instance 1 is the most superior, spacing = slice thickness. */
export function sliceZ(study: DemoStudy, series: DemoSeries, index: number): number {
  return round3(TABLE_OFFSET[study.anatomy] + ((series.sliceCount - 1) / 2 - index) * series.sliceThickness);
}

/** Patient x/y (mm) of the centre of the first pixel. */
export function firstPixelPosition(series: DemoSeries): [number, number] {
  const p = round3(-((MATRIX - 1) / 2) * series.pixelSpacing);
  return [p, p];
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Position of a point relative to the slab centre, as the pattern functions take it. */
interface Point {
  x: number;
  y: number;
  z: number;
}

const inEllipse = (p: Point, cx: number, cy: number, a: number, b: number) => ((p.x - cx) / a) ** 2 + ((p.y - cy) / b) ** 2 <= 1;
const inLesion = (p: Point, l: Lesion, grow = 0) => (p.x - l.x) ** 2 + (p.y - l.y) ** 2 + (p.z - l.z) ** 2 <= (l.radius + grow) ** 2;

/** Chest CT in HU; `s` scales the body (a dog is smaller). */
function chestHu(p: Point, lesion: Lesion, s: number): number {
  if (!inEllipse(p, 0, 0, 160 * s, 115 * s)) return -1000;
  if (inLesion(p, lesion)) return 35;
  if (inEllipse(p, 0, 70 * s, 17 * s, 17 * s)) return inEllipse(p, 0, 70 * s, 12 * s, 12 * s) ? 350 : 750;
  if (inEllipse(p, 15 * s, 45 * s, 12 * s, 12 * s)) return 50;
  if (inEllipse(p, 15 * s, -25 * s, 45 * s, 40 * s)) return 45;
  if (inEllipse(p, 60 * s, -5 * s, 50 * s, 80 * s) || inEllipse(p, -60 * s, -5 * s, 50 * s, 80 * s)) return -860;
  if (!inEllipse(p, 0, 0, 145 * s, 100 * s)) return -90;
  return 40;
}

function abdomenHu(p: Point, lesion: Lesion, contrast: boolean): number {
  if (!inEllipse(p, 0, 0, 170, 125)) return -1000;
  if (inEllipse(p, 0, 75, 18, 18)) return inEllipse(p, 0, 75, 13, 13) ? 300 : 750;
  if (inEllipse(p, 8, 40, 11, 11)) return contrast ? 180 : 45;
  if (inEllipse(p, 60, 45, 22, 22) || inEllipse(p, -60, 45, 22, 22)) return contrast ? 180 : 35;
  if (inEllipse(p, -55, -5, 75, 65)) return inLesion(p, lesion) ? 45 : contrast ? 110 : 60;
  if (inEllipse(p, 80, 20, 30, 40)) return contrast ? 110 : 50;
  if (!inEllipse(p, 0, 0, 150, 105)) return -100;
  return 40;
}

type MrWeight = 'T1' | 'T2' | 'FLAIR' | 'T1C';
const BRAIN_SIGNAL: Record<MrWeight, { scalp: number; grey: number; white: number; csf: number; tumour: number; rim: number; edema: number }> = {
  T1: { scalp: 800, grey: 450, white: 650, csf: 120, tumour: 350, rim: 350, edema: 500 },
  T2: { scalp: 500, grey: 650, white: 450, csf: 1100, tumour: 900, rim: 900, edema: 800 },
  FLAIR: { scalp: 400, grey: 600, white: 450, csf: 90, tumour: 850, rim: 850, edema: 950 },
  T1C: { scalp: 800, grey: 450, white: 650, csf: 120, tumour: 300, rim: 1150, edema: 500 },
};

function headMr(p: Point, lesion: Lesion, weight: MrWeight): number {
  const v = BRAIN_SIGNAL[weight];
  // The head narrows towards the vertex.
  const f = Math.sqrt(Math.max(0, 1 - (p.z / 110) ** 2));
  if (!inEllipse(p, 0, 0, 75 * f, 92 * f)) return 0;
  if (!inEllipse(p, 0, 0, 69 * f, 86 * f)) return v.scalp;
  if (!inEllipse(p, 0, 0, 63 * f, 80 * f)) return 30; // skull
  if (inLesion(p, lesion)) return inLesion(p, { ...lesion, radius: lesion.radius - 3 }) ? v.tumour : v.rim;
  if (inEllipse(p, 12, -5, 6, 22) || inEllipse(p, -12, -5, 6, 22)) return v.csf;
  if (!inEllipse(p, 0, 0, 55 * f, 72 * f)) return v.grey;
  if (inLesion(p, lesion, 10)) return v.edema;
  return v.white;
}

const ABDOMEN_SIGNAL: Record<'T2' | 'T1C', { fat: number; muscle: number; liver: number; spleen: number; kidney: number; lesion: number; bone: number; aorta: number }> = {
  T2: { fat: 700, muscle: 250, liver: 200, spleen: 450, kidney: 500, lesion: 750, bone: 300, aorta: 40 },
  T1C: { fat: 800, muscle: 350, liver: 600, spleen: 500, kidney: 700, lesion: 250, bone: 400, aorta: 900 },
};

function abdomenMr(p: Point, lesion: Lesion, weight: 'T2' | 'T1C'): number {
  const v = ABDOMEN_SIGNAL[weight];
  if (!inEllipse(p, 0, 0, 170, 125)) return 0;
  if (inEllipse(p, 0, 75, 18, 18)) return v.bone;
  if (inEllipse(p, 8, 40, 11, 11)) return v.aorta;
  if (inEllipse(p, 60, 45, 22, 22) || inEllipse(p, -60, 45, 22, 22)) return v.kidney;
  if (inEllipse(p, -55, -5, 75, 65)) return inLesion(p, lesion) ? v.lesion : v.liver;
  if (inEllipse(p, 80, 20, 30, 40)) return v.spleen;
  if (!inEllipse(p, 0, 0, 150, 105)) return v.fat;
  return v.muscle;
}

/** FDG uptake as SUV, on the same layout as the chest CT. */
function wholeBodySuv(p: Point, lesion: Lesion): number {
  if (!inEllipse(p, 0, 0, 160, 115)) return 0;
  if (inLesion(p, lesion)) return 9;
  if (inEllipse(p, 0, 70, 17, 17)) return 1.6;
  if (inEllipse(p, 15, -25, 45, 40)) return 3.5;
  if (inEllipse(p, 60, -5, 50, 80) || inEllipse(p, -60, -5, 50, 80)) return 0.4;
  if (!inEllipse(p, 0, 0, 145, 100)) return 0.3;
  return 0.8;
}

export interface Slice {
  /** Rows × Columns unsigned 16-bit values, little endian. */
  pixels: Buffer;
  /** Rescale Slope of this slice (PET scales each slice to its maximum). */
  rescaleSlope: number;
  rescaleIntercept: number;
}

/** Administered activity (Bq) of the demo's FDG injections. */
export const FDG_DOSE_BQ = 370_000_000;

/** The stored pixel values of one slice. */
export function renderSlice(study: DemoStudy, series: DemoSeries, index: number): Slice {
  const rng = new DemoRandom(series.uid, index);
  const zRelative = sliceZ(study, series, index) - TABLE_OFFSET[study.anatomy];
  const values = new Float64Array(MATRIX * MATRIX);
  for (let row = 0; row < MATRIX; row++) {
    for (let col = 0; col < MATRIX; col++) {
      const p = { x: (col - (MATRIX - 1) / 2) * series.pixelSpacing, y: (row - (MATRIX - 1) / 2) * series.pixelSpacing, z: zRelative };
      values[row * MATRIX + col] = sample(study, series, p, rng);
    }
  }
  const pixels = Buffer.alloc(MATRIX * MATRIX * 2);
  if (series.modality === 'PT') {
    let max = 0;
    for (const v of values) max = Math.max(max, v);
    // Per-slice slope so the brightest voxel uses most of the 16 bits, as scanners do.
    const slope = max > 0 ? Number((max / 32000).toPrecision(6)) : 1;
    values.forEach((v, i) => pixels.writeUInt16LE(Math.min(65535, Math.max(0, Math.round(v / slope))), i * 2));
    return { pixels, rescaleSlope: slope, rescaleIntercept: 0 };
  }
  const intercept = series.modality === 'CT' ? -1024 : 0;
  values.forEach((v, i) => pixels.writeUInt16LE(Math.min(4095, Math.max(0, Math.round(v - intercept))), i * 2));
  return { pixels, rescaleSlope: 1, rescaleIntercept: intercept };
}

function sample(study: DemoStudy, series: DemoSeries, p: Point, rng: DemoRandom): number {
  const lesion = study.lesion;
  switch (series.contrast) {
    case 'ct': {
      const hu = study.anatomy === 'abdomen' ? abdomenHu(p, lesion, Boolean(series.contrastAgent)) : chestHu(p, lesion, study.bodyScale);
      // Thicker slices average more and look smoother.
      return hu + rng.noise(hu <= -999 ? 4 : 30 / Math.sqrt(series.sliceThickness));
    }
    case 'T1':
    case 'T2':
    case 'FLAIR':
    case 'T1C': {
      const signal =
        study.anatomy === 'head' ? headMr(p, lesion, series.contrast) : abdomenMr(p, lesion, series.contrast === 'T2' ? 'T2' : 'T1C');
      return Math.abs(signal + rng.noise(18));
    }
    case 'pet-ac':
    case 'pet-nac': {
      let suv = wholeBodySuv(p, lesion);
      // Without attenuation correction the centre of the body looks darker and the skin brighter.
      if (series.contrast === 'pet-nac' && suv > 0) suv *= 0.35 + 0.65 * Math.min(1, Math.hypot(p.x / 160, p.y / 115));
      const activity = (suv * FDG_DOSE_BQ) / (study.weightKg * 1000);
      return Math.max(0, activity * (1 + rng.noise(0.12)));
    }
  }
}

/** The lesion mask of one slice of a series, one byte (0/1) per pixel. */
export function lesionMask(study: DemoStudy, series: DemoSeries, index: number): Uint8Array {
  const z = sliceZ(study, series, index) - TABLE_OFFSET[study.anatomy];
  const mask = new Uint8Array(MATRIX * MATRIX);
  for (let row = 0; row < MATRIX; row++) {
    for (let col = 0; col < MATRIX; col++) {
      const p = { x: (col - (MATRIX - 1) / 2) * series.pixelSpacing, y: (row - (MATRIX - 1) / 2) * series.pixelSpacing, z };
      mask[row * MATRIX + col] = inLesion(p, study.lesion) ? 1 : 0;
    }
  }
  return mask;
}
