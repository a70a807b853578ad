// Series as a table: a thumbnail, the columns a person sorts by, a link to the series page
// and to its collection, and a cart button per row.
import type { ComponentChildren } from 'preact';
import type { SeriesInfo } from '../api.js';
import { linkHandler, usePortal } from '../context.js';
import { bytes } from '../format.js';
import { thumbnailUrl } from '../images.js';
import { viewUrl, type SortKey } from '../state.js';
import { AuthImage } from './Thumb.js';
import { addAll } from '../cart.js';

const COLUMNS: Array<{ label: string; sort?: SortKey; numeric?: boolean }> = [
  { label: 'Preview' },
  { label: 'Collection', sort: 'collection' },
  { label: 'Patient', sort: 'patient' },
  { label: 'Study date', sort: 'date' },
  { label: 'Modality', sort: 'modality' },
  { label: 'Series' },
  { label: 'Images', sort: 'images', numeric: true },
  { label: 'Size', sort: 'size', numeric: true },
  { label: 'Cart' },
];

export interface Sorting {
  key: SortKey;
  descending: boolean;
  onSort(key: SortKey): void;
}

export function SeriesTable({ caption, rows, sorting, extra }: { caption: string; rows: SeriesInfo[]; sorting?: Sorting; extra?: (r: SeriesInfo) => ComponentChildren }) {
  const { go, cart, setCart } = usePortal();
  const inCart = new Set(cart);
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const sorted = sorting && c.sort === sorting.key;
              return (
                <th scope="col" class={c.numeric ? 'num' : undefined} aria-sort={sorted ? (sorting.descending ? 'descending' : 'ascending') : undefined}>
                  {sorting && c.sort ? (
                    <button type="button" class="sort" onClick={() => sorting.onSort(c.sort!)}>
                      {c.label}
                      <span aria-hidden="true">{sorted ? (sorting.descending ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const seriesView = { kind: 'series', uid: r.seriesInstanceUid } as const;
            const collectionView = { kind: 'collection', name: r.collection } as const;
            const name = r.seriesDescription ?? `Series ${r.seriesNumber ?? r.seriesInstanceUid}`;
            return (
              <tr key={r.seriesInstanceUid}>
                <td>
                  <AuthImage className="thumb" url={thumbnailUrl(r.studyInstanceUid, r.seriesInstanceUid)} alt={`Preview of ${name}`} />
                </td>
                <td>
                  <a href={viewUrl(collectionView)} onClick={linkHandler(go, collectionView)}>
                    {r.collection}
                  </a>
                </td>
                <td>{r.patientId}</td>
                <td>{r.studyDate ?? ''}</td>
                <td>{r.modality}</td>
                <td class="wrap">
                  <a href={viewUrl(seriesView)} onClick={linkHandler(go, seriesView)}>
                    {name}
                  </a>
                </td>
                <td class="num">{r.imageCount}</td>
                <td class="num">{bytes(r.fileSize)}</td>
                <td>
                  {inCart.has(r.seriesInstanceUid) ? (
                    <button type="button" onClick={() => setCart(cart.filter((u) => u !== r.seriesInstanceUid))}>
                      Remove from cart
                    </button>
                  ) : (
                    <button type="button" onClick={() => setCart(addAll(cart, [r.seriesInstanceUid]))}>
                      Add to cart
                    </button>
                  )}
                  {extra?.(r)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
