// The rows NBIA endpoints answer, typed by their wire names (spec §5, §7, §8). NBIA omits
// null values, so every column but the key is optional. Dates are strings in the family's
// form: a Java Timestamp (`2022-03-02 14:11:05.0`) in v1/v2, `MM-dd-yyyy` in v4.

/** v4 row endpoints add this column: 1 for every row the caller may see. */
interface V4Authorized {
  Authorized?: number;
}

export interface CollectionValue { Collection: string }
export interface ModalityValue { Modality: string }
export interface BodyPartValue { BodyPartExamined: string }
export interface ManufacturerValue { Manufacturer: string }

export interface PatientRow extends V4Authorized {
  /** Spelt with a lowercase d, as the original. */
  PatientId: string;
  PatientName?: string;
  /** v1/v2 only. */
  PatientBirthDate?: string;
  PatientSex?: string;
  EthnicGroup?: string;
  Collection?: string;
  Phantom?: string;
  SpeciesCode?: string;
  SpeciesDescription?: string;
}

export interface PatientIdRow extends V4Authorized { PatientId: string }

export interface StudyRow extends V4Authorized {
  StudyInstanceUID: string;
  StudyDate?: string;
  StudyDescription?: string;
  AdmittingDiagnosesDescription?: string;
  StudyID?: string;
  PatientAge?: string;
  PatientID?: string;
  PatientName?: string;
  PatientBirthDate?: string;
  PatientSex?: string;
  EthnicGroup?: string;
  Collection?: string;
  SeriesCount?: number;
  LongitudinalTemporalEventType?: string;
  LongitudinalTemporalOffsetFromEvent?: number;
}

/** The columns every series listing shares. */
interface SeriesCommon {
  SeriesInstanceUID: string;
  StudyInstanceUID?: string;
  Modality?: string;
  ProtocolName?: string;
  SeriesDate?: string;
  SeriesDescription?: string;
  BodyPartExamined?: string;
  SeriesNumber?: number;
  AnnotationsFlag?: boolean;
  Collection?: string;
  PatientID?: string;
  Manufacturer?: string;
  ManufacturerModelName?: string;
  SoftwareVersions?: string;
  ImageCount?: number;
}

/** v1/v2 getSeries (24 columns). */
export interface SeriesRow extends SeriesCommon {
  TimeStamp?: string;
  LicenseName?: string;
  LicenseURI?: string;
  CollectionURI?: string;
  /** The series' byte total. */
  FileSize?: number;
  DateReleased?: string;
  StudyDesc?: string;
  StudyDate?: string;
  ThirdPartyAnalysis?: string;
}

/** v1/v2 getUpdatedSeries. */
export interface UpdatedSeriesRow extends SeriesCommon { DateReleased?: string }

/** v1/v2 getContentsByName: the release date under its spaced name. */
export interface CartSeriesRow extends SeriesCommon { 'Date Released'?: string }

/** v4 getSeries and getUpdatedSeries (30 columns). */
export interface V4SeriesRow extends SeriesCommon, V4Authorized {
  Site?: string;
  PatientSex?: string;
  PatientAge?: string;
  AdmittingDiagnosisDescription?: string;
  MaxSubmissionTimestamp?: string;
  LicenseName?: string;
  LicenseURI?: string;
  DataDescriptionURI?: string;
  FileSize?: number;
  ReleasedStatus?: string;
  DateReleased?: string;
  StudyDesc?: string;
  StudyDate?: string;
  ThirdPartyAnalysis?: string;
}

