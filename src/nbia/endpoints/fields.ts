// The columns of the NBIA row endpoints, each declared once by its wire name: its value type
// (for the XML writer) and how to read it from an archive record. Every endpoint and family
// that shows a column reuses that one mapping, and an endpoint's column list is just names
// in its spec order. Families differ in data, not code (DESIGN.md): a date column is a Java
// Timestamp in v1/v2 and MM-dd-yyyy in v4 (spec §4.9, §8).
//
// The human-readable headers of getSeriesMetaData and getSeriesMetadata2 ("Subject ID",
// "Date Released", ...) are a vocabulary of their own — the same header means a different
// form there (string-only values, ISO or Java dates) — so those endpoints list their own
// headers, taking a column from here under their header wherever they show it as it is.
import { DEFAULT_SPECIES_CODE, DEFAULT_SPECIES_DESCRIPTION } from '../../archive/queries/advanced-counts.js';
import type { PatientRecord, StudyRecord } from '../../archive/queries/patients.js';
import type { SeriesRecord } from '../../archive/queries/series.js';
import type { PagedTable, Row as TableRow, Table, Value, ValueType } from '../../formats/table.js';
import type { Pages } from '../../archive/queries/paging.js';
import type { Family } from '../families.js';
import { javaTimestamp, mmddyyyy } from '../dates.js';

export type Field<R> = readonly [name: string, type: ValueType, value: (row: R) => Value];

export function tableOf<R>(fields: ReadonlyArray<Field<R>>, rows: readonly R[]): Table {
  return { columns: fields.map(([name, type]) => ({ name, type })), rows: rows.map(rowOf(fields)) };
}

/** The same for a listing that comes a page at a time (streamed to the client). */
export function pagedTableOf<R>(fields: ReadonlyArray<Field<R>>, pages: Pages<R>): PagedTable {
  return { columns: fields.map(([name, type]) => ({ name, type })), pages: pages.map(rowOf(fields)) };
}

const rowOf =
  <R>(fields: ReadonlyArray<Field<R>>) =>
  (r: R): TableRow =>
    Object.fromEntries(fields.map(([name, , value]) => [name, value(r)]));

/** An INTEGER 0/1 flag as the boolean the original writes; null stays null (omitted). */
export function flag(value: number | null): boolean | null {
  return value === null ? null : value !== 0;
}

/** Every record field a column may read; each column needs only the fields it reads. */
type Row = SeriesRecord & PatientRecord & StudyRecord;
type DateKey = { [K in keyof Row]: Row[K] extends string | null ? K : never }[keyof Row];

/** One column: a value type ('date' takes the family's form) and the record fields it reads. */
export interface Column<R> {
  type: ValueType | 'date';
  read: (row: R) => Value;
}

const text = <K extends keyof Row>(key: K, type: ValueType = 'string'): Column<Pick<Row, K>> => ({ type, read: (r) => r[key] });
const date = <K extends DateKey>(key: K): Column<Pick<Row, K>> => ({ type: 'date', read: (r) => r[key] });

/** NBIA's Phantom where the index does not state it (spec §5.5). */
const PHANTOM_DEFAULT = 'NO';

