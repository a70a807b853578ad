// getCollectionDescriptions (spec §7.5), unversioned and v4: the collections the caller may
// see with their description. nbiatoolkit reads collectionName, description, descriptionURI
// and collectionDescTimestamp (epoch milliseconds, int-castable) by key from the one row it
// asks for, so every key is always present (null when unknown), as the original's Jackson
// writes them, in the original's order.
import { collectionDescriptions } from '../../archive/queries/advanced-descriptions.js';
import { toEpochMillis } from '../dates.js';
import { jsonBody, type EndpointDef } from '../endpoint.js';

export const descriptionEndpoints: EndpointDef[] = [
  {
    name: 'getCollectionDescriptions',
    families: ['advanced', 'v4'],
    method: 'GET',
    summary: 'Descriptions (HTML) and DOI links of the collections the caller may see',
    params: [{ name: 'collectionName', description: 'one collection (case-insensitive); all visible ones when absent or empty' }],
    format: false,
    handler: async ({ scope, params }) => {
      const name = params.get('collectionName');
      const rows = await collectionDescriptions(scope, name === undefined || name === '' ? undefined : name);
      return jsonBody(
        rows.map((c) => ({
          description: c.description,
          id: c.id,
          collectionDescTimestamp: toEpochMillis(c.describedAt),
          collectionName: c.collectionName,
          descriptionURI: c.descriptionUri,
        })),
      );
    },
  },
];
