// Where a series' files land, and the metadata.csv beside them.
// - `descriptive` (default) is the NBIA Data Retriever's layout:
//   <Collection>/<PatientID>/<StudyDate>-<StudyID>-<StudyDescription>-<last 5 of StudyInstanceUID>/
//   <SeriesNumber as n.000000>-<SeriesDescription>-<last 5 of SeriesInstanceUID>/, "NA" for
//   what is missing, with the series' files named <acquisition>-<instance>.dcm (NewFileNames).
// - `flat`: one folder per SeriesInstanceUID, files 00000001.dcm, ... in instance order.
// metadata.csv has the Data Retriever's columns, one row per series in the folder.
import path from 'node:path';
import type { SeriesMetadataRow } from '../client/index.js';

export type Layout = 'descriptive' | 'flat';

/** A folder-name part: only letters, digits, space, `.`, `_` and `-`; at most 64 characters; "NA" when empty. */
function part(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const clean = text.replace(/[^\p{L}\p{N} ._-]/gu, '').replace(/\s+/g, ' ').trim().slice(0, 64).replace(/[ .]+$/, '');
  return clean === '' || clean === '.' || clean === '..' ? 'NA' : clean;
}

const last5 = (uid: string | undefined) => (uid ? uid.replace(/\./g, '').slice(-5) : 'NA');

/** v4 dates are MM-dd-yyyy already; anything else (ISO, Java timestamps) is turned into it. */
function studyDate(value: string | undefined): string {
  if (!value) return 'NA';
  if (/^\d{2}-\d{2}-\d{4}$/.test(value)) return value;
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return iso ? `${iso[2]}-${iso[3]}-${iso[1]}` : part(value);
}

function seriesNumber(value: unknown): string {
  const n = Number(value);
  return value === undefined || value === null || value === '' || !Number.isFinite(n) ? 'NA' : n.toFixed(6);
}

/** The series' folder, relative to the output folder (POSIX separators). */
export function seriesFolder(layout: Layout, row: SeriesMetadataRow): string {
  if (layout === 'flat') return row.SeriesInstanceUID;
  return [
    part(row.Collection),
    part(row.PatientID),
    `${studyDate(row.StudyDate)}-${part(row.StudyID)}-${part(row.StudyDesc)}-${last5(row.StudyInstanceUID)}`,
    `${seriesNumber(row.SeriesNumber)}-${part(row.SeriesDescription)}-${last5(row.SeriesInstanceUID)}`,
  ].join('/');
}

export function nativePath(out: string, relative: string): string {
  return path.join(out, ...relative.split('/'));
}

export const METADATA_COLUMNS = [
  'Series UID', 'Collection', '3rd Party Analysis', 'Data Description URI', 'Subject ID', 'Study UID', 'Study Description', 'Study Date',
  'Series Description', 'Manufacturer', 'Modality', 'SOP Class UID', 'Number of Images', 'File Size', 'File Location', 'Download Timestamp',
] as const;

export type MetadataCsvRow = Record<(typeof METADATA_COLUMNS)[number], string>;

export function metadataCsvRow(row: SeriesMetadataRow, folder: string, downloadedAt: string): MetadataCsvRow {
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    'Series UID': row.SeriesInstanceUID,
    Collection: s(row.Collection),
    '3rd Party Analysis': s(row.ThirdPartyAnalysis),
    'Data Description URI': s(row.DataDescriptionURI),
    'Subject ID': s(row.PatientID),
    'Study UID': s(row.StudyInstanceUID),
    'Study Description': s(row.StudyDesc),
    'Study Date': s(row.StudyDate),
    'Series Description': s(row.SeriesDescription),
    Manufacturer: s(row.Manufacturer),
    Modality: s(row.Modality),
    'SOP Class UID': '',
    'Number of Images': s(row.ImageCount),
    'File Size': s(row.FileSize),
    'File Location': `./${folder}`,
    'Download Timestamp': downloadedAt,
  };
}
