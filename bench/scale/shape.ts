// The shape of an NLST-size index, from one number: how many images. NLST holds about
// 26,000 patients, 200,000 series and 21 million images in one collection: about 8 series
// a patient (over 3 screening rounds, one study each) and so about 105 images a series,
// 800 a patient. A few small collections beside it give the value lists something to list.

export const IMAGES_PER_SERIES = 105;
export const SERIES_PER_PATIENT = 8;
export const STUDIES_PER_PATIENT = 3;
/** The collection that holds nearly everything (200,000 series at 21M images). */
export const BIG_COLLECTION = 'NLST-SCALE';
export const SMALL_COLLECTIONS = ['SCALE-MR', 'SCALE-PT', 'SCALE-CR'] as const;
/** Patients in each small collection, at most. */
const SMALL_PATIENTS = 20;

export interface CollectionPlan {
  name: string;
  modality: string;
  patients: number;
}

export interface ScalePlan {
  images: number;
  series: number;
  patients: number;
  collections: CollectionPlan[];
}

export function planScale(images: number): ScalePlan {
  const patients = Math.max(SMALL_COLLECTIONS.length + 1, Math.round(images / (IMAGES_PER_SERIES * SERIES_PER_PATIENT)));
  const small = Math.min(SMALL_PATIENTS, Math.floor(patients / 20));
  const collections: CollectionPlan[] = [
    { name: BIG_COLLECTION, modality: 'CT', patients: patients - small * SMALL_COLLECTIONS.length },
    ...SMALL_COLLECTIONS.map((name, i) => ({ name, modality: ['MR', 'PT', 'CR'][i]!, patients: small })),
  ].filter((c) => c.patients > 0);
  return { images, series: patients * SERIES_PER_PATIENT, patients, collections };
}

/** Images of series number `s` (0-based) out of `series`, spreading `images` evenly: the counts add up to `images` exactly. */
export function imagesOfSeries(s: number, series: number, images: number): number {
  return Math.floor((images * (s + 1)) / series) - Math.floor((images * s) / series);
}

// UIDs under a root of their own, so they never meet a real archive's.
const ROOT = '1.2.826.0.1.3680043.9.7433';
export const patientIdOf = (p: number) => `SCALE-${String(p).padStart(6, '0')}`;
/**
 * Patient numbers in UIDs start at 1,000,000, so they all have the same width and text
 * order is creation order: the unique indexes on UIDs then grow at their end, as with
 * time-based UIDs, instead of taking inserts all over a b-tree larger than the cache.
 */
const uidPatient = (p: number) => 1_000_000 + p;
export const studyUidOf = (p: number, st: number) => `${ROOT}.1.${uidPatient(p)}.${st}`;
export const seriesUidOf = (p: number, se: number) => `${ROOT}.2.${uidPatient(p)}.${se}`;

export const MANUFACTURERS = ['GE MEDICAL SYSTEMS', 'SIEMENS', 'Philips', 'TOSHIBA'] as const;
export const MODELS = ['LightSpeed16', 'Sensation 16', 'MX8000', 'Aquilion'] as const;
/** NLST leaves many body parts empty; the rest say CHEST (and a few LUNG). */
export const bodyPartOf = (p: number, se: number): string | null => (se % 4 === 3 ? null : (p + se) % 17 === 0 ? 'LUNG' : 'CHEST');

/** Release days spread over 2009–2014, one per patient, so getUpdatedSeries can ask for the last few percent. */
export function releaseDayOf(p: number, patients: number): string {
  const start = Date.UTC(2009, 0, 1);
  const span = Date.UTC(2014, 11, 31) - start;
  return new Date(start + Math.floor((span * p) / Math.max(1, patients))).toISOString().slice(0, 10);
}
