// get<Field>ValuesAndCounts (spec §7.1, §8; clients.md §3.3). Two shapes of one count:
// - unversioned: `[{"criteria":"CT","count":"12"}]`, JSON only, count a string — nbiatoolkit
//   and tcia_utils 1.x/2.x read exactly these two keys;
// - v4: columns `<Field>`, `Count`, `Authorized` in any format. Count is a number there:
//   the Java v4 writes its COUNT(...) Long through the same writer as every other count
//   (ImageCount, FileSize), which emits numbers, and a count is a number.
// The count is the number of distinct patients with at least one visible series having the value.
import { valuesAndCounts, type CountedField } from '../../archive/queries/advanced-counts.js';
import { columns } from '../../formats/table.js';
import type { EndpointDef, ParamDef } from '../endpoint.js';
import { COLLECTION, MODALITY, declaredFilters } from '../endpoints/shared.js';

const BODY_PART: ParamDef = {
  name: 'BodyPartExamined',
  description: 'body part as listed, e.g. CHEST (case-insensitive; NOT SPECIFIED selects series without one)',
};

interface CountedEndpoint {
  name: string;
  field: CountedField;
  /** The v4 value column. */
  column: string;
  what: string;
  params: ParamDef[];
}

const COUNTED: CountedEndpoint[] = [
  { name: 'getCollectionValuesAndCounts', field: 'collection', column: 'Collection', what: 'collection', params: [] },
  { name: 'getModalityValuesAndCounts', field: 'modality', column: 'Modality', what: 'modality', params: [COLLECTION, BODY_PART] },
  { name: 'getBodyPartValuesAndCounts', field: 'bodyPart', column: 'BodyPartExamined', what: 'body part (upper-cased; NOT SPECIFIED when absent)', params: [COLLECTION, MODALITY] },
  { name: 'getManufacturerValuesAndCounts', field: 'manufacturer', column: 'Manufacturer', what: 'manufacturer ("" when absent)', params: [COLLECTION, MODALITY, BODY_PART] },
  { name: 'getSpeciesValuesAndCounts', field: 'species', column: 'Species', what: 'species code (SNOMED; 337915000 when unstated)', params: [] },
];

export const countEndpoints: EndpointDef[] = COUNTED.flatMap((c): EndpointDef[] => [
  {
    name: c.name,
    families: ['advanced'],
    method: 'GET',
    summary: `Each ${c.what} with its number of patients, as [{"criteria","count"}] (count is a string)`,
    params: c.params,
    format: false,
    handler: async ({ scope, params }) => ({
      columns: columns(['criteria', 'string'], ['count', 'string']),
      rows: (await valuesAndCounts(scope, c.field, declaredFilters(params, c.params))).map((v) => ({ criteria: v.value, count: String(v.patients) })),
    }),
  },
  {
    name: c.name,
    families: ['v4'],
    method: 'GET',
    summary: `Each ${c.what} with its number of patients: columns ${c.column}, Count, Authorized`,
    params: c.params,
    handler: async ({ scope, params }) => ({
      columns: columns([c.column, 'string'], ['Count', 'long'], ['Authorized', 'integer']),
      rows: (await valuesAndCounts(scope, c.field, declaredFilters(params, c.params))).map((v) => ({ [c.column]: v.value, Count: v.patients, Authorized: 1 })),
    }),
  },
]);
