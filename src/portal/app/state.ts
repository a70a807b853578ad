// The whole portal state that a link carries: which page, and for the search every choice
// (facets, dates, text, sort, page). Parsed from and written to `location.search`, so a
// link can be shared and Back returns to the previous search.

export const FACETS = [
  { key: 'collection', label: 'Collection', criteria: 'CollectionCriteria' },
  { key: 'modality', label: 'Modality', criteria: 'ImageModalityCriteria' },
  { key: 'bodyPart', label: 'Body part', criteria: 'BodyPartExaminedCriteria' },
  { key: 'manufacturer', label: 'Manufacturer', criteria: 'ManufacturerCriteria' },
  { key: 'species', label: 'Species', criteria: 'SpeciesCriteria' },
] as const;

export type FacetKey = (typeof FACETS)[number]['key'];

export const SORT_KEYS = ['collection', 'patient', 'date', 'modality', 'images', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SearchState {
  facets: Record<FacetKey, string[]>;
  /** YYYY-MM-DD or '' */
  from: string;
  to: string;
  text: string;
  sort: SortKey;
  descending: boolean;
  /** From 1. */
  page: number;
}

export type View =
  | { kind: 'search'; search: SearchState }
  | { kind: 'series'; uid: string }
  | { kind: 'collection'; name: string }
  | { kind: 'cart' }
  | { kind: 'shared'; name: string };

export const PAGE_SIZE = 20;

export function emptySearch(): SearchState {
  return { facets: { collection: [], modality: [], bodyPart: [], manufacturer: [], species: [] }, from: '', to: '', text: '', sort: 'collection', descending: false, page: 1 };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseView(search: string): View {
  const q = new URLSearchParams(search);
  const shared = q.get('cart');
  if (shared) return { kind: 'shared', name: shared };
  const series = q.get('series');
  if (series) return { kind: 'series', uid: series };
  const collection = q.get('collectionPage');
  if (collection) return { kind: 'collection', name: collection };
  if (q.get('view') === 'cart') return { kind: 'cart' };
  const s = emptySearch();
  for (const f of FACETS) s.facets[f.key] = q.getAll(f.key).filter((v) => v !== '');
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  s.from = ISO_DATE.test(from) ? from : '';
  s.to = ISO_DATE.test(to) ? to : '';
  s.text = q.get('q') ?? '';
  const sort = q.get('sort');
  if (sort && (SORT_KEYS as readonly string[]).includes(sort)) s.sort = sort as SortKey;
  s.descending = q.get('order') === 'desc';
  const page = Number(q.get('page'));
  s.page = Number.isInteger(page) && page > 0 ? page : 1;
  return { kind: 'search', search: s };
}

export function viewUrl(view: View): string {
  const q = new URLSearchParams();
  switch (view.kind) {
    case 'shared':
      q.set('cart', view.name);
      break;
    case 'series':
      q.set('series', view.uid);
      break;
    case 'collection':
      q.set('collectionPage', view.name);
      break;
    case 'cart':
      q.set('view', 'cart');
      break;
    case 'search': {
      const s = view.search;
      for (const f of FACETS) for (const v of s.facets[f.key]) q.append(f.key, v);
      if (s.from) q.set('from', s.from);
      if (s.to) q.set('to', s.to);
      if (s.text) q.set('q', s.text);
      if (s.sort !== 'collection') q.set('sort', s.sort);
      if (s.descending) q.set('order', 'desc');
      if (s.page > 1) q.set('page', String(s.page));
      break;
    }
  }
  const text = q.toString();
  return text ? `/?${text}` : '/';
}