const COLUMNS = {
  // Collection
  Collection: text('collection'),
  LicenseName: text('licenseName'),
  LicenseURI: text('licenseUri'),
  /** v1/v2 getSeries' name for the collection's DOI link; v4 calls it DataDescriptionURI. */
  CollectionURI: text('descriptionUri'),
  DataDescriptionURI: text('descriptionUri'),
  // Patient
  PatientID: text('patientId'),
  /** getPatient's spelling (spec §5.5). */
  PatientId: text('patientId'),
  PatientName: text('patientName'),
  PatientBirthDate: date('patientBirthDate'),
  PatientSex: text('patientSex'),
  EthnicGroup: text('ethnicGroup'),
  Phantom: { type: 'string', read: (r: Pick<Row, 'phantom'>) => r.phantom ?? PHANTOM_DEFAULT },
  /**
   * A patient with no species stated is a human one (spec §5.5's defaults, as the species
   * counts reckon them): an empty code is none, and a stated code keeps its own description
   * (never "Homo sapiens" for a dog whose description is missing).
   */
  SpeciesCode: { type: 'string', read: (r: Pick<Row, 'speciesCode'>) => r.speciesCode || DEFAULT_SPECIES_CODE },
  SpeciesDescription: {
    type: 'string',
    read: (r: Pick<Row, 'speciesCode' | 'speciesDescription'>) => (r.speciesCode ? r.speciesDescription : (r.speciesDescription ?? DEFAULT_SPECIES_DESCRIPTION)),
  },
  // Study
  StudyInstanceUID: text('studyInstanceUid'),
  StudyDate: date('studyDate'),
  /** The series endpoints' name for the study description; getPatientStudy says StudyDescription. */
  StudyDesc: text('studyDescription'),
  StudyDescription: text('studyDescription'),
  /** v4's spelling in series rows; getPatientStudy keeps the DICOM one, AdmittingDiagnosesDescription. */
  AdmittingDiagnosisDescription: text('admittingDiagnosesDescription'),
  AdmittingDiagnosesDescription: text('admittingDiagnosesDescription'),
  StudyID: text('studyId'),
  PatientAge: text('patientAge'),
  LongitudinalTemporalEventType: text('longitudinalTemporalEventType'),
  LongitudinalTemporalOffsetFromEvent: text('longitudinalTemporalOffsetFromEvent', 'double'),
  SeriesCount: text('seriesCount', 'integer'),
  // Series
  SeriesInstanceUID: text('seriesInstanceUid'),
  Site: text('site'),
  Modality: text('modality'),
  ProtocolName: text('protocolName'),
  SeriesDate: date('seriesDate'),
  SeriesDescription: text('seriesDescription'),
  BodyPartExamined: text('bodyPartExamined'),
  SeriesNumber: text('seriesNumber', 'integer'),
  AnnotationsFlag: { type: 'boolean', read: (r: Pick<Row, 'annotationsFlag'>) => flag(r.annotationsFlag) },
  Manufacturer: text('manufacturer'),
  ManufacturerModelName: text('manufacturerModelName'),
  'PixelSpacing(mm)-Row': text('pixelSpacingRow', 'double'),
  'SliceThickness(mm)': text('sliceThickness', 'double'),
  SoftwareVersions: text('softwareVersions'),
  ImageCount: text('imageCount', 'integer'),
  /** The series' byte total. */
  FileSize: text('totalSize', 'long'),
  /** v1/v2 getSeries' name for the last submission; v4 calls it MaxSubmissionTimestamp. */
  TimeStamp: date('maxSubmissionTimestamp'),
  MaxSubmissionTimestamp: date('maxSubmissionTimestamp'),
  ReleasedStatus: text('releasedStatus'),
  DateReleased: date('dateReleased'),
  ThirdPartyAnalysis: text('thirdPartyAnalysis'),
  /** v4's `Authorized`: every row that survives the access filter is one the caller may see. */
  Authorized: { type: 'integer', read: () => 1 },
} satisfies Record<string, Column<never>>;

export type ColumnName = keyof typeof COLUMNS;

/** The Field a column makes: it reads from any record having the fields the column reads. */
type FieldOf<C> = C extends Column<infer R> ? Field<R> : never;
type FieldFor<N extends ColumnName> = FieldOf<(typeof COLUMNS)[N]>;

/** One column in `family`'s form, under its own name or under `header`. */
export function field<N extends ColumnName>(family: Family, name: N, header: string = name): FieldFor<N> {
  // Kept: endpoints ask for their fields on every request, and fresh closures per request
  // were garbage that young-generation collections had to copy.
  const key = `${family === 'v4' ? 'v4' : 'java'}\u0000${name}\u0000${header}`;
  let built = FIELDS.get(key);
  if (!built) FIELDS.set(key, (built = buildField(family, name, header)));
  return built as FieldFor<N>;
}

const FIELDS = new Map<string, unknown>();

function buildField(family: Family, name: ColumnName, header: string): unknown {
  const { type, read } = COLUMNS[name] as Column<unknown>;
  if (type !== 'date') return [header, type, read];
  const value = (r: unknown) => read(r) as string | null;
  return family === 'v4' ? [header, 'string', (r: unknown) => mmddyyyy(value(r))] : [header, 'timestamp', (r: unknown) => javaTimestamp(value(r))];
}

/** A column shown as it is under another endpoint's own header; not for date columns, whose form depends on the family. */
export function headed<N extends ColumnName>(header: string, name: N): FieldFor<N> {
  if (COLUMNS[name].type === 'date') throw new Error(`${name} is a date column: use field(family, ...)`);
  return field('v4', name, header);
}

/** The named columns in `family`'s form, in the order given. */
export function fields<N extends ColumnName>(family: Family, names: readonly N[]): Array<FieldFor<N>> {
  return names.map((name) => field(family, name));
}

/**
 * A row endpoint's columns as v1/v2 list them, in `family`'s form. v4 drops PatientBirthDate
 * and appends `Authorized` (spec §8: "Most row endpoints add an Authorized column ... and
 * drop PatientBirthDate").
 */
export function rowFields<N extends ColumnName>(family: Family, names: readonly N[]): Array<FieldFor<N | 'Authorized'>> {
  if (family !== 'v4') return fields<N | 'Authorized'>(family, names);
  return fields<N | 'Authorized'>(family, [...names.filter((n) => n !== 'PatientBirthDate'), 'Authorized']);
}
