// getDicomTags (spec §7.3), unversioned and v4: the attributes of the first image of a
// series. Parameter `SeriesUID` (not SeriesInstanceUID). A series that is unknown or not
// the caller's answers [] — list endpoints answer what the caller may see — so nothing
// tells a restricted series from a missing one.
import { firstImageOfSeries, readDicomTags } from '../../archive/dicom-tags.js';
import { columns } from '../../formats/table.js';
import type { EndpointDef } from '../endpoint.js';

const TAG_COLUMNS = columns(['element', 'string'], ['name', 'string'], ['data', 'string']);

export const dicomTagEndpoints: EndpointDef[] = [
  {
    name: 'getDicomTags',
    families: ['advanced', 'v4'],
    method: 'GET',
    summary:
      'Attributes of the first image of a series: element "(0008,0060)", name, data. Items of a sequence are ' +
      'prefixed ">" per level and followed by an "End <name>" row; binary values are summarised.',
    params: [{ name: 'SeriesUID', description: 'the SeriesInstanceUID', required: true }],
    format: false,
    handler: async ({ scope, params, ctx }) => {
      const image = await firstImageOfSeries(scope, params.require('SeriesUID'));
      const rows = image ? await readDicomTags(ctx.blobs, image) : [];
      return { columns: TAG_COLUMNS, rows: rows.map((r) => ({ element: r.element, name: r.name, data: r.data })) };
    },
  },
];