/** v1/v2 getSeriesMetaData: human-readable keys, every value a string (spec §5.12). */
export interface SeriesMetaDataRow {
  'Series UID': string;
  Collection?: string;
  '3rd Party Analysis'?: string;
  'Data Description URI'?: string;
  'Subject ID'?: string;
  'Study UID'?: string;
  'Study Description'?: string;
  'Study Date'?: string;
  'Series Description'?: string;
  Manufacturer?: string;
  Modality?: string;
  'SOP Class UID'?: string;
  'Number of Images'?: string;
  'File Size'?: string;
  'File Location'?: string;
  'Series Number'?: string;
  'License Name'?: string;
  'License URL'?: string;
  'Annotation Size'?: string;
  'Date Released'?: string;
  'Series Date'?: string;
  'Protocol Name'?: string;
  'Body Part Examined'?: string;
  'Annotations Flag'?: string;
  'Manufacturer Model Name'?: string;
  'Software Versions'?: string;
  TimeStamp?: string;
}

export interface SeriesSizeRow {
  TotalSizeInBytes: number;
  ObjectCount: number;
}

export interface SopInstanceRow { SOPInstanceUID: string }

/** The unversioned get*ValuesAndCounts: count is a string, as the original. */
export interface ValueCount {
  criteria: string;
  count: string;
}

/** v4 get*ValuesAndCounts: the value under its field's name, then Count and Authorized. */
export type V4ValueCount<Field extends string> = { [K in Field]: string } & { Count: number } & V4Authorized;

export interface CollectionDescription {
  collectionName: string;
  /** HTML. */
  description: string | null;
  descriptionURI: string | null;
  /** Epoch milliseconds. */
  collectionDescTimestamp: number | null;
  id?: number | null;
}

export interface DicomTagRow {
  /** `(0008,0060)`, prefixed `>` per sequence level. */
  element: string;
  name: string;
  data: string;
}

/** v4 getSeriesMetadata: the 40 columns the Data Retriever maps by name. */
export interface SeriesMetadataRow extends V4Authorized {
  PatientID?: string;
  PatientName?: string;
  PatientSex?: string;
  EthnicGroup?: string;
  Phantom?: string;
  SpeciesCode?: string;
  SpeciesDescription?: string;
  StudyInstanceUID?: string;
  StudyDate?: string;
  StudyDesc?: string;
  AdmittingDiagnosisDescription?: string;
  StudyID?: string;
  PatientAge?: string;
  LongitudinalTemporalEventType?: string;
  LongitudinalTemporalOffsetFromEvent?: number | string;
  SeriesInstanceUID: string;
  Collection?: string;
  Site?: string;
  Modality?: string;
  ProtocolName?: string;
  SeriesDate?: string;
  SeriesDescription?: string;
  BodyPartExamined?: string;
  SeriesNumber?: number | string;
  AnnotationsFlag?: boolean | string;
  Manufacturer?: string;
  ManufacturerModelName?: string;
  'PixelSpacing(mm)-Row'?: number | string;
  'SliceThickness(mm)'?: number | string;
  SoftwareVersions?: string;
  ImageCount?: number | string;
  MaxSubmissionTimestamp?: string;
  LicenseName?: string;
  LicenseURI?: string;
  DataDescriptionURI?: string;
  FileSize?: number | string;
  ReleasedStatus?: string;
  DateReleased?: string;
  ThirdPartyAnalysis?: string;
}

/** getSeriesMetadata2: human-readable headers (spec §7.2). */
export interface SeriesMetadata2Row {
  'Subject ID'?: string;
  'Study UID'?: string;
  'Study Description'?: string;
  'Study Date'?: string;
  'Series ID': string;
  'Series Description'?: string;
  'Number of images'?: number | string;
  'File Size (Bytes)'?: number | string;
  'Collection Name'?: string;
  Modality?: string;
  Manufacturer?: string;
  '3rd Party Analysis'?: string;
  'Data Description URI'?: string;
  'Series Number'?: number | string;
  'License Name'?: string;
  'License URL'?: string;
  'Date Released'?: string;
  'Series Date'?: string;
  'Protocol Name'?: string;
  'Body Part Examined'?: string;
  'Annotations Flag'?: boolean | string;
  'Manufacturer Model Name'?: string;
  'Software Versions'?: string;
  TimeStamp?: string;
}

