// One collection: its description (as text), licence, counts and DOI, and a way into its series.
import { useEffect, useState } from 'preact/hooks';
import { collectionDescription, simpleSearch, type CollectionInfo, type SeriesInfo } from '../api.js';
import { linkHandler, usePortal } from '../context.js';
import { htmlToText } from '../format.js';
import { emptySearch, viewUrl } from '../state.js';

interface Loaded {
  info: CollectionInfo | null;
  patients: number;
  studies: number;
  series: number;
  images: number;
  sample: SeriesInfo | null;
}

export function CollectionPage({ name }: { name: string }) {
  const { session, engine, go } = usePortal();
  const [data, setData] = useState<Loaded | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    setData(undefined);
    (async () => {
      const [info, patients] = await Promise.all([collectionDescription(session, name), simpleSearch(session, [{ type: 'CollectionCriteria', value: name }])]);
      if (!info && patients.length === 0) return null;
      const uids = patients.flatMap((p) => p.seriesUids);
      const series = await engine.series(uids);
      const studies = new Set(series.map((s) => s.studyInstanceUid)).size;
      return { info, patients: patients.length, studies, series: uids.length, images: series.reduce((n, s) => n + s.imageCount, 0), sample: series[0] ?? null };
    })().then(
      (d) => live && setData(d),
      () => live && setData(null),
    );
    return () => {
      live = false;
    };
  }, [name, session, engine]);

  if (data === undefined) return <p aria-live="polite">Loading collection…</p>;
  if (data === null) return <p role="alert">No such collection, or not visible to you.</p>;
  const search = { ...emptySearch(), facets: { ...emptySearch().facets, collection: [data.info?.name ?? name] } };
  const searchView = { kind: 'search', search } as const;
  const doi = data.info?.descriptionUri ?? data.sample?.descriptionUri ?? null;
  return (
    <article class="collection-page">
      <h1>{data.info?.name ?? name}</h1>
      {data.info?.description && <p class="description">{htmlToText(data.info.description)}</p>}
      <dl class="metadata">
        <dt>Patients</dt>
        <dd>{data.patients}</dd>
        <dt>Studies</dt>
        <dd>{data.studies}</dd>
        <dt>Series</dt>
        <dd>{data.series}</dd>
        <dt>Images</dt>
        <dd>{data.images}</dd>
        <dt>Licence</dt>
        <dd>{data.sample?.licenseUri ? <a href={data.sample.licenseUri} rel="noopener noreferrer">{data.sample.licenseName ?? data.sample.licenseUri}</a> : (data.sample?.licenseName ?? 'Not stated')}</dd>
        <dt>DOI</dt>
        <dd>{doi ? <a href={doi} rel="noopener noreferrer">{doi}</a> : 'None recorded'}</dd>
      </dl>
      <p>
        <a href={viewUrl(searchView)} onClick={linkHandler(go, searchView)}>
          Show the series of {data.info?.name ?? name}
        </a>
      </p>
    </article>
  );
}
