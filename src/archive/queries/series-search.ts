// The portal's series search, an extension beside the simple search (spec §7.4): the
// visible series meeting every criterion, sorted and paged by the database, with how many
// series and patients match and facet counts that follow the other choices. Only the rows
// of the page asked for are read whole; the rest is counted, so a page of 20 out of
// 200,000 series costs a few counts, not 200,000 rows through the server.
//
// At that size a join costs more than the count itself, so each query joins only the
// parent tables its criteria, sort or grouping read: with no criteria, the totals and the
// facets read nothing but the series_value_counts index (migration 0004).
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessScope } from '../access.js';
import { COUNTED_VALUE, shownBodyPart, type CountedField } from './advanced-counts.js';
import { containsText, emptyCriteria, whereClauses, type Facet, type SearchCriteria } from './advanced-search.js';
import { compareBytes } from './filters.js';
import { seriesInOrder, type SeriesRecord } from './series.js';

export const SERIES_SORT_KEYS = ['collection', 'patient', 'date', 'modality', 'images', 'size'] as const;
export type SeriesSortKey = (typeof SERIES_SORT_KEYS)[number];

/** The facets, each with the criteria list it narrows. */
export const FACETS = {
  collection: 'collections',
  modality: 'modalities',
  bodyPart: 'bodyParts',
  manufacturer: 'manufacturers',
  species: 'species',
} as const satisfies Record<CountedField, keyof SearchCriteria>;

const FACET_FIELDS = Object.keys(FACETS) as CountedField[];

export interface SeriesSearch {
  criteria: SearchCriteria;
  /** Case-insensitive substring of the patient ID or of the study or series description. */
  text?: string;
  sort: SeriesSortKey;
  ascending: boolean;
  /** First series of the page, from 0. */
  start: number;
  size: number;
  /** Also count studies and images (they read every matching series row, so only when asked). */
  studyAndImageTotals?: boolean;
}

export interface SeriesSearchPage {
  totalSeries: number;
  totalPatients: number;
  /** With studyAndImageTotals. */
  totalStudies?: number;
  totalImages?: number;
  series: SeriesRecord[];
  /** Per facet, its values with the number of series, counted with every criterion but the facet's own. */
  facets: Record<CountedField, Facet[]>;
}

const ref = (column: string) => sql.ref(column);

/** The parent tables a sort key can live in. */
type ParentTable = 'study' | 'patient' | 'collection';

/**
 * Sort keys, as the portal shows them: text case-folded (upper, which the patient index
 * holds), a missing study date first in ascending order on both dialects (SQLite and
 * PostgreSQL place NULLs at opposite ends). Ties go in index order (series.id), one fixed
 * order whatever the direction, so that pages never overlap.
 */
const SORTS: Record<SeriesSortKey, { value: RawBuilder<unknown>; reads?: ParentTable }> = {
  collection: { value: sql`upper(${ref('collection.name')})`, reads: 'collection' },
  patient: { value: sql`upper(${ref('patient.patient_id')})`, reads: 'patient' },
  date: { value: sql`coalesce(${ref('study.study_date')}, ${sql.lit('')})`, reads: 'study' },
  modality: { value: sql`${ref('series.modality')}` },
  images: { value: sql`${ref('series.image_count')}` },
  size: { value: sql`${ref('series.total_size')}` },
};

/**
 * The free text: a patient ID, study description or series description holding it. The
 * patients and studies are found first, in their own tables, so the series need no join.
 */
function textClause(scope: AccessScope, text: string): RawBuilder<SqlBool> {
  const patients = scope.patients().select('patient.id').where(containsText('patient.patient_id', text));
  const studies = scope.studies().select('study.id').where(containsText('study.study_description', text));
  return sql<SqlBool>`(${ref('series.patient_pk')} in (${patients}) or ${ref('series.study_pk')} in (${studies}) or ${containsText('series.series_description', text)})`;
}

/**
 * The free text as the other queries apply it. Looking for it reads every series row (a
 * description is no index's), so it is looked for once: up to TEXT_IDS matches go on as
 * a list of series ids, which the other queries read through the primary key; past that
 * the condition itself is repeated.
 */
type TextFilter = { ids: number[] } | { text: string } | undefined;

const TEXT_IDS = 5000;

async function resolveText(scope: AccessScope, text: string | undefined): Promise<TextFilter> {
  if (!text) return undefined;
  const rows = await scope.series().where(textClause(scope, text)).select('series.id').limit(TEXT_IDS + 1).execute();
  return rows.length > TEXT_IDS ? { text } : { ids: rows.map((r) => Number(r.id)) };
}