/** getSeriesMetadata3: patient, study and series columns under spaced headers; dates yyyy-MM-dd. */
export interface SeriesMetadata3Row {
  'Patient ID'?: string;
  'Patient Name'?: string;
  'Patient Birth Date'?: string;
  'Patient Sex'?: string;
  'Ethnic Group'?: string;
  Phantom?: string;
  'Species Code'?: string;
  'Species Description'?: string;
  'Study Instance UID'?: string;
  'Study Date'?: string;
  'Study Description'?: string;
  'Admitting Diagnosis Description'?: string;
  'Study ID'?: string;
  'Patient Age'?: string;
  'Longitudinal Temporal Event Type'?: string;
  'Longitudinal Temporal Offset From Event'?: number | string;
  'Series Instance UID': string;
  /** The collection. */
  Project?: string;
  Modality?: string;
  'Protocol Name'?: string;
  'Series Date'?: string;
  'Series Description'?: string;
  'Body Part Examined'?: string;
  'Series Number'?: number | string;
  'Annotations Flag'?: boolean | string;
  Manufacturer?: string;
  'Manufacturer Model Name'?: string;
  'Pixel Spacing(mm)- Row'?: number | string;
  'Slice Thickness(mm)'?: number | string;
  'Software Versions'?: string;
  'Image Count'?: number | string;
  'Max Submission Timestamp'?: string;
  'License Name'?: string;
  'License URI'?: string;
  'Collection URI'?: string;
  'File Size'?: number | string;
  'Date Released'?: string;
  'Third Party Analysis'?: string;
}

/** v1 getDeniedSeries. */
export interface DeniedSeriesRow { SeriesInstanceUID: string }

/** getLicenses: every key, nulls kept (the original's LicenseDTO). */
export interface LicenseRow {
  longName: string | null;
  id: number;
  shortName: string | null;
  licenseURL: string | null;
  licenseText: string | null;
  commercialUse: string | null;
}

/** getCollectionOrSeriesForDOI: a collection, or with CollectionOrSeries=Series a series. */
export interface DoiHit {
  collection: string;
  seriesInstanceUID?: string;
  /** Spelt so, as the original. */
  thirdPartyAnanlysis?: string;
  /** v4: 1. */
  authorized?: number;
}

/** One patient of a simple-search page. */
export interface SearchPatient {
  subjectId: string;
  project: string;
  id: number;
  studyIdentifiers: Array<{ studyIdentifier: number; studyInstanceUID?: string; seriesIdentifiers: number[]; seriesInstanceUIDs?: string[] }>;
  totalNumberOfStudies: number;
  totalNumberOfSeries: number;
  modalities?: unknown;
  bodyParts?: unknown;
  species?: unknown;
}

/** getSimpleSearch / getSimpleSearchWithModalityAndBodyPartPaged. */
export interface SimpleSearchResult {
  resultSet: SearchPatient[];
  totalPatients: number;
  bodyParts?: unknown;
  modalities?: unknown;
  collections?: unknown;
  species?: unknown;
  sort?: string;
}

/** One facet value of the series search, with the number of series having it. */
export interface SeriesFacetValue {
  value: string;
  count: number;
}

/** getSimpleSearchSeriesPaged (this server's extension). Facet counts are series, each facet counted without its own choices. */
export interface SeriesSearchPage {
  totalSeries: number;
  totalPatients: number;
  /** With totals=all. */
  totalStudies?: number;
  totalImages?: number;
  start: number;
  size: number;
  sort: string;
  series: SeriesMetadataRow[];
  facets: Record<'collection' | 'modality' | 'bodyPart' | 'manufacturer' | 'species', SeriesFacetValue[]>;
}

/** getSimpleSearchSeriesUIDs (this server's extension). */
export interface SeriesSearchUids {
  totalSeries: number;
  seriesInstanceUIDs: string[];
}
