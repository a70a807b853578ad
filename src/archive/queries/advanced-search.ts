// The portal's "simple search" (spec §7.4): patients having at least one visible series
// that satisfies every criterion at once, each with the studies and series that matched,
// plus facet counts (patients per body part, modality, collection and species) over the
// whole result. Series-level criteria go to SQL; the per-patient ones (minimum number of
// studies, all modalities present) are applied to the grouped result.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { AccessScope } from '../access.js';
import { seriesWithParents } from './columns.js';
import { compareBytes } from './filters.js';
import { DEFAULT_SPECIES_CODE, NOT_SPECIFIED } from './advanced-counts.js';

export interface NumberRange {
  from?: number;
  to?: number;
}

/** Inclusive `YYYY-MM-DD` bounds; either may be open. */
export interface DateRange {
  from?: string;
  to?: string;
}

/** What the search asks for. Values within one list are alternatives (OR); the lists combine with AND. */
export interface SearchCriteria {
  collections: string[];
  species: string[];
  modalities: string[];
  bodyParts: string[];
  manufacturers: string[];
  models: string[];
  softwareVersions: string[];
  patients: string[];
  studies: string[];
  series: string[];
  patientSexes: string[];
  /** Case-insensitive substrings of the series or the study description. */
  descriptions: string[];
  /** Study date ranges; a series' study must fall in every one given. */
  studyDates: DateRange[];
  pixelSpacing?: NumberRange;
  sliceThickness?: NumberRange;
  /** true: phantoms only; false: no phantoms. */
  phantom?: boolean;
  /** true: third-party analyses only; false: none of them. */
  thirdPartyAnalysis?: boolean;
  /** Every modality of `modalities` must be among a patient's matching series. */
  modalityAnded: boolean;
  minStudies?: number;
  minStudyDates?: number;
}

export function emptyCriteria(): SearchCriteria {
  return {
    collections: [], species: [], modalities: [], bodyParts: [], manufacturers: [], models: [], softwareVersions: [],
    patients: [], studies: [], series: [], patientSexes: [], descriptions: [], studyDates: [], modalityAnded: false,
  };
}

export type SortField = 'collection' | 'subject' | 'studies' | 'series';

export interface StudyHit {
  studyPk: number;
  studyInstanceUid: string;
  studyDate: string | null;
  series: Array<{ seriesPk: number; seriesInstanceUid: string; modality: string }>;
}

export interface PatientHit {
  patientPk: number;
  subjectId: string;
  collection: string;
  studies: StudyHit[];
  seriesCount: number;
  modalities: string[];
  bodyParts: string[];
  species: string[];
}

export interface Facet {
  value: string;
  count: number;
}

export interface SearchResult {
  /** Every matching patient, sorted; the caller pages. */
  patients: PatientHit[];
  bodyParts: Facet[];
  modalities: Facet[];
  collections: Facet[];
  species: Facet[];
}

const ref = (column: string) => sql.ref(column);

/** `upper(column) IN (upper(v1), ...)`: both sides through the database's upper(). */
function inIgnoringCase(column: string, values: string[]): Expression<SqlBool> {
  return sql<SqlBool>`upper(${ref(column)}) in (${sql.join(values.map((v) => sql`upper(${v})`))})`;
}

function inExactly(column: string, values: string[]): Expression<SqlBool> {
  return sql<SqlBool>`${ref(column)} in (${sql.join(values)})`;
}