/** The viewer's series meeting the criteria, joined to one parent table when a sort key lives there. */
function matching(scope: AccessScope, criteria: SearchCriteria, text: TextFilter, join?: ParentTable) {
  let q = scope
    .series()
    .$if(join === 'study', (qb) => qb.innerJoin('study', 'study.id', 'series.study_pk'))
    .$if(join === 'patient', (qb) => qb.innerJoin('patient', 'patient.id', 'series.patient_pk'))
    .$if(join === 'collection', (qb) => qb.innerJoin('collection', 'collection.id', 'series.collection_id'));
  for (const clause of whereClauses(criteria)) q = q.where(clause);
  if (text && 'ids' in text) q = text.ids.length ? q.where('series.id', 'in', text.ids) : q.where(sql<SqlBool>`1 = 0`);
  else if (text) q = q.where(textClause(scope, text.text));
  return q;
}

type Counts = Record<CountedField, Map<string, number>>;

/**
 * Series per value of every facet, each facet counted over the matches of every criterion
 * but its own choices (so ticking CT still offers MR), and the number of matches.
 *
 * One pass does it all: the rows that the criteria other than the facets' select are
 * grouped by the series' own facet fields, and each group sums one column per distinct
 * condition (the whole search, and the search without each chosen facet). Grouping by the
 * raw columns lets both databases read the groups in series_value_counts index order with
 * no sort. Species is a patient's field: when the viewer's patients hold only one species,
 * every match has it and nothing more is read; otherwise each species present is one more
 * pass with its patients as a condition.
 */
async function facetCounts(
  scope: AccessScope,
  criteria: SearchCriteria,
  text: TextFilter,
  names: Map<number, string>,
  species: string[],
): Promise<{ counts: Counts; total: number; perCollection: Map<number, number> }> {
  const common: SearchCriteria = { ...criteria };
  const own = new Map<CountedField, RawBuilder<SqlBool>>();
  for (const f of FACET_FIELDS) {
    const chosen = criteria[FACETS[f]];
    common[FACETS[f]] = [];
    if (chosen.length) own.set(f, sql<SqlBool>`(${sql.join(whereClauses({ ...emptyCriteria(), [FACETS[f]]: chosen }), sql` and `)})`);
  }
  const conditionWithout = (except?: CountedField) => {
    const parts = [...own].filter(([f]) => f !== except).map(([, c]) => c);
    return parts.length ? sql<SqlBool>`${sql.join(parts, sql` and `)}` : sql<SqlBool>`1 = 1`;
  };
  // Column n0 is the whole search; column n<i+1> the search without the i-th chosen facet.
  const chosenFacets = [...own.keys()];
  const conditions = [conditionWithout(), ...chosenFacets.map((f) => conditionWithout(f))];
  const sums = conditions.map((c, i) => sql<number | string>`sum(case when ${c} then 1 else 0 end)`.as(`n${i}`));
  const columnOf = (f: CountedField) => `n${chosenFacets.indexOf(f) + 1}`;

  const counts = Object.fromEntries(FACET_FIELDS.map((f) => [f, new Map<string, number>()])) as Counts;
  const add = (field: CountedField, value: string, n: number) => {
    if (n > 0) counts[field].set(value, (counts[field].get(value) ?? 0) + n);
  };
  const groups = (await matching(scope, common, text)
    .select(['series.collection_id as collectionId', 'series.modality as modality', 'series.body_part_examined as bodyPart', 'series.manufacturer as manufacturer', ...sums])
    .groupBy(['series.collection_id', 'series.modality', 'series.body_part_examined', 'series.manufacturer'])
    .execute()) as Array<{ collectionId: number; modality: string; bodyPart: string | null; manufacturer: string | null } & Record<string, number | string>>;
  const n = (g: Record<string, number | string>, f?: CountedField) => Number(g[f !== undefined && own.has(f) ? columnOf(f) : 'n0']);
  let total = 0;
  let speciesBase = 0;
  const perCollection = new Map<number, number>();
  for (const g of groups) {
    total += n(g);
    perCollection.set(Number(g.collectionId), (perCollection.get(Number(g.collectionId)) ?? 0) + n(g));
    speciesBase += n(g, 'species');
    add('collection', names.get(Number(g.collectionId)) ?? '', n(g, 'collection'));
    add('modality', g.modality, n(g, 'modality'));
    add('bodyPart', shownBodyPart(g.bodyPart), n(g, 'bodyPart'));
    add('manufacturer', g.manufacturer ?? '', n(g, 'manufacturer'));
  }
  if (species.length === 1) add('species', species[0]!, speciesBase);
  else {
    const column = own.has('species') ? columnOf('species') : 'n0';
    for (const value of species) {
      const row = (await matching(scope, common, text)
        .where('series.patient_pk', 'in', scope.patients().select('patient.id').where(sql<SqlBool>`${COUNTED_VALUE.species} = ${value}`))
        .select(sums)
        .executeTakeFirstOrThrow()) as Record<string, number | string | null>;
      add('species', value, Number(row[column] ?? 0));
    }
  }
  return { counts, total, perCollection };
}

