// Searches at study, series and instance level for DICOMweb's QIDO-RS, answered from the
// index alone: the viewer's series (scope.series(), so a restricted study simply is not
// there) joined to their study and patient, and to their images for instance searches. A
// study's modalities and counts are aggregates of its series rows (which carry their image
// counts), never of the image table. Paging (limit, offset) is done by the database.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessScope } from '../access.js';

/** How one value is matched (PS3.4 C.2.2.2). */
export type Match =
  /** Single value matching; `ignoreCase` for person names. */
  | { kind: 'exact'; value: string | number; ignoreCase?: boolean }
  /** UID list matching: any of the values. */
  | { kind: 'any'; values: readonly string[] }
  /** `*` and `?` wildcards, compared ignoring case (the same on both dialects). */
  | { kind: 'wildcard'; pattern: string }
  /** Range matching on dates and times, in the index's stored form; either end may be open. */
  | { kind: 'range'; from?: string; to?: string };

/** A match on an index column named `table.column` (names from the attribute table, never from input). */
export interface ColumnMatch {
  ref: string;
  match: Match;
}

export type QidoLevel = 'study' | 'series' | 'instance';

export interface QidoSearch {
  level: QidoLevel;
  matches: readonly ColumnMatch[];
  /** Study level: studies with at least one series whose modality matches. */
  modalitiesInStudy?: Match;
  /** Index columns to return, `table.column`; each row keys its values by these names. */
  columns: readonly string[];
  limit?: number;
  offset: number;
}

/** One answer row: the asked columns by `table.column`, plus the identity and counts of its level. */
export interface QidoRow {
  values: Record<string, unknown>;
  studyInstanceUid: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  /** Study level: visible series and their images; series level: the series' images. */
  seriesCount?: number;
  instanceCount?: number;
  /** Study level: the distinct modalities of its series, sorted. */
  modalities?: string[];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The condition a match puts on an expression. */
export function matchCondition(target: Expression<unknown>, match: Match): RawBuilder<SqlBool> {
  switch (match.kind) {
    case 'exact':
      return match.ignoreCase && typeof match.value === 'string'
        ? sql<SqlBool>`upper(${target}) = upper(${match.value})`
        : sql<SqlBool>`${target} = ${match.value}`;
    case 'any':
      return sql<SqlBool>`${target} in (${sql.join(match.values.map((v) => sql`${v}`))})`;
    case 'wildcard': {
      const like = escapeLike(match.pattern).replace(/\*/g, '%').replace(/\?/g, '_');
      return sql<SqlBool>`upper(${target}) like upper(${like}) escape '\\'`;
    }
    case 'range': {
      const parts: RawBuilder<SqlBool>[] = [];
      if (match.from !== undefined) parts.push(sql<SqlBool>`${target} >= ${match.from}`);
      if (match.to !== undefined) parts.push(sql<SqlBool>`${target} <= ${match.to}`);
      return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
    }
  }
}

const selected = (columns: readonly string[]) => columns.map((ref, i) => sql`${sql.ref(ref)}`.as(`c${i}`));

function valuesOf(row: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((ref, i) => [ref, row[`c${i}`]]));
}

/** A search at the level the request names. */
export async function qidoSearch(scope: AccessScope, search: QidoSearch): Promise<QidoRow[]> {
  switch (search.level) {
    case 'study':
      return searchStudies(scope, search);
    case 'series':
      return searchSeries(scope, search);
    case 'instance':
      return searchInstances(scope, search);
  }
}

function visibleSeries(scope: AccessScope, matches: readonly ColumnMatch[]) {
  let q = scope
    .series()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .innerJoin('patient', 'patient.id', 'series.patient_pk');
  for (const m of matches) q = q.where(matchCondition(sql.ref(m.ref), m.match));
  return q;
}

function page<Q extends { limit(n: number): Q; offset(n: number): Q }>(q: Q, search: QidoSearch): Q {
  // SQLite takes OFFSET only after a LIMIT; -1 there (and no limit in PostgreSQL) means all.
  if (search.limit !== undefined) q = q.limit(search.limit);
  else if (search.offset > 0) q = q.limit(Number.MAX_SAFE_INTEGER);
  return search.offset > 0 ? q.offset(search.offset) : q;
}

