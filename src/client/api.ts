// The typed face of each family: one function per endpoint, with its parameters (NBIA's
// exact names and spellings) and its rows. Built from ENDPOINTS by NbiaClient.
import type * as R from './rows.js';

export type TextFormat = 'csv' | 'xml' | 'html';
export type Format = 'json' | TextFormat;

export interface CallOptions {
  signal?: AbortSignal;
}

/** Parameters: optional when an endpoint needs none. */
type Args<P> = object extends P ? [params?: P, options?: CallOptions & { format?: 'json' }] : [params: P, options?: CallOptions & { format?: 'json' }];

/** An endpoint answering rows: typed rows as JSON, or the text of another format. */
export interface RowsCall<P, Row> {
  (...args: Args<P>): Promise<Row[]>;
  (params: P, options: CallOptions & { format: TextFormat }): Promise<string>;
}

/** An endpoint that always answers JSON. */
export type JsonCall<P, T> = (...args: object extends P ? [params?: P, options?: CallOptions] : [params: P, options?: CallOptions]) => Promise<T>;

export interface DownloadOptions extends CallOptions {
  /** Resume: ask for the bytes from this offset on (`Range: bytes=<offset>-`). */
  offset?: number;
  /** With offset: only if the body is still this one (an ETag or Last-Modified from the first answer). */
  ifRange?: string;
}

/** A download: the fetch Response, status 200 (whole) or 206 (from `offset`), its body not yet read. */
export type DownloadCall<P> = (params: P, options?: DownloadOptions) => Promise<Response>;

// Parameters.
export interface CollectionFilter { Collection?: string }
export interface ModalityParams { Collection?: string; BodyPartExamined?: string }
export interface BodyPartParams { Collection?: string; Modality?: string }
export interface ManufacturerParams { Collection?: string; Modality?: string; BodyPartExamined?: string }
export interface PatientParams { Collection?: string; PatientId?: string }
export interface PatientByModalityParams { Collection: string; Modality: string }
export interface PatientStudyParams { Collection?: string; PatientID?: string; StudyInstanceUID?: string }
export interface SeriesParams {
  Collection?: string;
  PatientID?: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  Modality?: string;
  BodyPartExamined?: string;
  Manufacturer?: string;
  ManufacturerModelName?: string;
}
/** v1/v2: `Date` YYYY/MM/DD (ISO accepted by ours); series released after that day. */
export interface NewPatientsParams { Collection: string; Date: string }
export interface NewStudiesParams { Collection: string; Date: string; PatientID?: string }
/** v4: `fromDate` MM-DD-YYYY; released on or after that day. */
export interface V4NewPatientsParams { Collection: string; fromDate: string }
export interface V4NewStudiesParams { Collection: string; fromDate: string; PatientID?: string }
/** v1 MM/DD/YYYY, v2 DD/MM/YYYY, v4 MM-DD-YYYY. */
export interface UpdatedSeriesParams { fromDate?: string }
export interface SeriesUidParams { SeriesInstanceUID: string }
export interface CartParams { name: string }
export interface ImageParams {
  SeriesInstanceUID: string;
  /** `Yes`: `<acquisition>-<instance>.dcm` names. */
  NewFileNames?: 'Yes' | 'No';
  /** `Yes`: md5hashes.csv last in the ZIP. */
  IncludeMD5?: 'Yes' | 'No';
}
export interface Md5ImageParams { SeriesInstanceUID: string }
export interface DcmImageParams {
  SeriesInstanceUID: string;
  /** `true`: md5hashes.csv last in the ZIP. */
  MD5Verification?: 'true' | 'false';
  /** Accepted; the archive holds no annotation files. */
  IncludeAnnotation?: 'true' | 'false';
}
/** v1/v2 spell it SOPInstanceUid (the server reads either spelling). */
export interface M5HashParams { SOPInstanceUid: string }
export interface Md5HashParams { SOPInstanceUID: string }
/** A WADO-URI request (PS3.18 §9.1.2); requestType=WADO is sent for you. */
export interface WadoParams {
  studyUID: string;
  seriesUID: string;
  objectUID: string;
  /** Media types in order of preference: application/dicom (the stored file), image/jpeg (default), image/png. */
  contentType?: string;
  /** The following only for a rendered image (not with application/dicom). */
  rows?: number;
  columns?: number;
  windowCenter?: number;
  windowWidth?: number;
  frameNumber?: number;
  imageQuality?: number;
}
/** UIDs; sent as one comma-joined `seriesList`. */
export interface DeniedSeriesParams {
  seriesList: readonly string[];
  /** Accepted for the Data Retriever; the answer is always for the caller. */
  userName?: string;
}
/** `DOI` as 10.NNNN/suffix or https://doi.org/...; absent: every visible one. */
export interface DoiParams { DOI?: string; CollectionOrSeries?: 'Collection' | 'Series' }
export interface CollectionManifestParams { collection: string; includeAnnotation?: 'true' | 'false' }
export interface ManifestListParams { list: readonly string[]; includeAnnotation?: 'true' | 'false' }
export interface SingleImageParams { SeriesInstanceUID: string; SOPInstanceUID: string }
export interface DescriptionParams { collectionName?: string }
export interface DicomTagParams { SeriesUID: string }
/** UIDs; sent as one comma-joined `list` field. */
export interface SeriesListParams { list: readonly string[] }

