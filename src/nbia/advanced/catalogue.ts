// getLicenses, getCollectionOrSeriesForDOI (spec §7.5), getManifestForCollection and
// getManifestTextV2 (§7.7): what the portal and tcia_utils (getDoiMetadata calls
// getCollectionOrSeriesForDOI) ask about licences, DOIs and whole collections. Every answer
// holds only what the caller may see.
import { bareDoi } from '../../archive/doi.js';
import { doiHits } from '../../archive/queries/doi.js';
import { licenses } from '../../archive/queries/licenses.js';
import { collectionSeriesUids, visibleSeriesUids } from '../../archive/queries/manifests.js';
import { badRequest } from '../../errors.js';
import { jsonBody, type EndpointDef } from '../endpoint.js';
import { seriesList } from './metadata.js';
import { downloadServerUrl, MANIFEST_TYPE, manifestText } from './search.js';

/** `CollectionOrSeries`: the original answers series only for "Series" and collections for anything else; we name the choices. */
function perSeries(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'series') return true;
  if (v === '' || v === 'collection' || v === 'collections') return false;
  throw badRequest(`CollectionOrSeries "${value}" is not understood: use Collection (the default) or Series`);
}

/** `yyyy-MM-dd_HH-mm` of now (UTC), as the original names a collection's manifest. */
function basketStamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}

export const catalogueEndpoints: EndpointDef[] = [
  {
    name: 'getLicenses',
    families: ['advanced'],
    method: 'GET',
    summary: 'The licences of the collections the caller may see (JSON)',
    params: [],
    format: false,
    // The original's LicenseDTO through Jackson: every key, nulls included. This archive
    // records one licence name per collection, shown as longName; shortName is not recorded.
    handler: async ({ scope }) =>
      jsonBody(
        (await licenses(scope)).map((l) => ({
          longName: l.name,
          id: l.id,
          shortName: null,
          licenseURL: l.url,
          licenseText: l.text,
          commercialUse: l.commercialUse,
        })),
      ),
  },
  ...(['advanced', 'v4'] as const).map(
    (family): EndpointDef => ({
      name: 'getCollectionOrSeriesForDOI',
      families: [family],
      method: 'POST',
      summary: 'The collections (or, with CollectionOrSeries=Series, the series) whose DOI is the one given (JSON)',
      params: [
        { name: 'DOI', description: 'a DOI, as 10.NNNN/suffix or https://doi.org/10.NNNN/suffix (case-insensitive); empty or absent: every visible one' },
        { name: 'CollectionOrSeries', description: 'Collection (default) or Series' },
      ],
      format: false,
      handler: async ({ scope, params }) => {
        const given = params.get('DOI')?.trim();
        let doi: string | undefined;
        if (given !== undefined && given !== '') {
          doi = bareDoi(given);
          if (doi === undefined) throw badRequest(`DOI "${given}" is not a DOI: give it as 10.NNNN/suffix or https://doi.org/10.NNNN/suffix`);
        }
        const hits = await doiHits(scope, doi, perSeries(params.get('CollectionOrSeries')));
        // The original's DOIDTO through Jackson with nulls left out, its field names kept (sic).
        return jsonBody(
          hits.map((h) => ({
            collection: h.collection,
            ...(h.seriesInstanceUid !== undefined ? { seriesInstanceUID: h.seriesInstanceUid } : {}),
            ...(h.thirdPartyAnalysis !== null ? { thirdPartyAnanlysis: h.thirdPartyAnalysis } : {}),
            ...(family === 'v4' ? { authorized: 1 } : {}),
          })),
        );
      },
    }),
  ),
  {
    name: 'getManifestForCollection',
    families: ['advanced', 'v4'],
    method: 'POST',
    summary: 'A .tcia manifest of every series of one collection the caller may see',
    params: [
      { name: 'collection', description: 'the collection (case-insensitive)', required: true },
      { name: 'visibility', description: 'accepted for the original portal; only series the caller may see are ever listed' },
      { name: 'includeAnnotation', description: 'accepted; this archive holds no annotation files, so the manifest says false' },
    ],
    format: false,
    handler: async ({ scope, params, request }) => {
      const collection = params.require('collection').trim();
      if (collection === '') throw badRequest('collection must name a collection');
      const uids = await collectionSeriesUids(scope, collection);
      const now = new Date();
      const basket = `${collection.replace(/[^A-Za-z0-9._-]/g, '_')}-${basketStamp(now)}.tcia`;
      return { raw: manifestText(downloadServerUrl(request), uids, now.getTime(), basket), contentType: MANIFEST_TYPE };
    },
  },
  {
    name: 'getManifestTextV2',
    families: ['advanced'],
    method: 'POST',
    summary: 'A .tcia manifest of the given series (form field list) that the caller may see',
    params: [
      { name: 'list', description: 'SeriesInstanceUIDs: comma-separated in one field, or one per repeated field', required: true },
      { name: 'includeAnnotation', description: 'accepted; this archive holds no annotation files, so the manifest says false' },
    ],
    format: false,
    handler: async ({ scope, params, request }) => ({
      raw: manifestText(downloadServerUrl(request), await visibleSeriesUids(scope, seriesList(params))),
      contentType: MANIFEST_TYPE,
    }),
  },
];