async function searchStudies(scope: AccessScope, search: QidoSearch): Promise<QidoRow[]> {
  let q = visibleSeries(scope, search.matches)
    .select([
      'study.id as studyPk',
      'study.study_instance_uid as studyInstanceUid',
      (eb) => eb.fn.count<number>('series.id').as('seriesCount'),
      (eb) => eb.fn.sum<number>('series.image_count').as('instanceCount'),
      ...selected(search.columns),
    ])
    // patient.id too: PostgreSQL then knows every selected patient column is one per group.
    .groupBy(['study.id', 'patient.id'])
    .orderBy('study.id');
  if (search.modalitiesInStudy) {
    const hit = matchCondition(sql.ref('series.modality'), search.modalitiesInStudy);
    q = q.having(sql<SqlBool>`sum(case when ${hit} then 1 else 0 end) > 0`);
  }
  const rows = await page(q, search).execute();
  const modalities = await modalitiesOf(scope, rows.map((r) => Number(r.studyPk)));
  return rows.map((r) => ({
    values: valuesOf(r as Record<string, unknown>, search.columns),
    studyInstanceUid: r.studyInstanceUid,
    seriesCount: Number(r.seriesCount),
    instanceCount: Number(r.instanceCount ?? 0),
    modalities: modalities.get(Number(r.studyPk)) ?? [],
  }));
}

/** The distinct modalities of the visible series of each study, sorted. */
async function modalitiesOf(scope: AccessScope, studyPks: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (studyPks.length === 0) return out;
  const rows = await scope
    .series()
    .where('series.study_pk', 'in', studyPks)
    .select(['series.study_pk as studyPk', 'series.modality as modality'])
    .distinct()
    .execute();
  for (const r of rows) {
    const list = out.get(Number(r.studyPk)) ?? [];
    list.push(r.modality);
    out.set(Number(r.studyPk), list);
  }
  for (const list of out.values()) list.sort();
  return out;
}

async function searchSeries(scope: AccessScope, search: QidoSearch): Promise<QidoRow[]> {
  const q = visibleSeries(scope, search.matches)
    .select([
      'study.study_instance_uid as studyInstanceUid',
      'series.series_instance_uid as seriesInstanceUid',
      'series.image_count as instanceCount',
      ...selected(search.columns),
    ])
    .orderBy('series.id');
  const rows = await page(q, search).execute();
  return rows.map((r) => ({
    values: valuesOf(r as Record<string, unknown>, search.columns),
    studyInstanceUid: r.studyInstanceUid,
    seriesInstanceUid: r.seriesInstanceUid,
    instanceCount: Number(r.instanceCount),
  }));
}

async function searchInstances(scope: AccessScope, search: QidoSearch): Promise<QidoRow[]> {
  const q = visibleSeries(scope, search.matches)
    .innerJoin('image', 'image.series_pk', 'series.id')
    .select([
      'study.study_instance_uid as studyInstanceUid',
      'series.series_instance_uid as seriesInstanceUid',
      'image.sop_instance_uid as sopInstanceUid',
      'series.image_count as instanceCount',
      ...selected(search.columns),
    ])
    .orderBy('series.id')
    .orderBy(sql`case when image.instance_number is null then 1 else 0 end`)
    .orderBy('image.instance_number')
    .orderBy('image.id');
  const rows = await page(q, search).execute();
  return rows.map((r) => ({
    values: valuesOf(r as Record<string, unknown>, search.columns),
    studyInstanceUid: r.studyInstanceUid,
    seriesInstanceUid: r.seriesInstanceUid,
    sopInstanceUid: r.sopInstanceUid,
    instanceCount: Number(r.instanceCount),
  }));
}

/** A stored instance of a visible study, as WADO-RS reads it. */
export interface StoredInstance {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string | null;
  fileSize: number;
  blobKey: string;
  inPlace: boolean;
}

/**
 * The visible instances of a study, a series of it or one instance, in series then
 * instance-number order; empty when any of the UIDs is unknown, does not belong to the
 * one before it, or is not the viewer's.
 */
export async function storedInstances(
  scope: AccessScope,
  uids: { study: string; series?: string; instance?: string },
): Promise<StoredInstance[]> {
  let q = scope
    .images()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .where('study.study_instance_uid', '=', uids.study);
  if (uids.series !== undefined) q = q.where('series.series_instance_uid', '=', uids.series);
  if (uids.instance !== undefined) q = q.where('image.sop_instance_uid', '=', uids.instance);
  const rows = await q
    .select([
      'study.study_instance_uid as studyInstanceUid',
      'series.series_instance_uid as seriesInstanceUid',
      'image.sop_instance_uid as sopInstanceUid',
      'image.transfer_syntax_uid as transferSyntaxUid',
      'image.file_size as fileSize',
      'image.blob_key as blobKey',
      'image.in_place as inPlace',
    ])
    .orderBy('series.id')
    .orderBy(sql`case when image.instance_number is null then 1 else 0 end`)
    .orderBy('image.instance_number')
    .orderBy('image.id')
    .execute();
  return rows.map((r) => ({ ...r, fileSize: Number(r.fileSize), inPlace: Number(r.inPlace) === 1 }));
}
