// The portal's view of the archive: the few calls it makes, each one a public NBIA
// endpoint called through the typed client library (src/client, `nbia-archive/client`).
// Typed rows in, plain portal records out, so components never see NBIA's column spellings.
import { GUEST, NbiaClient, type SearchCriterion, type SeriesMetadataRow, type SeriesSearchPage, type SeriesSearchParams } from '../../client/index.js';

export { GUEST };

/**
 * Who is asking: one client per login, so that nothing one viewer fetched (cached by the
 * search engine, shown by a page) outlives a login or logout. The guest logs in lazily the
 * first time an endpoint wants a bearer; the client refreshes tokens itself.
 */
export interface Session {
  client: NbiaClient;
  username: string;
}

export function guestSession(): Session {
  return { client: new NbiaClient(location.origin), username: GUEST };
}

/** Checks the password at once: a refused login throws and nothing changes. */
export async function login(username: string, password: string): Promise<Session> {
  const client = new NbiaClient(location.origin);
  await client.login(username, password);
  return { client, username };
}

export async function logout(session: Session): Promise<void> {
  await session.client.logout();
}

/** The bearer for requests outside the NBIA API (the image endpoints). */
export function accessToken(session: Session): Promise<string> {
  return session.client.session.accessToken();
}

/** One criterion of the simple search form (spec §7.4). */
export type Criterion = SearchCriterion;

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
  imageCount: number;
  fileSize: number;
  licenseName: string | null;
  licenseUri: string | null;
  descriptionUri: string | null;
  /** Every column as the server sent it, for the series page. */
  columns: Array<[string, string]>;
}

const text = (v: string | number | boolean | undefined): string | null => (v === undefined || v === '' ? null : String(v));

/** v4 dates are MM-dd-yyyy. */
function isoDate(v: string | undefined): string | null {
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(v ?? '');
  return m ? `${m[3]}-${m[1]}-${m[2]}` : text(v);
}

function seriesInfo(r: SeriesMetadataRow): SeriesInfo {
  return {
    seriesInstanceUid: r.SeriesInstanceUID,
    studyInstanceUid: r.StudyInstanceUID ?? '',
    collection: r.Collection ?? '',
    patientId: r.PatientID ?? '',
    studyDate: isoDate(r.StudyDate),
    studyDescription: text(r.StudyDesc),
    seriesDescription: text(r.SeriesDescription),
    seriesNumber: r.SeriesNumber === undefined ? null : Number(r.SeriesNumber),
    modality: r.Modality ?? '',
    bodyPart: text(r.BodyPartExamined),
    manufacturer: text(r.Manufacturer),
    imageCount: Number(r.ImageCount ?? 0),
    fileSize: Number(r.FileSize ?? 0),
    licenseName: text(r.LicenseName),
    licenseUri: text(r.LicenseURI),
    descriptionUri: text(r.DataDescriptionURI),
    columns: Object.entries(r).flatMap(([k, v]): Array<[string, string]> => (v === undefined || v === null ? [] : [[k, String(v)]])),
  };
}

/** Metadata of the series the caller may see among `uids` (others are simply absent). */
export async function seriesMetadata(session: Session, uids: readonly string[]): Promise<SeriesInfo[]> {
  if (uids.length === 0) return [];
  return (await session.client.v4.getSeriesMetadata({ list: uids })).map(seriesInfo);
}

/** The server's page, its rows as portal records. */
export type SeriesPage = Omit<SeriesSearchPage, 'series'> & { series: SeriesInfo[] };

export type SeriesQuery = SeriesSearchParams;

/** One sorted page of the series search, with totals and facet counts (the server's getSimpleSearchSeriesPaged). */
export async function seriesSearch(session: Session, query: SeriesQuery, start: number, size: number, totals?: 'all'): Promise<SeriesPage> {
  const r = await session.client.advanced.getSimpleSearchSeriesPaged({ ...query, start, size, ...(totals ? { totals } : {}) });
  return { ...r, series: r.series.map(seriesInfo) };
}

/** Every series the search matches, in its order (the server allows up to 50,000). */
export async function seriesSearchUids(session: Session, query: SeriesQuery): Promise<string[]> {
  return (await session.client.advanced.getSimpleSearchSeriesUIDs(query)).seriesInstanceUIDs;
}

export async function sopInstanceUids(session: Session, seriesUid: string): Promise<string[]> {
  return (await session.client.v2.getSOPInstanceUIDs({ SeriesInstanceUID: seriesUid })).map((r) => r.SOPInstanceUID);
}

export interface CollectionInfo {
  name: string;
  /** HTML as stored; the portal shows its text only. */
  description: string | null;
  descriptionUri: string | null;
}

export async function collectionDescription(session: Session, name: string): Promise<CollectionInfo | null> {
  const row = (await session.client.advanced.getCollectionDescriptions({ collectionName: name }))[0];
  return row ? { name: row.collectionName, description: row.description, descriptionUri: row.descriptionURI } : null;
}

export async function createSharedList(session: Session, name: string, uids: readonly string[]): Promise<void> {
  await session.client.advanced.createSharedList({ name, list: uids });
}

/** The series of a shared cart the caller may see. */
export async function sharedListContents(session: Session, name: string): Promise<string[]> {
  return (await session.client.v2.getContentsByName({ name })).map((r) => r.SeriesInstanceUID);
}

/** A `.tcia` manifest of the series, made by the server (getManifestForSimpleSearch). */
export function manifest(session: Session, uids: readonly string[]): Promise<string> {
  return session.client.advanced.getManifestForSimpleSearch({ criteria: uids.map((value) => ({ type: 'SeriesCriteria', value })) });
}

/** One series as the ZIP getImage answers. */
export async function seriesZip(session: Session, seriesUid: string): Promise<Blob> {
  return (await session.client.v2.getImage({ SeriesInstanceUID: seriesUid })).blob();
}
