// getCollectionValues, getModalityValues, getBodyPartValues, getManufacturerValues (spec §5.1–5.4).
// Single-column lists in every family: v4 adds no `Authorized` column to them (the original's
// v4 list endpoints do not either).
import { bodyPartValues, collectionValues, manufacturerValues, modalityValues } from '../../archive/queries/values.js';
import { columns } from '../../formats/table.js';
import type { EndpointDef } from '../endpoint.js';

const ALL = ['v1', 'v2', 'v4'] as const;

const COLLECTION = { name: 'Collection', description: 'collection name (case-insensitive)' };
const MODALITY = { name: 'Modality', description: 'modality, e.g. CT (case-insensitive)' };
const BODY_PART = { name: 'BodyPartExamined', description: 'body part, e.g. CHEST (exact)' };

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
  {
    name: 'getModalityValues',
    families: ALL,
    method: 'GET',
    summary: 'Modalities of the series the caller may see',
    params: [COLLECTION, BODY_PART],
    handler: async ({ scope, params }) => ({
      columns: columns(['Modality', 'string']),
      rows: (await modalityValues(scope, { collection: params.get('Collection'), bodyPartExamined: params.get('BodyPartExamined') })).map(
        (Modality) => ({ Modality }),
      ),
    }),
  },
  {
    name: 'getBodyPartValues',
    families: ALL,
    method: 'GET',
    summary: 'Body parts (upper-cased) of the series the caller may see; a missing body part is listed first as {}',
    params: [COLLECTION, MODALITY],
    handler: async ({ scope, params }) => ({
      columns: columns(['BodyPartExamined', 'string']),
      rows: (await bodyPartValues(scope, { collection: params.get('Collection'), modality: params.get('Modality') })).map(
        (BodyPartExamined) => ({ BodyPartExamined }),
      ),
    }),
  },
  {
    name: 'getManufacturerValues',
    families: ALL,
    method: 'GET',
    summary: 'Manufacturers of the series the caller may see; a missing manufacturer is listed first as {}',
    params: [COLLECTION, MODALITY, BODY_PART],
    handler: async ({ scope, params }) => ({
      columns: columns(['Manufacturer', 'string']),
      rows: (
        await manufacturerValues(scope, {
          collection: params.get('Collection'),
          modality: params.get('Modality'),
          bodyPartExamined: params.get('BodyPartExamined'),
        })
      ).map((Manufacturer) => ({ Manufacturer })),
    }),
  },
];
