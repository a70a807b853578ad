// What to download: series UIDs from a manifest, from the command line, from a query or from
// a shared cart, then each one's metadata from v4 getSeriesMetadata (one POST per 500 UIDs).
// A UID the server does not answer for is not available to this account (restricted or
// unknown: NBIA answers both alike); it is reported, never silently dropped.
import type { NbiaClient, SeriesMetadataRow } from '../client/index.js';

export interface SeriesQuery {
  collection: string;
  modality?: string;
  patientId?: string;
}

export interface Selection {
  uids?: readonly string[];
  query?: SeriesQuery;
  cart?: string;
}

const METADATA_CHUNK = 500;

/** The requested UIDs, in order, without repeats. */
export async function selectedUids(client: NbiaClient, selection: Selection): Promise<string[]> {
  const uids: string[] = [...(selection.uids ?? [])];
  if (selection.query) {
    const q = selection.query;
    const rows = await client.v4.getSeries({ Collection: q.collection, ...(q.modality ? { Modality: q.modality } : {}), ...(q.patientId ? { PatientID: q.patientId } : {}) });
    uids.push(...rows.map((r) => r.SeriesInstanceUID));
  }
  if (selection.cart) {
    uids.push(...(await client.v1.getContentsByName({ name: selection.cart })).map((r) => r.SeriesInstanceUID));
  }
  return [...new Set(uids)];
}

export interface Plan {
  available: SeriesMetadataRow[];
  /** Requested UIDs the server gave no metadata for. */
  notAvailable: string[];
}

export async function planDownload(client: NbiaClient, uids: readonly string[]): Promise<Plan> {
  const byUid = new Map<string, SeriesMetadataRow>();
  for (let i = 0; i < uids.length; i += METADATA_CHUNK) {
    for (const row of await client.v4.getSeriesMetadata({ list: uids.slice(i, i + METADATA_CHUNK) })) byUid.set(row.SeriesInstanceUID, row);
  }
  return {
    available: uids.flatMap((u) => (byUid.has(u) ? [byUid.get(u)!] : [])),
    notAvailable: uids.filter((u) => !byUid.has(u)),
  };
}
