// getLicenses (spec §7.5): the licences of the collections the viewer may see. The original
// keeps a licence table; here a licence is what a collection records (name, URL, text,
// commercial use), so the catalogue is the distinct licences of the visible collections.
import type { AccessScope } from '../access.js';
import { compareBytes } from './filters.js';

export interface License {
  /** 1, 2, ... in the order listed (by name): the original's ids are its table's own too. */
  id: number;
  name: string;
  url: string | null;
  text: string | null;
  commercialUse: string | null;
}

export async function licenses(scope: AccessScope): Promise<License[]> {
  const rows = await scope
    .collections()
    .where('collection.license_name', 'is not', null)
    .select([
      'collection.license_name as name',
      'collection.license_uri as url',
      'collection.license_text as text',
      'collection.commercial_use as commercialUse',
    ])
    .distinct()
    .execute();
  return rows
    .map((r) => ({ name: r.name as string, url: r.url, text: r.text, commercialUse: r.commercialUse }))
    .sort((a, b) => compareBytes(a.name, b.name) || compareBytes(a.url ?? '', b.url ?? '') || compareBytes(a.text ?? '', b.text ?? ''))
    .map((r, i) => ({ id: i + 1, ...r }));
}