function facetList(values: Map<string, number>): Facet[] {
  return [...values]
    .filter(([value]) => value !== '') // a series without a manufacturer is not a choice one can make
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => compareBytes(a.value, b.value));
}

/** The matching series' UIDs in the search's order. */
function orderedUids(scope: AccessScope, s: Omit<SeriesSearch, 'start' | 'size' | 'text'>, text: TextFilter) {
  const sort = SORTS[s.sort];
  return matching(scope, s.criteria, text, sort.reads)
    .select('series.series_instance_uid as uid')
    .orderBy(sort.value, s.ascending ? 'asc' : 'desc')
    .orderBy('series.id', 'asc');
}

/**
 * A page in collection order without sorting every match: the matches per collection are
 * known from the facet pass, so the page is cut from one or two collections, each read in
 * (collection_id, id) index order. Collections whose names differ only in case share one
 * sort key, so they are read together, their series in index order as the sort would give.
 */
async function pageByCollection(
  scope: AccessScope,
  s: SeriesSearch,
  text: TextFilter,
  collections: Array<{ id: number; key: string }>,
  perCollection: Map<number, number>,
): Promise<string[]> {
  const groups = new Map<string, number[]>();
  for (const c of [...collections].sort((a, b) => compareBytes(a.key, b.key))) groups.set(c.key, [...(groups.get(c.key) ?? []), c.id]);
  const ordered = [...groups.values()];
  if (!s.ascending) ordered.reverse();
  const uids: string[] = [];
  let skip = s.start;
  for (const ids of ordered) {
    if (uids.length >= s.size) break;
    const matches = ids.reduce((n, id) => n + (perCollection.get(id) ?? 0), 0);
    if (skip >= matches) {
      skip -= matches;
      continue;
    }
    const rows = await matching(scope, s.criteria, text)
      .where('series.collection_id', 'in', ids)
      .select('series.series_instance_uid as uid')
      .orderBy('series.id')
      .limit(s.size - uids.length)
      .offset(skip)
      .execute();
    uids.push(...rows.map((r) => r.uid));
    skip = 0;
  }
  return uids;
}

/** One page of the search, with its totals and facets. */
export async function searchSeries(scope: AccessScope, s: SeriesSearch): Promise<SeriesSearchPage> {
  // Independent queries go together: on PostgreSQL each takes a connection of its own.
  const [names, text, species] = await Promise.all([
    scope.collections().select(['collection.id', 'collection.name', sql<string>`upper(${ref('collection.name')})`.as('sortKey')]).execute(),
    resolveText(scope, s.text),
    scope.patients().select(COUNTED_VALUE.species.as('value')).distinct().execute(),
  ]);
  const facetPass = facetCounts(scope, s.criteria, text, new Map(names.map((c) => [Number(c.id), c.name])), species.map((r) => r.value));
  const [{ counts, total }, uids, totals] = await Promise.all([
    facetPass,
    s.sort === 'collection'
      ? facetPass.then(({ perCollection }) => pageByCollection(scope, s, text, names.map((c) => ({ id: Number(c.id), key: c.sortKey })), perCollection))
      : orderedUids(scope, s, text).limit(s.size).offset(s.start).execute().then((rows) => rows.map((r) => r.uid)),
    matching(scope, s.criteria, text)
      .select(sql<number | string>`count(distinct ${ref('series.patient_pk')})`.as('patients'))
      .$if(s.studyAndImageTotals === true, (q) =>
        q.select([
          sql<number | string>`count(distinct ${ref('series.study_pk')})`.as('studies'),
          sql<number | string>`coalesce(sum(${ref('series.image_count')}), 0)`.as('images'),
        ]),
      )
      .executeTakeFirstOrThrow(),
  ]);
  const facets = Object.fromEntries(
    FACET_FIELDS.map((f) => {
      // A chosen value that matches nothing stays listed, at 0 after the others, so that it
      // can be unchosen. Listed last in the order chosen, never among the visible values, so
      // its place says nothing about whether a restricted collection of that name exists.
      const listed = facetList(counts[f]);
      const zeros = [...new Set(s.criteria[FACETS[f]])].filter((v) => !counts[f].has(v)).map((value) => ({ value, count: 0 }));
      return [f, [...listed, ...zeros]];
    }),
  ) as Record<CountedField, Facet[]>;
  return {
    totalSeries: total,
    totalPatients: Number(totals.patients),
    ...(s.studyAndImageTotals ? { totalStudies: Number(totals.studies), totalImages: Number(totals.images) } : {}),
    series: await seriesInOrder(scope, uids),
    facets,
  };
}

/** The matching series' UIDs in the search's order, at most `limit`: "add all results to the cart". */
export async function searchSeriesUids(scope: AccessScope, s: Omit<SeriesSearch, 'start' | 'size'>, limit: number): Promise<string[]> {
  return (await orderedUids(scope, s, await resolveText(scope, s.text)).limit(limit).execute()).map((r) => r.uid);
}
