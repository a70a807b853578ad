// getCollectionValues, getModalityValues, getBodyPartValues, getManufacturerValues (spec §5.1–5.4).
import { collectionValues } from '../../archive/queries/values.js';
import { columns } from '../../formats/table.js';
import type { EndpointDef } from '../endpoint.js';

const ALL = ['v1', 'v2', 'v4'] as const;

export const valuesEndpoints: EndpointDef[] = [
  {
    name: 'getCollectionValues',
    families: ALL,
    method: 'GET',
    summary: 'Collections the caller may see',
    params: [],
    handler: async ({ scope }) => ({
      columns: columns(['Collection', 'string']),
      rows: (await collectionValues(scope)).map((Collection) => ({ Collection })),
    }),
  },
];
