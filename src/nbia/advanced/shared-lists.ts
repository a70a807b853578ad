// createSharedList (spec §7.6): a shared cart from series the caller may see, owned by the
// caller; readable by name afterwards with getContentsByName. Form fields `list` (one UID
// per repeated field, as the original; comma-joined also works), `name`, `description`, `url`.
import { createSharedList } from '../../archive/queries/advanced-carts.js';
import type { EndpointDef } from '../endpoint.js';
import { seriesList } from './metadata.js';

export const sharedListEndpoints: EndpointDef[] = [
  {
    name: 'createSharedList',
    families: ['advanced'],
    method: 'POST',
    summary: 'Create a shared cart (list) of series the caller may see; answers "List created"',
    params: [
      { name: 'list', description: 'SeriesInstanceUIDs, one per repeated field (comma-separated also accepted)', required: true },
      { name: 'name', description: 'cart name, unique case-insensitively', required: true },
      { name: 'description', description: 'free text' },
      { name: 'url', description: 'a link shown with the cart' },
    ],
    format: false,
    handler: async ({ scope, params, ctx }) => {
      await createSharedList(scope, ctx.store.db, {
        name: params.require('name'),
        seriesInstanceUids: seriesList(params),
        ...(params.get('description') !== undefined ? { description: params.get('description') as string } : {}),
        ...(params.get('url') !== undefined ? { url: params.get('url') as string } : {}),
      });
      return { raw: 'List created', contentType: 'text/plain; charset=utf-8' };
    },
  },
];
