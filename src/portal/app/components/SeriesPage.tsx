// One series: its metadata, its images one at a time (slider, arrow keys, mouse wheel), a
// window preset for CT, and its collection's licence.
import { useEffect, useState } from 'preact/hooks';
import { sopInstanceUids, type SeriesInfo } from '../api.js';
import { linkHandler, usePortal } from '../context.js';
import { addAll, saveBlob } from '../cart.js';
import { bytes } from '../format.js';
import { wadoUrl, type Window } from '../images.js';
import { viewUrl } from '../state.js';
import { AuthImage } from './Thumb.js';
import { seriesZip } from '../api.js';

/** Common CT presets (center/width in HU). */
const CT_WINDOWS: Array<{ name: string; window?: Window }> = [
  { name: 'As stored' },
  { name: 'Lung', window: { center: -600, width: 1500 } },
  { name: 'Soft tissue', window: { center: 40, width: 400 } },
  { name: 'Bone', window: { center: 400, width: 1800 } },
  { name: 'Brain', window: { center: 40, width: 80 } },
];

export function SeriesPage({ uid }: { uid: string }) {
  const portal = usePortal();
  const { session, engine, go, cart, setCart, announce } = portal;
  const [series, setSeries] = useState<SeriesInfo | null | undefined>(undefined);
  const [images, setImages] = useState<string[] | null>(null);
  const [index, setIndex] = useState(0);
  const [preset, setPreset] = useState(0);

  useEffect(() => {
    let live = true;
    setSeries(undefined);
    setImages(null);
    setIndex(0);
    engine.series([uid]).then((rows) => live && setSeries(rows[0] ?? null), () => live && setSeries(null));
    sopInstanceUids(session, uid).then((u) => live && setImages(u), () => live && setImages([]));
    return () => {
      live = false;
    };
  }, [uid, engine, session]);

  if (series === undefined) return <p aria-live="polite">Loading series…</p>;
  if (series === null) return <p role="alert">No such series, or not visible to you.</p>;

  const count = images?.length ?? 0;
  const step = (d: number) => setIndex((i) => Math.max(0, Math.min(count - 1, i + d)));
  const sop = images?.[index];
  const window = series.modality === 'CT' ? CT_WINDOWS[preset]?.window : undefined;
  const title = series.seriesDescription ?? `Series ${series.seriesNumber ?? ''}`;
  const collectionView = { kind: 'collection', name: series.collection } as const;
  const inCart = cart.includes(uid);

  return (
    <article class="series-page">
      <h1>{title}</h1>
      <p>
        <a href={viewUrl(collectionView)} onClick={linkHandler(go, collectionView)}>
          {series.collection}
        </a>{' '}
        · patient {series.patientId} · {series.modality} · {series.imageCount} images · {bytes(series.fileSize)}
      </p>
      <div class="actions">
        {inCart ? (
          <button type="button" onClick={() => setCart(cart.filter((u) => u !== uid))}>
            Remove from cart
          </button>
        ) : (
          <button type="button" onClick={() => setCart(addAll(cart, [uid]))}>
            Add to cart
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            announce('Preparing the series ZIP…');
            seriesZip(session, uid).then(
              (zip) => (saveBlob(zip, `${uid}.zip`), announce('Series ZIP downloaded')),
              (e: unknown) => announce(`Download failed: ${e instanceof Error ? e.message : String(e)}`),
            );
          }}
        >
          Download series ZIP
        </button>
      </div>
      <section class="viewer-wrap" aria-label="Images">
        <div
          class="viewer"
          tabIndex={0}
          role="group"
          aria-label="Image viewer: arrow keys, Page Up/Down, Home and End change the image"
          onKeyDown={(e) => {
            const moves: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
            const d = moves[e.key];
            if (d === undefined) return;
            e.preventDefault();
            step(d === Infinity ? count : d === -Infinity ? -count : d);
          }}
          onWheel={(e) => {
            if (e.deltaY === 0) return;
            e.preventDefault();
            step(e.deltaY > 0 ? 1 : -1);
          }}
        >
          {images === null ? (
            <p>Loading images…</p>
          ) : sop ? (
            <AuthImage className="frame" url={wadoUrl(series.studyInstanceUid, uid, sop, window)} alt={`Image ${index + 1} of ${count}`} />
          ) : (
            <p>No images.</p>
          )}
        </div>
        <div class="viewer-controls">
          <label for="image-index">Image</label>
          <input id="image-index" type="range" min={1} max={Math.max(1, count)} value={index + 1} disabled={count < 2} onInput={(e) => setIndex(Number(e.currentTarget.value) - 1)} />
          <output for="image-index">
            {count ? index + 1 : 0} / {count}
          </output>
          {series.modality === 'CT' && (
            <>
              <label for="window">Window</label>
              <select id="window" value={preset} onChange={(e) => setPreset(Number(e.currentTarget.value))}>
                {CT_WINDOWS.map((w, i) => (
                  <option value={i}>{w.window ? `${w.name} (${w.window.center}/${w.window.width})` : w.name}</option>
                ))}
              </select>
            </>
          )}
        </div>
      </section>
      <section aria-labelledby="licence">
        <h2 id="licence">Licence</h2>
        <p>{series.licenseUri ? <a href={series.licenseUri} rel="noopener noreferrer">{series.licenseName ?? series.licenseUri}</a> : (series.licenseName ?? 'Not stated')}</p>
      </section>
      <section aria-labelledby="metadata">
        <h2 id="metadata">Metadata</h2>
        <dl class="metadata">
          {series.columns.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      </section>
    </article>
  );
}
