// The portal's "simple search" (spec §7.4): patients having at least one visible series
// that satisfies every criterion at once, each with the studies and series that matched,
// plus facet counts (patients per body part, modality, collection and species) over the
// whole result. Series-level criteria go to SQL; the per-patient ones (minimum number of
// studies, all modalities present) are applied to the grouped result.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { AccessScope } from '../access.js';
import { seriesWithParents } from './columns.js';
import { compareBytes } from './filters.js';
import { DEFAULT_SPECIES_CODE, NOT_SPECIFIED, shownBodyPart } from './advanced-counts.js';

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
  /** Patient age at the study, in whole years (PatientAge `nnnY`, `nnnM`/12, `nnnW`/52, as the original reckons it). */
  patientAge?: NumberRange;
  /** Leave out series whose collection's licence forbids commercial use. */
  excludeCommercial?: boolean;
  /** Studies at this LongitudinalTemporalEventType whose offset from the event (days) is in range; each one given must hold. */
  timePoints: TimePointRange[];
}

export interface TimePointRange {
  eventType: string;
  fromDay?: number;
  toDay?: number;
}

export function emptyCriteria(): SearchCriteria {
  return {
    collections: [], species: [], modalities: [], bodyParts: [], manufacturers: [], models: [], softwareVersions: [],
    patients: [], studies: [], series: [], patientSexes: [], descriptions: [], studyDates: [], modalityAnded: false, timePoints: [],
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
  /** Days from each LongitudinalTemporalEventType of the matching studies (whole days, ascending), per event type. */
  timepoints: Record<string, number[]>;
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
  /** Per event type, the latest and the earliest time point over every matching patient. */
  maxTimepoints: Record<string, number>;
  minTimepoints: Record<string, number>;
}

const ref = (column: string) => sql.ref(column);

/** `upper(column) IN (upper(v1), ...)`: both sides through the database's upper(). */
function inIgnoringCase(column: string, values: string[]): Expression<SqlBool> {
  return sql<SqlBool>`upper(${ref(column)}) in (${sql.join(values.map((v) => sql`upper(${v})`))})`;
}

function inExactly(column: string, values: string[]): Expression<SqlBool> {
  return sql<SqlBool>`${ref(column)} in (${sql.join(values)})`;
}

/** `column` holds `text`, case-insensitively (a LIKE with the pattern characters of `text` escaped). */
export function containsText(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${ref(column)}) like ${pattern} escape ${sql.lit('\\')}`;
}

/**
 * The criteria as SQL conditions on the series table alone (the per-patient ones aside).
 * A condition on a patient, study or collection becomes one `IN (subquery)` on the series'
 * own key for that table, so a query joins no parent for its filters: both databases then
 * count and page large results from the series indexes, and a selective condition (one
 * collection, one patient) is found in its small table first.
 */
export function whereClauses(c: SearchCriteria): Array<Expression<SqlBool>> {
  const w: Array<Expression<SqlBool>> = [];
  const onCollection: Array<Expression<SqlBool>> = [];
  const onPatient: Array<Expression<SqlBool>> = [];
  const onStudy: Array<Expression<SqlBool>> = [];

  if (c.collections.length) onCollection.push(inIgnoringCase('c.name', c.collections));
  if (c.excludeCommercial) {
    // The original's exclude_commercial: only a licence stated to forbid commercial use excludes.
    onCollection.push(sql<SqlBool>`coalesce(upper(${ref('c.commercial_use')}), ${sql.lit('YES')}) <> ${sql.lit('NO')}`);
  }
  if (c.species.length) {
    onPatient.push(sql<SqlBool>`coalesce(nullif(${ref('p.species_code')}, ${sql.lit('')}), ${sql.lit(DEFAULT_SPECIES_CODE)}) in (${sql.join(c.species)})`);
  }
  if (c.patients.length) onPatient.push(inIgnoringCase('p.patient_id', c.patients));
  if (c.patientSexes.length) onPatient.push(inIgnoringCase('p.patient_sex', c.patientSexes));
  if (c.phantom !== undefined) {
    onPatient.push(c.phantom ? sql<SqlBool>`upper(${ref('p.phantom')}) = ${sql.lit('YES')}` : sql<SqlBool>`coalesce(upper(${ref('p.phantom')}), ${sql.lit('NO')}) <> ${sql.lit('YES')}`);
  }
  if (c.studies.length) onStudy.push(inExactly('st.study_instance_uid', c.studies));
  for (const r of c.studyDates) {
    if (r.from !== undefined) onStudy.push(sql<SqlBool>`${ref('st.study_date')} >= ${r.from}`);
    if (r.to !== undefined) onStudy.push(sql<SqlBool>`${ref('st.study_date')} <= ${r.to}`);
  }
  for (const t of c.timePoints) {
    onStudy.push(sql<SqlBool>`${ref('st.longitudinal_temporal_event_type')} = ${t.eventType}`);
    if (t.fromDay !== undefined) onStudy.push(sql<SqlBool>`${ref('st.longitudinal_temporal_offset_from_event')} >= ${t.fromDay}`);
    if (t.toDay !== undefined) onStudy.push(sql<SqlBool>`${ref('st.longitudinal_temporal_offset_from_event')} <= ${t.toDay}`);
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
  if (c.series.length) w.push(inExactly('series.series_instance_uid', c.series));
  if (c.descriptions.length) {
    // Either description, the series' own or its study's; several are alternatives.
    const any = c.descriptions.map((d) => {
      const inStudy = sql<SqlBool>`${ref('series.study_pk')} in (select ${ref('st.id')} from ${sql.table('study')} as ${sql.id('st')} where ${containsText('st.study_description', d)})`;
      return sql<SqlBool>`(${containsText('series.series_description', d)} or ${inStudy})`;
    });
    w.push(sql<SqlBool>`(${sql.join(any, sql` or `)})`);
  }
  for (const [column, range] of [['series.pixel_spacing_row', c.pixelSpacing], ['series.slice_thickness', c.sliceThickness]] as const) {
    if (range?.from !== undefined) w.push(sql<SqlBool>`${ref(column)} >= ${range.from}`);
    if (range?.to !== undefined) w.push(sql<SqlBool>`${ref(column)} <= ${range.to}`);
  }
  if (c.thirdPartyAnalysis !== undefined) {
    w.push(
      c.thirdPartyAnalysis
        ? sql<SqlBool>`upper(${ref('series.third_party_analysis')}) = ${sql.lit('YES')}`
        : sql<SqlBool>`coalesce(upper(${ref('series.third_party_analysis')}), ${sql.lit('NO')}) <> ${sql.lit('YES')}`,
    );
  }

  const all = (clauses: Array<Expression<SqlBool>>) => sql.join(clauses, sql` and `);
  if (onCollection.length) w.push(sql<SqlBool>`${ref('series.collection_id')} in (select ${ref('c.id')} from ${sql.table('collection')} as ${sql.id('c')} where ${all(onCollection)})`);
  if (onPatient.length) w.push(sql<SqlBool>`${ref('series.patient_pk')} in (select ${ref('p.id')} from ${sql.table('patient')} as ${sql.id('p')} where ${all(onPatient)})`);
  if (onStudy.length) w.push(sql<SqlBool>`${ref('series.study_pk')} in (select ${ref('st.id')} from ${sql.table('study')} as ${sql.id('st')} where ${all(onStudy)})`);
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
  patientAge: string | null;
  eventType: string | null;
  eventOffset: number | null;
}

/**
 * PatientAge (DICOM AS, `nnnD|W|M|Y`) in whole years as the original's search reckons it:
 * years as they are, months / 12 and weeks / 52 rounded down; days (and anything else) unknown.
 */
export function ageInYears(age: string | null): number | undefined {
  const m = /^\s*(\d{1,3})\s*([YMW])\s*$/i.exec(age ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toUpperCase();
  return unit === 'Y' ? n : Math.floor(n / (unit === 'M' ? 12 : 52));
}

function inRange(value: number | undefined, r: NumberRange): boolean {
  if (value === undefined) return false;
  return (r.from === undefined || value >= r.from) && (r.to === undefined || value <= r.to);
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
      'study.patient_age as patientAge',
      'study.longitudinal_temporal_event_type as eventType',
      'study.longitudinal_temporal_offset_from_event as eventOffset',
    ]);
  for (const clause of whereClauses(c)) q = q.where(clause);
  let rows = (await q.orderBy('patient.id').orderBy('study.id').orderBy('series.id').execute()) as MatchRow[];
  // PatientAge is free text in the index; reading it here keeps a malformed one from failing the query.
  const ageRange = c.patientAge;
  if (ageRange !== undefined) rows = rows.filter((r) => inRange(ageInYears(r.patientAge), ageRange));

  const byPatient = new Map<
    number,
    { hit: PatientHit; studies: Map<number, StudyHit>; modalities: Set<string>; bodyParts: Set<string>; species: Set<string>; timepoints: Map<string, Set<number>> }
  >();
  for (const r of rows) {
    const patientPk = Number(r.patientPk);
    let p = byPatient.get(patientPk);
    if (!p) {
      p = {
        hit: { patientPk, subjectId: r.subjectId, collection: r.collection, studies: [], seriesCount: 0, modalities: [], bodyParts: [], species: [], timepoints: {} },
        studies: new Map(),
        modalities: new Set(),
        bodyParts: new Set(),
        species: new Set(),
        timepoints: new Map(),
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
    p.bodyParts.add(shownBodyPart(r.bodyPart));
    p.species.add(r.speciesCode || DEFAULT_SPECIES_CODE);
    // A time point is a study's offset from its event, in whole days (the original keeps the integer part).
    if (r.eventType !== null && r.eventType !== '' && r.eventOffset !== null) {
      const days = Math.trunc(Number(r.eventOffset));
      if (Number.isFinite(days)) {
        const set = p.timepoints.get(r.eventType) ?? new Set<number>();
        set.add(days);
        p.timepoints.set(r.eventType, set);
      }
    }
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
    p.hit.timepoints = Object.fromEntries([...p.timepoints].sort(([a], [b]) => compareBytes(a, b)).map(([event, days]) => [event, [...days].sort((x, y) => x - y)]));
    patients.push(p.hit);
  }

  patients.sort(comparePatients(sortField, ascending));
  return {
    patients,
    bodyParts: facet(patients, (p) => p.bodyParts),
    modalities: facet(patients, (p) => p.modalities),
    collections: facet(patients, (p) => [p.collection]),
    species: facet(patients, (p) => p.species),
    ...timepointBounds(patients),
  };
}

/** Per event type, the largest and smallest time point of any of the patients. */
function timepointBounds(patients: readonly PatientHit[]): Pick<SearchResult, 'maxTimepoints' | 'minTimepoints'> {
  const max = new Map<string, number>();
  const min = new Map<string, number>();
  for (const p of patients) {
    for (const [event, days] of Object.entries(p.timepoints)) {
      for (const d of days) {
        if (!max.has(event) || d > max.get(event)!) max.set(event, d);
        if (!min.has(event) || d < min.get(event)!) min.set(event, d);
      }
    }
  }
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => compareBytes(a, b)));
  return { maxTimepoints: sorted(max), minTimepoints: sorted(min) };
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
