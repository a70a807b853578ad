// The portal's view of the archive: the few calls it makes, each one a public NBIA
// endpoint called through the typed client library (src/client). Typed rows in, plain
// portal records out, so components never see NBIA's column spellings.
// TEMPORARY: until src/client lands, these calls use fetch directly.

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A logged-in session (the guest is one too: the unversioned endpoints need a bearer). */
export interface Session {
  username: string;
  accessToken: string;
}

export const GUEST = 'nbia_guest';

async function failure(res: Response): Promise<ApiFailure> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error_description?: string };
    if (body.error_description) message = body.error_description;
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiFailure(res.status, message);
}

async function call(session: Session, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`/nbia-api/services/${path}`, { ...init, headers: { ...init.headers, Authorization: `Bearer ${session.accessToken}` } });
  if (!res.ok) throw await failure(res);
  return res;
}

export async function login(username: string, password: string): Promise<Session> {
  const res = await fetch('/nbia-api/oauth/token', {
    method: 'POST',
    body: new URLSearchParams({ username, password, grant_type: 'password', client_id: 'NBIA' }),
  });
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as { access_token: string };
  return { username, accessToken: body.access_token };
}

export async function logout(session: Session): Promise<void> {
  await fetch('/nbia-api/logout', { method: 'POST', headers: { Authorization: `Bearer ${session.accessToken}` } });
}

export interface PatientHit {
  id: number;
  subjectId: string;
  collection: string;
  seriesUids: string[];
  modalities: string[];
  bodyParts: string[];
  species: string[];
}

/** One criterion of the simple search form (spec §7.4). */
export type Criterion = { type: string; value: string } | { type: 'DateRangeCriteria'; from?: string; to?: string };

interface RawSearch {
  resultSet: Array<{
    id: number;
    subjectId: string;
    project: string;
    studyIdentifiers: Array<{ seriesInstanceUIDs: string[] }>;
    modalities: string[];
    bodyParts: string[];
    species: string[];
  }>;
}

/** Every patient matching the criteria, with the series that matched. */
export async function simpleSearch(session: Session, criteria: readonly Criterion[]): Promise<PatientHit[]> {
  const form = new URLSearchParams();
  criteria.forEach((c, i) => {
    form.set(`criteriaType${i}`, c.type);
    if ('value' in c) form.set(`value${i}`, c.value);
    else {
      if (c.from) form.set(`fromDate${i}`, c.from);
      if (c.to) form.set(`toDate${i}`, c.to);
    }
  });
  const res = await call(session, 'getSimpleSearchWithModalityAndBodyPartPaged', { method: 'POST', body: form });
  const raw = (await res.json()) as RawSearch;
  return raw.resultSet.map((p) => ({
    id: p.id,
    subjectId: p.subjectId,
    collection: p.project,
    seriesUids: p.studyIdentifiers.flatMap((s) => s.seriesInstanceUIDs),
    modalities: p.modalities,
    bodyParts: p.bodyParts,
    species: p.species,
  }));
}

export interface SeriesInfo {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  collection: string;
  patientId: string;
  /** YYYY-MM-DD */
  studyDate: string | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  modality: string;
  bodyPart: string | null;
  manufacturer: string | null;
  manufacturerModel: string | null;
  imageCount: number;
  fileSize: number;
  licenseName: string | null;
  licenseUri: string | null;
  descriptionUri: string | null;
  /** Every column as the server sent it, for the series page. */
  columns: Array<[string, string]>;
}

type V4Row = Record<string, string | number | undefined>;

const text = (v: string | number | undefined): string | null => (v === undefined || v === '' ? null : String(v));

/** v4 dates are MM-dd-yyyy. */
function isoDate(v: string | number | undefined): string | null {
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(String(v ?? ''));
  return m ? `${m[3]}-${m[1]}-${m[2]}` : text(v);
}

