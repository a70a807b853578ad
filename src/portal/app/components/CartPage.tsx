// The cart: its series, removable; a `.tcia` manifest of them; each series' ZIP; and
// sharing under a name (createSharedList), which `/?cart=NAME` opens again. A shared cart
// is shown by SharedCartPage, read back with getContentsByName.
import { useEffect, useState } from 'preact/hooks';
import { createSharedList, manifest, seriesZip, sharedListContents, type SeriesInfo } from '../api.js';
import { usePortal } from '../context.js';
import { addAll, saveBlob } from '../cart.js';
import { viewUrl } from '../state.js';
import { SeriesTable } from './SeriesTable.js';

function useSeries(uids: string[] | null): SeriesInfo[] | null {
  const { engine } = usePortal();
  const [rows, setRows] = useState<SeriesInfo[] | null>(null);
  const key = uids?.join(',') ?? null;
  useEffect(() => {
    let live = true;
    setRows(null);
    if (uids === null) return;
    engine.series(uids).then((r) => live && setRows(r), () => live && setRows([]));
    return () => {
      live = false;
    };
  }, [key, engine]);
  return rows;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function CartPage() {
  const { session, cart, setCart, announce } = usePortal();
  const rows = useSeries(cart);
  const [name, setName] = useState('');
  const [shared, setShared] = useState<string | null>(null);
  const visible = rows?.map((r) => r.seriesInstanceUid) ?? [];
  const hidden = rows ? cart.length - rows.length : 0;

  const downloadZip = (r: SeriesInfo) => {
    announce(`Preparing ${r.seriesInstanceUid}.zip…`);
    seriesZip(session, r.seriesInstanceUid).then(
      (zip) => (saveBlob(zip, `${r.seriesInstanceUid}.zip`), announce(`${r.seriesInstanceUid}.zip downloaded`)),
      (e: unknown) => announce(`Download failed: ${message(e)}`),
    );
  };

  return (
    <article class="cart-page">
      <h1>Cart</h1>
      {rows === null ? (
        <p aria-live="polite">Loading the cart…</p>
      ) : cart.length === 0 ? (
        <p>The cart is empty. Add series from the search.</p>
      ) : (
        <>
          {hidden > 0 && <p>{hidden} series in the cart are not visible to you now (log in to see them).</p>}
          <div class="actions">
            <button
              type="button"
              disabled={visible.length === 0}
              onClick={() =>
                manifest(session, visible).then(
                  (text) => (saveBlob(new Blob([text], { type: 'application/x-nbia-manifest-file' }), 'cart.tcia'), announce('Manifest downloaded')),
                  (e: unknown) => announce(`Manifest failed: ${message(e)}`),
                )
              }
            >
              Download manifest
            </button>
            <button type="button" onClick={() => setCart([])}>
              Empty cart
            </button>
          </div>
          <SeriesTable
            caption="Series in the cart"
            rows={rows}
            extra={(r) => (
              <button type="button" onClick={() => downloadZip(r)}>
                Download ZIP
              </button>
            )}
          />
          <form
            class="share"
            onSubmit={(e) => {
              e.preventDefault();
              const n = name.trim();
              if (!n) return announce('Give the cart a name to share it');
              createSharedList(session, n, visible).then(
                () => (setShared(n), announce(`Cart shared as ${n}`)),
                (e: unknown) => announce(`Sharing failed: ${message(e)}`),
              );
            }}
          >
            <label for="cart-name">Cart name</label>
            <input id="cart-name" value={name} required onInput={(e) => setName(e.currentTarget.value)} />
            <button type="submit">Share cart</button>
          </form>
          {shared && (
            <p>
              Shared: <a href={viewUrl({ kind: 'shared', name: shared })}>{new URL(viewUrl({ kind: 'shared', name: shared }), location.href).href}</a>
            </p>
          )}
        </>
      )}
    </article>
  );
}

export function SharedCartPage({ name }: { name: string }) {
  const { session, cart, setCart, announce } = usePortal();
  const [uids, setUids] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setUids(null);
    sharedListContents(session, name).then((u) => live && setUids(u), (e: unknown) => live && (setError(message(e)), setUids([])));
    return () => {
      live = false;
    };
  }, [name, session]);
  const rows = useSeries(uids);
  return (
    <article class="cart-page">
      <h1>Shared cart {name}</h1>
      {error && <p role="alert">{error}</p>}
      {rows === null ? (
        <p aria-live="polite">Loading the shared cart…</p>
      ) : (
        <>
          <div class="actions">
            <button type="button" disabled={rows.length === 0} onClick={() => (setCart(addAll(cart, rows.map((r) => r.seriesInstanceUid))), announce(`${rows.length} series added to the cart`))}>
              Add all to cart
            </button>
          </div>
          <SeriesTable caption={`Series in ${name}`} rows={rows} />
        </>
      )}
    </article>
  );
}