/** One simple-search criterion (spec §7.4), sent as criteriaType<N>, value<N>, ... */
export interface SearchCriterion {
  type: string;
  value?: string;
  fromDate?: string;
  toDate?: string;
  from?: string | number;
  to?: string | number;
}
export interface SimpleSearchParams {
  criteria?: readonly SearchCriterion[];
  sortField?: 'subject' | 'collection' | 'studies' | 'series';
  sortDirection?: 'ascending' | 'descending';
  start?: number;
  size?: number;
}
/** The series search (this server's extension): the simple search's criteria, free text, a sort and a page. */
export interface SeriesSearchParams {
  criteria?: readonly SearchCriterion[];
  text?: string;
  sortField?: 'collection' | 'patient' | 'date' | 'modality' | 'images' | 'size';
  sortDirection?: 'ascending' | 'descending';
}
export interface SeriesSearchPageParams extends SeriesSearchParams {
  start?: number;
  /** At most 500. */
  size?: number;
  /** 'all': also totalStudies and totalImages. */
  totals?: 'all';
}
export interface SharedListParams { list: readonly string[]; name: string; description?: string; url?: string }

interface FamilyCommon {
  getCollectionValues: RowsCall<object, R.CollectionValue>;
  getModalityValues: RowsCall<ModalityParams, R.ModalityValue>;
  getBodyPartValues: RowsCall<BodyPartParams, R.BodyPartValue>;
  getManufacturerValues: RowsCall<ManufacturerParams, R.ManufacturerValue>;
  getPatient: RowsCall<PatientParams, R.PatientRow>;
  getPatientByCollectionAndModality: RowsCall<PatientByModalityParams, R.PatientIdRow>;
  getPatientStudy: RowsCall<PatientStudyParams, R.StudyRow>;
  getSeriesSize: RowsCall<SeriesUidParams, R.SeriesSizeRow>;
  getSOPInstanceUIDs: RowsCall<SeriesUidParams, R.SopInstanceRow>;
  getImage: DownloadCall<ImageParams>;
  getImageWithMD5Hash: DownloadCall<Md5ImageParams>;
  getSingleImage: DownloadCall<SingleImageParams>;
  /** A series ZIP for the command-line downloader: descriptive names, no LICENSE. */
  getDCMImage: DownloadCall<DcmImageParams>;
}

/** v2 (asks with a bearer; the guest's is fetched for you); v1 has all of these too. */
export interface V2Api extends FamilyCommon {
  NewPatientsInCollection: RowsCall<NewPatientsParams, R.PatientRow>;
  NewStudiesInPatientCollection: RowsCall<NewStudiesParams, R.StudyRow>;
  getSeries: RowsCall<SeriesParams, R.SeriesRow>;
  getUpdatedSeries: RowsCall<UpdatedSeriesParams, R.UpdatedSeriesRow>;
  getContentsByName: JsonCall<CartParams, R.CartSeriesRow[]>;
  getSeriesMetaData: RowsCall<SeriesUidParams, R.SeriesMetaDataRow>;
  /** The stored file's MD5, lowercase hex. */
  getM5HashForImage: JsonCall<M5HashParams, string>;
}

/** v1: v2's endpoints, and those only v1 has. */
export interface V1Api extends V2Api {
  /** Of the series given, those the caller may not download. */
  getDeniedSeries: RowsCall<DeniedSeriesParams, R.DeniedSeriesRow>;
  /** `status`, `status/version`, `status/database`: the server's short HTML. */
  status: JsonCall<object, string>;
  statusVersion: JsonCall<object, string>;
  statusDatabase: JsonCall<object, string>;
  /** The configured user agreement's text (a 404, NbiaNotFoundError, when there is none). */
  getUserAgreementTxt: JsonCall<object, string>;
  /** UIDNames.properties: `UID=Name` per line. */
  getAllSOPClassDefinition: JsonCall<object, string>;
  /** WADO-URI by GET: the Response (application/dicom, image/jpeg or image/png). */
  wado: DownloadCall<WadoParams>;
  /** WADO-URI by POST. */
  getWado: DownloadCall<WadoParams>;
}

