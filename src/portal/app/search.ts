// Faceted search through the server's series search (getSimpleSearchSeriesPaged): the
// server filters, counts, sorts and pages, so showing a page costs the same on 50 series
// as on 200,000. Facet counts are series, each facet counted without its own choices (so
// ticking CT does not hide MR). The free text looks in patient IDs and in study and series
// descriptions.
import { FACETS, PAGE_SIZE, type FacetKey, type SearchState } from './state.js';
import { seriesMetadata, seriesSearch, seriesSearchUids, type Criterion, type SeriesInfo, type SeriesQuery, type Session } from './api.js';

export interface FacetValue {
  value: string;
  count: number;
}

export interface SearchOutcome {
  /** The series of the page asked for, in the order asked for. */
  series: SeriesInfo[];
  /** Every matching series. */
  total: number;
  patients: number;
  facets: Record<FacetKey, FacetValue[]>;
}

/** The search state as the server's query (everything but the page). */
export function queryOf(s: SearchState): SeriesQuery {
  const criteria: Criterion[] = [];
  for (const f of FACETS) for (const value of s.facets[f.key]) criteria.push({ type: f.criteria, value });
  if (s.from || s.to) criteria.push({ type: 'DateRangeCriteria', ...(s.from ? { fromDate: s.from } : {}), ...(s.to ? { toDate: s.to } : {}) });
  return { criteria, ...(s.text ? { text: s.text } : {}), sortField: s.sort, sortDirection: s.descending ? 'descending' : 'ascending' };
}

/** Caches per session: Back and returning to a page do not ask the server again. */
export class SearchEngine {
  private readonly pages = new Map<string, Promise<SearchOutcome>>();
  private readonly metadata = new Map<string, SeriesInfo | null>();

  constructor(private readonly session: Session) {}

  run(s: SearchState): Promise<SearchOutcome> {
    const query = queryOf(s);
    const key = JSON.stringify([query, s.page]);
    let p = this.pages.get(key);
    if (!p) {
      p = seriesSearch(this.session, query, (s.page - 1) * PAGE_SIZE, PAGE_SIZE).then((r) => {
        for (const row of r.series) this.metadata.set(row.seriesInstanceUid, row);
        return { series: r.series, total: r.totalSeries, patients: r.totalPatients, facets: r.facets };
      });
      this.pages.set(key, p);
      p.catch(() => this.pages.delete(key));
    }
    return p;
  }

  /** Every matching series' UID, in the search's order ("add all results to the cart"). */
  allUids(s: SearchState): Promise<string[]> {
    return seriesSearchUids(this.session, queryOf(s));
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
}
