// v1 getDeniedSeries (spec §5.21): of the series in `seriesList` (comma-separated, as the
// classic Data Retriever sends hundreds in one GET), those the caller may not download.
// The original evaluates them for the account named in `userName`, unauthenticated; that
// would tell anyone which collections another user was granted, so the answer is for the
// caller (the bearer if sent, else the guest) and `userName` is accepted but not trusted.
// Nothing denied is `[]` (policy "Answers"), not the original's 204.
import { deniedSeries } from '../../archive/queries/denied.js';
import { columns } from '../../formats/table.js';
import { badRequest } from '../../errors.js';
import type { EndpointDef } from '../endpoint.js';

export const deniedEndpoints: EndpointDef[] = [
  {
    name: 'getDeniedSeries',
    families: ['v1'],
    method: 'GET',
    summary: 'Of the series in seriesList, those the caller may not download (column SeriesInstanceUID)',
    params: [
      { name: 'seriesList', description: 'SeriesInstanceUIDs, comma-separated (repeating the parameter also works)', required: true },
      { name: 'userName', description: 'accepted for the Data Retriever; the answer is always for the caller' },
    ],
    handler: async ({ scope, params }) => {
      const uids = params.list('seriesList');
      if (uids.length === 0) throw badRequest('seriesList must name at least one SeriesInstanceUID');
      return {
        columns: columns(['SeriesInstanceUID', 'string']),
        rows: (await deniedSeries(scope, uids)).map((uid) => ({ SeriesInstanceUID: uid })),
      };
    },
  },
];