export interface V4Api extends FamilyCommon {
  NewPatientsInCollection: RowsCall<V4NewPatientsParams, R.PatientRow>;
  NewStudiesInPatientCollection: RowsCall<V4NewStudiesParams, R.StudyRow>;
  getSeries: RowsCall<SeriesParams, R.V4SeriesRow>;
  getUpdatedSeries: RowsCall<UpdatedSeriesParams, R.V4SeriesRow>;
  getCollectionValuesAndCounts: RowsCall<object, R.V4ValueCount<'Collection'>>;
  getModalityValuesAndCounts: RowsCall<ModalityParams, R.V4ValueCount<'Modality'>>;
  getBodyPartValuesAndCounts: RowsCall<BodyPartParams, R.V4ValueCount<'BodyPartExamined'>>;
  getManufacturerValuesAndCounts: RowsCall<ManufacturerParams, R.V4ValueCount<'Manufacturer'>>;
  getSpeciesValuesAndCounts: RowsCall<object, R.V4ValueCount<'Species'>>;
  getCollectionDescriptions: JsonCall<DescriptionParams, R.CollectionDescription[]>;
  getDicomTags: JsonCall<DicomTagParams, R.DicomTagRow[]>;
  /** Metadata of many series in one POST (chunk long lists yourself: TCIA takes 10,000). */
  getSeriesMetadata: RowsCall<SeriesListParams, R.SeriesMetadataRow>;
  getSimpleSearch: JsonCall<SimpleSearchParams, R.SimpleSearchResult>;
  /** The `.tcia` manifest text. */
  getManifestForSimpleSearch: JsonCall<SimpleSearchParams, string>;
  getMD5HashForImage: JsonCall<Md5HashParams, string>;
  getCollectionOrSeriesForDOI: JsonCall<DoiParams, R.DoiHit[]>;
  /** The `.tcia` manifest of every visible series of a collection. */
  getManifestForCollection: JsonCall<CollectionManifestParams, string>;
}

/** The unversioned endpoints (`services/<name>`); they need a bearer (the guest's by default). */
export interface AdvancedApi {
  getCollectionValuesAndCounts: JsonCall<object, R.ValueCount[]>;
  getModalityValuesAndCounts: JsonCall<ModalityParams, R.ValueCount[]>;
  getBodyPartValuesAndCounts: JsonCall<BodyPartParams, R.ValueCount[]>;
  getManufacturerValuesAndCounts: JsonCall<ManufacturerParams, R.ValueCount[]>;
  getSpeciesValuesAndCounts: JsonCall<object, R.ValueCount[]>;
  getCollectionDescriptions: JsonCall<DescriptionParams, R.CollectionDescription[]>;
  getDicomTags: JsonCall<DicomTagParams, R.DicomTagRow[]>;
  getSeriesMetadata2: RowsCall<SeriesListParams, R.SeriesMetadata2Row>;
  getSimpleSearchWithModalityAndBodyPartPaged: JsonCall<SimpleSearchParams, R.SimpleSearchResult>;
  getManifestForSimpleSearch: JsonCall<SimpleSearchParams, string>;
  /** This server's series search: a sorted page of series with totals and facet counts (not on TCIA). */
  getSimpleSearchSeriesPaged: JsonCall<SeriesSearchPageParams, R.SeriesSearchPage>;
  /** Every SeriesInstanceUID the series search matches, in its order, at most 50,000 (not on TCIA). */
  getSimpleSearchSeriesUIDs: JsonCall<SeriesSearchParams, R.SeriesSearchUids>;
  /** Creates a shared cart; answers the server's text ("List created"). */
  createSharedList: JsonCall<SharedListParams, string>;
  getSeriesMetadata3: RowsCall<SeriesListParams, R.SeriesMetadata3Row>;
  getLicenses: JsonCall<object, R.LicenseRow[]>;
  getCollectionOrSeriesForDOI: JsonCall<DoiParams, R.DoiHit[]>;
  getManifestForCollection: JsonCall<CollectionManifestParams, string>;
  /** The `.tcia` manifest of the given series the caller may see. */
  getManifestTextV2: JsonCall<ManifestListParams, string>;
  getWado: DownloadCall<WadoParams>;
}