/** A LIKE pattern matching `text` anywhere, with the pattern characters escaped. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function whereClauses(c: SearchCriteria): Array<Expression<SqlBool>> {
  const w: Array<Expression<SqlBool>> = [];
  if (c.collections.length) w.push(inIgnoringCase('collection.name', c.collections));
  if (c.species.length) {
    w.push(sql<SqlBool>`coalesce(nullif(${ref('patient.species_code')}, ${sql.lit('')}), ${sql.lit(DEFAULT_SPECIES_CODE)}) in (${sql.join(c.species)})`);
  }
  if (c.modalities.length) w.push(inIgnoringCase('series.modality', c.modalities));
  if (c.bodyParts.length) {
    const named = c.bodyParts.filter((b) => b.toUpperCase() !== NOT_SPECIFIED);
    const alternatives: Array<Expression<SqlBool>> = [];
    if (named.length) alternatives.push(inIgnoringCase('series.body_part_examined', named));
    // "NOT SPECIFIED" is how the counts show series without a body part; it selects them.
    if (named.length < c.bodyParts.length) alternatives.push(sql<SqlBool>`${ref('series.body_part_examined')} is null`);
    w.push(sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`);
  }
  if (c.manufacturers.length) w.push(inExactly('series.manufacturer', c.manufacturers));
  if (c.models.length) w.push(inExactly('series.manufacturer_model_name', c.models));
  if (c.softwareVersions.length) w.push(inExactly('series.software_versions', c.softwareVersions));
  if (c.patients.length) w.push(inIgnoringCase('patient.patient_id', c.patients));
  if (c.studies.length) w.push(inExactly('study.study_instance_uid', c.studies));
  if (c.series.length) w.push(inExactly('series.series_instance_uid', c.series));
  if (c.patientSexes.length) w.push(inIgnoringCase('patient.patient_sex', c.patientSexes));
  if (c.descriptions.length) {
    const any = c.descriptions.flatMap((d) => {
      const p = containsPattern(d);
      return [
        sql<SqlBool>`lower(${ref('series.series_description')}) like ${p} escape ${sql.lit('\\')}`,
        sql<SqlBool>`lower(${ref('study.study_description')}) like ${p} escape ${sql.lit('\\')}`,
      ];
    });
    w.push(sql<SqlBool>`(${sql.join(any, sql` or `)})`);
  }
  for (const r of c.studyDates) {
    if (r.from !== undefined) w.push(sql<SqlBool>`${ref('study.study_date')} >= ${r.from}`);
    if (r.to !== undefined) w.push(sql<SqlBool>`${ref('study.study_date')} <= ${r.to}`);
  }
  for (const [column, range] of [['series.pixel_spacing_row', c.pixelSpacing], ['series.slice_thickness', c.sliceThickness]] as const) {
    if (range?.from !== undefined) w.push(sql<SqlBool>`${ref(column)} >= ${range.from}`);
    if (range?.to !== undefined) w.push(sql<SqlBool>`${ref(column)} <= ${range.to}`);
  }
  if (c.phantom !== undefined) {
    w.push(c.phantom ? sql<SqlBool>`upper(${ref('patient.phantom')}) = ${sql.lit('YES')}` : sql<SqlBool>`coalesce(upper(${ref('patient.phantom')}), ${sql.lit('NO')}) <> ${sql.lit('YES')}`);
  }
  if (c.thirdPartyAnalysis !== undefined) {
    w.push(
      c.thirdPartyAnalysis
        ? sql<SqlBool>`upper(${ref('series.third_party_analysis')}) = ${sql.lit('YES')}`
        : sql<SqlBool>`coalesce(upper(${ref('series.third_party_analysis')}), ${sql.lit('NO')}) <> ${sql.lit('YES')}`,
    );
  }
  return w;
}

interface MatchRow {
  seriesPk: number;
  seriesInstanceUid: string;
  modality: string;
  bodyPart: string | null;
  studyPk: number;
  studyInstanceUid: string;
  studyDate: string | null;
  patientPk: number;
  subjectId: string;
  speciesCode: string | null;
  collection: string;
}

/** Runs the search for the viewer and returns every matching patient, sorted by `sortField`. */
export async function simpleSearch(scope: AccessScope, c: SearchCriteria, sortField: SortField, ascending: boolean): Promise<SearchResult> {
  let q = seriesWithParents(scope).select([
      'series.id as seriesPk',
      'series.series_instance_uid as seriesInstanceUid',
      'series.modality as modality',
      'series.body_part_examined as bodyPart',
      'study.id as studyPk',
      'study.study_instance_uid as studyInstanceUid',
      'study.study_date as studyDate',
      'patient.id as patientPk',
      'patient.patient_id as subjectId',
      'patient.species_code as speciesCode',
      'collection.name as collection',
    ]);
  for (const clause of whereClauses(c)) q = q.where(clause);
  const rows = (await q.orderBy('patient.id').orderBy('study.id').orderBy('series.id').execute()) as MatchRow[];

  const byPatient = new Map<number, { hit: PatientHit; studies: Map<number, StudyHit>; modalities: Set<string>; bodyParts: Set<string>; species: Set<string> }>();
  for (const r of rows) {
    const patientPk = Number(r.patientPk);
    let p = byPatient.get(patientPk);
    if (!p) {
      p = {
        hit: { patientPk, subjectId: r.subjectId, collection: r.collection, studies: [], seriesCount: 0, modalities: [], bodyParts: [], species: [] },
        studies: new Map(),
        modalities: new Set(),
        bodyParts: new Set(),
        species: new Set(),
      };
      byPatient.set(patientPk, p);
    }
    const studyPk = Number(r.studyPk);
    let s = p.studies.get(studyPk);
    if (!s) {
      s = { studyPk, studyInstanceUid: r.studyInstanceUid, studyDate: r.studyDate, series: [] };
      p.studies.set(studyPk, s);
      p.hit.studies.push(s);
    }
    s.series.push({ seriesPk: Number(r.seriesPk), seriesInstanceUid: r.seriesInstanceUid, modality: r.modality });
    p.hit.seriesCount++;
    p.modalities.add(r.modality);
    p.bodyParts.add(r.bodyPart === null ? NOT_SPECIFIED : r.bodyPart.toUpperCase());
    p.species.add(r.speciesCode || DEFAULT_SPECIES_CODE);
  }

  const wantedModalities = c.modalities.map((m) => m.toUpperCase());
  const patients: PatientHit[] = [];
  for (const p of byPatient.values()) {
    if (c.minStudies !== undefined && p.hit.studies.length < c.minStudies) continue;
    if (c.minStudyDates !== undefined && new Set(p.hit.studies.map((s) => s.studyDate)).size < c.minStudyDates) continue;
    if (c.modalityAnded) {
      const has = new Set([...p.modalities].map((m) => m.toUpperCase()));
      if (!wantedModalities.every((m) => has.has(m))) continue;
    }
    p.hit.modalities = [...p.modalities].sort(compareBytes);
    p.hit.bodyParts = [...p.bodyParts].sort(compareBytes);
    p.hit.species = [...p.species].sort(compareBytes);
    patients.push(p.hit);
  }

  patients.sort(comparePatients(sortField, ascending));
  return {
    patients,
    bodyParts: facet(patients, (p) => p.bodyParts),
    modalities: facet(patients, (p) => p.modalities),
    collections: facet(patients, (p) => [p.collection]),
    species: facet(patients, (p) => p.species),
  };
}

function comparePatients(field: SortField, ascending: boolean): (a: PatientHit, b: PatientHit) => number {
  const key = (a: PatientHit, b: PatientHit): number => {
    switch (field) {
      case 'collection':
        return compareBytes(a.collection.toUpperCase(), b.collection.toUpperCase());
      case 'subject':
        return compareBytes(a.subjectId.toUpperCase(), b.subjectId.toUpperCase());
      case 'studies':
        return a.studies.length - b.studies.length;
      case 'series':
        return a.seriesCount - b.seriesCount;
    }
  };
  // Ties keep a fixed order (collection, subject, then the index's own order), whatever the direction.
  const tie = (a: PatientHit, b: PatientHit) =>
    compareBytes(a.collection, b.collection) || compareBytes(a.subjectId, b.subjectId) || a.patientPk - b.patientPk;
  return (a, b) => (ascending ? key(a, b) : -key(a, b)) || tie(a, b);
}

/** Patients per value, in byte order of the value. */
function facet(patients: PatientHit[], values: (p: PatientHit) => string[]): Facet[] {
  const counts = new Map<string, number>();
  for (const p of patients) for (const v of values(p)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => compareBytes(a.value, b.value));
}
