// What the endpoint declarations share: the family sets they are served in, the filter
// parameters several of them take (one description each), and the reading of those filters.
import type { ParamDef } from '../endpoint.js';
import type { Params } from '../params.js';

export const ALL = ['v1', 'v2', 'v4'] as const;
export const V1V2 = ['v1', 'v2'] as const;

export const COLLECTION: ParamDef = { name: 'Collection', description: 'collection name (case-insensitive)' };
export const MODALITY: ParamDef = { name: 'Modality', description: 'modality, e.g. CT (case-insensitive)' };
export const PATIENT_ID: ParamDef = { name: 'PatientID', description: 'patient ID (case-insensitive)' };

/** The series-level filters an endpoint declared, read from the request (absent ones stay undefined). */
export interface DeclaredFilters {
  collection: string | undefined;
  modality: string | undefined;
  bodyPartExamined: string | undefined;
}

/** Collection, Modality and BodyPartExamined, each read only when the endpoint declares it. */
export function declaredFilters(params: Params, declared: readonly ParamDef[]): DeclaredFilters {
  const given = (name: string) => (declared.some((p) => p.name === name) ? params.get(name) : undefined);
  return { collection: given('Collection'), modality: given('Modality'), bodyPartExamined: given('BodyPartExamined') };
}
