// getCollectionValues, getModalityValues, getBodyPartValues, getManufacturerValues (spec §5.1–5.4).
// Single-column lists in every family: v4 adds no `Authorized` column to them (the original's
// v4 list endpoints do not either). Each reads the filters it declares and no other.
import type { AccessScope } from '../../archive/access.js';
import { bodyPartValues, collectionValues, manufacturerValues, modalityValues } from '../../archive/queries/values.js';
import { columns } from '../../formats/table.js';
import type { EndpointDef, ParamDef } from '../endpoint.js';
import { ALL, COLLECTION, MODALITY, declaredFilters, type DeclaredFilters } from './shared.js';

const BODY_PART: ParamDef = { name: 'BodyPartExamined', description: 'body part, e.g. CHEST (exact)' };

interface ValueList {
  name: string;
  /** The one column, named after the value. */
  column: string;
  summary: string;
  params: ParamDef[];
  values(scope: AccessScope, filters: DeclaredFilters): Promise<Array<string | null>>;
}

const VALUE_LISTS: ValueList[] = [
  { name: 'getCollectionValues', column: 'Collection', summary: 'Collections the caller may see', params: [], values: (scope) => collectionValues(scope) },
  { name: 'getModalityValues', column: 'Modality', summary: 'Modalities of the series the caller may see', params: [COLLECTION, BODY_PART], values: modalityValues },
  {
    name: 'getBodyPartValues',
    column: 'BodyPartExamined',
    summary: 'Body parts (upper-cased) of the series the caller may see; a missing body part is listed first as {}',
    params: [COLLECTION, MODALITY],
    values: bodyPartValues,
  },
  {
    name: 'getManufacturerValues',
    column: 'Manufacturer',
    summary: 'Manufacturers of the series the caller may see; a missing manufacturer is listed first as {}',
    params: [COLLECTION, MODALITY, BODY_PART],
    values: manufacturerValues,
  },
];

export const valuesEndpoints: EndpointDef[] = VALUE_LISTS.map(
  (v): EndpointDef => ({
    name: v.name,
    families: ALL,
    method: 'GET',
    summary: v.summary,
    params: v.params,
    handler: async ({ scope, params }) => ({
      columns: columns([v.column, 'string']),
      rows: (await v.values(scope, declaredFilters(params, v.params))).map((value) => ({ [v.column]: value })),
    }),
  }),
);
