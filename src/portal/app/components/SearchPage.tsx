// The search: free text, study dates, five facet groups with counts that follow the other
// choices, and a paged, sortable table of series. Every change is a new URL.
import { useEffect, useState } from 'preact/hooks';
import { usePortal } from '../context.js';
import { addAll } from '../cart.js';
import { speciesName } from '../format.js';
import type { SearchEngine, SearchOutcome } from '../search.js';
import { FACETS, PAGE_SIZE, type FacetKey, type SearchState, type SortKey } from '../state.js';
import { SeriesTable } from './SeriesTable.js';

export function SearchPage({ search }: { search: SearchState }) {
  const { engine, go, cart, setCart, announce } = usePortal();
  const [outcome, setOutcome] = useState<{ for: SearchState; engine: SearchEngine; result: SearchOutcome } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState(search.text);
  useEffect(() => setText(search.text), [search.text]);

  useEffect(() => {
    let live = true;
    setError(null);
    engine.run(search).then(
      (result) => live && setOutcome({ for: search, engine, result }),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [engine, search]);

  const change = (patch: Partial<SearchState>) => go({ kind: 'search', search: { ...search, page: 1, ...patch } });
  const toggle = (key: FacetKey, value: string, on: boolean) => {
    const values = search.facets[key].filter((v) => v !== value);
    change({ facets: { ...search.facets, [key]: on ? [...values, value] : values } });
  };
  const onSort = (key: SortKey) => change({ sort: key, descending: search.sort === key ? !search.descending : false });

  // What another viewer's session found (before a login or logout) is never shown.
  const result = outcome?.engine === engine ? outcome.result : undefined;
  const total = result?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = search.page;
  const rows = result?.series ?? [];
  const addAllResults = () =>
    engine.allUids(search).then(
      (uids) => (setCart(addAll(cart, uids)), announce(`${uids.length} series added to the cart`)),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );

  return (
    <div class="search">
      <form
        class="filters"
        role="search"
        aria-label="Series search"
        onSubmit={(e) => {
          e.preventDefault();
          change({ text: text.trim() });
        }}
      >
        <div class="field">
          <label for="q">Search</label>
          <div class="inline">
            <input id="q" type="search" value={text} placeholder="Patient ID or description" onInput={(e) => setText(e.currentTarget.value)} />
            <button type="submit">Go</button>
          </div>
        </div>
        <fieldset>
          <legend>Study date</legend>
          <label for="from">From</label>
          <input id="from" type="date" value={search.from} onChange={(e) => change({ from: e.currentTarget.value })} />
          <label for="to">To</label>
          <input id="to" type="date" value={search.to} onChange={(e) => change({ to: e.currentTarget.value })} />
        </fieldset>
        {FACETS.map((f) => (
          <fieldset key={f.key} class="facet">
            <legend>{f.label}</legend>
            {(result?.facets[f.key] ?? []).map(({ value, count }) => {
              const id = `f-${f.key}-${value}`;
              return (
                <div class="check" key={value}>
                  <input
                    type="checkbox"
                    id={id}
                    checked={search.facets[f.key].includes(value)}
                    onChange={(e) => toggle(f.key, value, e.currentTarget.checked)}
                    aria-describedby={`${id}-n`}
                  />
                  <label for={id}>{f.key === 'species' ? speciesName(value) : value}</label>
                  <span class="count" id={`${id}-n`}>
                    {count}
                  </span>
                </div>
              );
            })}
          </fieldset>
        ))}
      </form>
      <section class="results" aria-label="Results" aria-busy={outcome?.for !== search || outcome.engine !== engine}>
        {error && <p role="alert">Search failed: {error}</p>}
        <div class="toolbar">
          <p aria-live="polite">{result ? `${total} series of ${result.patients} patients` : 'Searching…'}</p>
          <button type="button" disabled={rows.length === 0} onClick={() => (setCart(addAll(cart, rows.map((r) => r.seriesInstanceUid))), announce(`${rows.length} series added to the cart`))}>
            Add page to cart
          </button>
          <button type="button" disabled={total === 0} onClick={() => void addAllResults()}>
            Add all results to cart
          </button>
        </div>
        <SeriesTable caption="Series found" rows={rows} sorting={{ key: search.sort, descending: search.descending, onSort }} />
        <nav class="pages" aria-label="Pages">
          <button type="button" disabled={page <= 1} onClick={() => go({ kind: 'search', search: { ...search, page: page - 1 } })}>
            Previous page
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => go({ kind: 'search', search: { ...search, page: page + 1 } })}>
            Next page
          </button>
        </nav>
      </section>
    </div>
  );
}
