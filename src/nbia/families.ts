// The NBIA endpoint families and where each endpoint lives. The original serves every
// resource both under /nbia-api/services/ and directly under /nbia-api/ (§1.1), and so do we.

export type Family = 'v1' | 'v2' | 'v4' | 'advanced';

export const FAMILIES: readonly Family[] = ['v1', 'v2', 'v4', 'advanced'];

export const API_ROOT = '/nbia-api';

/** Both URL paths of one endpoint of a family. */
export function endpointPaths(family: Family, name: string): string[] {
  const tail = family === 'advanced' ? name : `${family}/${name}`;
  return [`${API_ROOT}/services/${tail}`, `${API_ROOT}/${tail}`];
}

/**
 * Whether a family answers without a bearer token, as the guest. v1 and v4 do (public
 * clients call them anonymously); v2 and the unversioned "advanced" endpoints need a token.
 */
export function allowsAnonymous(family: Family): boolean {
  return family === 'v1' || family === 'v4';
}