function seriesInfo(r: V4Row): SeriesInfo {
  return {
    seriesInstanceUid: String(r.SeriesInstanceUID),
    studyInstanceUid: String(r.StudyInstanceUID),
    collection: String(r.Collection),
    patientId: String(r.PatientID),
    studyDate: isoDate(r.StudyDate),
    studyDescription: text(r.StudyDesc),
    seriesDescription: text(r.SeriesDescription),
    seriesNumber: r.SeriesNumber === undefined ? null : Number(r.SeriesNumber),
    modality: String(r.Modality ?? ''),
    bodyPart: text(r.BodyPartExamined),
    manufacturer: text(r.Manufacturer),
    manufacturerModel: text(r.ManufacturerModelName),
    imageCount: Number(r.ImageCount ?? 0),
    fileSize: Number(r.FileSize ?? 0),
    licenseName: text(r.LicenseName),
    licenseUri: text(r.LicenseURI),
    descriptionUri: text(r.DataDescriptionURI),
    columns: Object.entries(r).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]),
  };
}

/** Metadata of the series the caller may see among `uids` (others are simply absent). */
export async function seriesMetadata(session: Session, uids: readonly string[]): Promise<SeriesInfo[]> {
  if (uids.length === 0) return [];
  const form = new URLSearchParams({ format: 'json', list: uids.join(',') });
  const res = await call(session, 'v4/getSeriesMetadata', { method: 'POST', body: form });
  return ((await res.json()) as V4Row[]).map(seriesInfo);
}

export async function sopInstanceUids(session: Session, seriesUid: string): Promise<string[]> {
  const res = await call(session, `v2/getSOPInstanceUIDs?SeriesInstanceUID=${encodeURIComponent(seriesUid)}`);
  return ((await res.json()) as Array<{ SOPInstanceUID: string }>).map((r) => r.SOPInstanceUID);
}

export interface CollectionInfo {
  name: string;
  /** HTML as stored; the portal shows its text only. */
  description: string | null;
  descriptionUri: string | null;
}

export async function collectionDescription(session: Session, name: string): Promise<CollectionInfo | null> {
  const res = await call(session, `getCollectionDescriptions?collectionName=${encodeURIComponent(name)}`);
  const rows = (await res.json()) as Array<{ collectionName: string; description: string | null; descriptionURI: string | null }>;
  const row = rows[0];
  return row ? { name: row.collectionName, description: row.description, descriptionUri: row.descriptionURI } : null;
}

export async function createSharedList(session: Session, name: string, uids: readonly string[], description?: string): Promise<void> {
  const form = new URLSearchParams({ name });
  for (const uid of uids) form.append('list', uid);
  if (description) form.set('description', description);
  await call(session, 'createSharedList', { method: 'POST', body: form });
}

/** The series of a shared cart the caller may see. */
export async function sharedListContents(session: Session, name: string): Promise<string[]> {
  const res = await call(session, `v2/getContentsByName?name=${encodeURIComponent(name)}`);
  return ((await res.json()) as Array<{ 'Series Instance UID'?: string; SeriesInstanceUID?: string }>).map((r) => String(r['Series Instance UID'] ?? r.SeriesInstanceUID));
}

/** A `.tcia` manifest of the series, made by the server (getManifestForSimpleSearch). */
export async function manifest(session: Session, uids: readonly string[]): Promise<string> {
  const form = new URLSearchParams();
  uids.forEach((uid, i) => {
    form.set(`criteriaType${i}`, 'SeriesCriteria');
    form.set(`value${i}`, uid);
  });
  const res = await call(session, 'getManifestForSimpleSearch', { method: 'POST', body: form });
  return res.text();
}

/** One series as the ZIP getImage answers. */
export async function seriesZip(session: Session, seriesUid: string): Promise<Blob> {
  const res = await call(session, `v2/getImage?SeriesInstanceUID=${encodeURIComponent(seriesUid)}`);
  return res.blob();
}
