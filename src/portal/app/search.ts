// Faceted search over the simple search endpoint. Counts follow the other choices: a
// facet's counts come from the search with every choice except that facet's own (so
// ticking CT does not hide MR), counting patients as NBIA's portal does. The free text
// looks for a patient ID (PatientCriteria) or a study/series description
// (DescriptionCriteria): two searches whose matches are joined.
import { FACETS, type FacetKey, type SearchState, type SortKey } from './state.js';
import { seriesMetadata, simpleSearch, type Criterion, type PatientHit, type SeriesInfo, type Session } from './api.js';

export interface FacetValue {
  value: string;
  count: number;
}

export interface SearchOutcome {
  /** Every matching series, sorted as asked. */
  series: SeriesInfo[];
  patients: number;
  facets: Record<FacetKey, FacetValue[]>;
}

function criteriaOf(s: SearchState, without?: FacetKey): Criterion[] {
  const out: Criterion[] = [];
  for (const f of FACETS) {
    if (f.key === without) continue;
    for (const value of s.facets[f.key]) out.push({ type: f.criteria, value });
  }
  if (s.from || s.to) out.push({ type: 'DateRangeCriteria', ...(s.from ? { fromDate: s.from } : {}), ...(s.to ? { toDate: s.to } : {}) });
  return out;
}

/** Caches per session: Back and paging do not ask the server again. */
export class SearchEngine {
  private readonly searches = new Map<string, Promise<PatientHit[]>>();
  private readonly metadata = new Map<string, SeriesInfo | null>();

  constructor(private readonly session: Session) {}

  private patients(criteria: Criterion[], text: string): Promise<PatientHit[]> {
    const key = JSON.stringify([criteria, text]);
    let p = this.searches.get(key);
    if (!p) {
      p = text ? this.textSearch(criteria, text) : simpleSearch(this.session, criteria);
      this.searches.set(key, p);
      p.catch(() => this.searches.delete(key));
    }
    return p;
  }

  private async textSearch(criteria: Criterion[], text: string): Promise<PatientHit[]> {
    const [byPatient, byDescription] = await Promise.all([
      simpleSearch(this.session, [...criteria, { type: 'PatientCriteria', value: text }]),
      simpleSearch(this.session, [...criteria, { type: 'DescriptionCriteria', value: text }]),
    ]);
    const merged = new Map<number, PatientHit>();
    for (const p of [...byPatient, ...byDescription]) {
      const seen = merged.get(p.id);
      if (!seen) merged.set(p.id, { ...p });
      else {
        const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();
        merged.set(p.id, {
          ...seen,
          seriesUids: union(seen.seriesUids, p.seriesUids),
          modalities: union(seen.modalities, p.modalities),
          bodyParts: union(seen.bodyParts, p.bodyParts),
          species: union(seen.species, p.species),
        });
      }
    }
    return [...merged.values()];
  }

  /** Metadata for these series, fetched in chunks the first time. */
  async series(uids: readonly string[]): Promise<SeriesInfo[]> {
    const missing = uids.filter((u) => !this.metadata.has(u));
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      const rows = await seriesMetadata(this.session, chunk);
      for (const u of chunk) this.metadata.set(u, null);
      for (const r of rows) this.metadata.set(r.seriesInstanceUid, r);
    }
    return uids.map((u) => this.metadata.get(u)).filter((r): r is SeriesInfo => r != null);
  }

  async run(s: SearchState): Promise<SearchOutcome> {
    const main = await this.patients(criteriaOf(s), s.text);
    const series = sortSeries(await this.series(main.flatMap((p) => p.seriesUids)), s.sort, s.descending);
    const facets = {} as Record<FacetKey, FacetValue[]>;
    await Promise.all(
      FACETS.map(async (f) => {
        const base = s.facets[f.key].length ? await this.patients(criteriaOf(s, f.key), s.text) : main;
        const counts = new Map<string, Set<number>>();
        const add = (v: string, patient: number) => {
          let set = counts.get(v);
          if (!set) counts.set(v, (set = new Set()));
          set.add(patient);
        };
        if (f.key === 'manufacturer') {
          const byUid = new Map(base.flatMap((p) => p.seriesUids.map((u) => [u, p.id] as const)));
          for (const r of await this.series([...byUid.keys()])) if (r.manufacturer) add(r.manufacturer, byUid.get(r.seriesInstanceUid)!);
        } else {
          for (const p of base) {
            const values = f.key === 'collection' ? [p.collection] : f.key === 'modality' ? p.modalities : f.key === 'bodyPart' ? p.bodyParts : p.species;
            for (const v of values) add(v, p.id);
          }
        }
        // A ticked value stays listed (at 0) so that it can be unticked.
        for (const v of s.facets[f.key]) if (!counts.has(v)) counts.set(v, new Set());
        facets[f.key] = [...counts].map(([value, set]) => ({ value, count: set.size })).sort((a, b) => a.value.localeCompare(b.value));
      }),
    );
    return { series, patients: main.length, facets };
  }
}

const SORT_VALUE: Record<SortKey, (r: SeriesInfo) => string | number> = {
  collection: (r) => r.collection.toLowerCase(),
  patient: (r) => r.patientId.toLowerCase(),
  date: (r) => r.studyDate ?? '',
  modality: (r) => r.modality,
  images: (r) => r.imageCount,
  size: (r) => r.fileSize,
};

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

export function sortSeries(rows: SeriesInfo[], key: SortKey, descending: boolean): SeriesInfo[] {
  const sign = descending ? -1 : 1;
  // Ties keep one fixed order (collection, patient, date, series number), whatever the direction.
  const tie = (a: SeriesInfo, b: SeriesInfo) =>
    compare(SORT_VALUE.collection(a), SORT_VALUE.collection(b)) ||
    compare(SORT_VALUE.patient(a), SORT_VALUE.patient(b)) ||
    compare(SORT_VALUE.date(a), SORT_VALUE.date(b)) ||
    (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) ||
    compare(a.seriesInstanceUid, b.seriesInstanceUid);
  return [...rows].sort((a, b) => sign * compare(SORT_VALUE[key](a), SORT_VALUE[key](b)) || tie(a, b));
}
