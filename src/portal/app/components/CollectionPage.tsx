// One collection: its description (as text), licence, counts and DOI, and a way into its series.
import { useEffect, useState } from 'preact/hooks';
import { collectionDescription, seriesSearch, type CollectionInfo, type SeriesInfo } from '../api.js';
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
  const { session, go } = usePortal();
  const [data, setData] = useState<Loaded | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    setData(undefined);
    (async () => {
      // Counted by the server: a collection of 200,000 series is as quick to show as a small one.
      const [info, found] = await Promise.all([
        collectionDescription(session, name),
        seriesSearch(session, { criteria: [{ type: 'CollectionCriteria', value: name }] }, 0, 1, 'all'),
      ]);
      if (!info && found.totalSeries === 0) return null;
      return {
        info,
        patients: found.totalPatients,
        studies: found.totalStudies ?? 0,
        series: found.totalSeries,
        images: found.totalImages ?? 0,
        sample: found.series[0] ?? null,
      };
    })().then(
      (d) => live && setData(d),
      () => live && setData(null),
    );
    return () => {
      live = false;
    };
  }, [name, session]);

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
