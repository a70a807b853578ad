// The indexed DICOM attributes, written once: tag → VR → level → index column. The header
// parser reads exactly these, ingest writes them into the level's table, and the reference
// tests compare each of them with what dcmtk reads from the same file.
import type { PatientTable, SeriesTable, StudyTable, ImageTable } from '../store/schema.js';

/** How a value is read and stored. */
export type AttributeKind =
  | 'text' // string VRs (LO, SH, CS, UI, AS, LT, ...); multi-valued ones are joined with `\`
  | 'person' // PN: the text, all component groups, as stored (`^` and `=` kept)
  | 'date' // DA `YYYYMMDD` → `YYYY-MM-DD`
  | 'time' // TM `HHMMSS.frac` → `HH:MM:SS.frac`
  | 'int' // IS (or a binary integer VR)
  | 'float'; // DS (first value) or FD/FL

export type Level = 'patient' | 'study' | 'series' | 'image';

type ColumnsOf<T> = Exclude<keyof T, 'id'> & string;

export interface AttributeDef<L extends Level = Level> {
  /** DICOM keyword, as in PS3.6 and in dcm2json's output. */
  keyword: string;
  /** `ggggeeee` in upper-case hex. For a value inside a sequence, the path of tags. */
  tag: string | readonly string[];
  level: L;
  column: L extends 'patient'
    ? ColumnsOf<PatientTable>
    : L extends 'study'
      ? ColumnsOf<StudyTable>
      : L extends 'series'
        ? ColumnsOf<SeriesTable>
        : ColumnsOf<ImageTable>;
  kind: AttributeKind;
  /**
   * PS3.6 Value Representation of the tag (for a sequence path: of the last tag). Explicit-VR
   * files carry it in each element; implicit-VR files do not, so the parser needs it to tell a
   * binary FD from a DS string and which values the character set applies to.
   * test/dicom/vr.test.ts checks it against the data dictionary.
   */
  vr: string;
}

export const ATTRIBUTES = [
  { keyword: 'PatientID', tag: '00100020', level: 'patient', column: 'patient_id', kind: 'text', vr: 'LO' },
  { keyword: 'PatientName', tag: '00100010', level: 'patient', column: 'patient_name', kind: 'person', vr: 'PN' },
  { keyword: 'PatientBirthDate', tag: '00100030', level: 'patient', column: 'patient_birth_date', kind: 'date', vr: 'DA' },
  { keyword: 'PatientSex', tag: '00100040', level: 'patient', column: 'patient_sex', kind: 'text', vr: 'CS' },
  { keyword: 'EthnicGroup', tag: '00102160', level: 'patient', column: 'ethnic_group', kind: 'text', vr: 'SH' },
  { keyword: 'PatientSpeciesDescription', tag: '00102201', level: 'patient', column: 'species_description', kind: 'text', vr: 'LO' },
  // CodeValue (0008,0100) of the first item of PatientSpeciesCodeSequence (0010,2202).
  { keyword: 'PatientSpeciesCodeSequence.CodeValue', tag: ['00102202', '00080100'], level: 'patient', column: 'species_code', kind: 'text', vr: 'SH' },

  { keyword: 'StudyInstanceUID', tag: '0020000D', level: 'study', column: 'study_instance_uid', kind: 'text', vr: 'UI' },
  { keyword: 'StudyDate', tag: '00080020', level: 'study', column: 'study_date', kind: 'date', vr: 'DA' },
  { keyword: 'StudyTime', tag: '00080030', level: 'study', column: 'study_time', kind: 'time', vr: 'TM' },
  { keyword: 'StudyDescription', tag: '00081030', level: 'study', column: 'study_description', kind: 'text', vr: 'LO' },
  { keyword: 'AdmittingDiagnosesDescription', tag: '00081080', level: 'study', column: 'admitting_diagnoses_description', kind: 'text', vr: 'LO' },
  { keyword: 'StudyID', tag: '00200010', level: 'study', column: 'study_id', kind: 'text', vr: 'SH' },
  // Shown and matched by DICOMweb searches (PS3.18 study-level keys); migration 0005.
  { keyword: 'AccessionNumber', tag: '00080050', level: 'study', column: 'accession_number', kind: 'text', vr: 'SH' },
  { keyword: 'ReferringPhysicianName', tag: '00080090', level: 'study', column: 'referring_physician_name', kind: 'person', vr: 'PN' },
  { keyword: 'PatientAge', tag: '00101010', level: 'study', column: 'patient_age', kind: 'text', vr: 'AS' },
  { keyword: 'LongitudinalTemporalEventType', tag: '00120053', level: 'study', column: 'longitudinal_temporal_event_type', kind: 'text', vr: 'CS' },
  { keyword: 'LongitudinalTemporalOffsetFromEvent', tag: '00120052', level: 'study', column: 'longitudinal_temporal_offset_from_event', kind: 'float', vr: 'FD' },

  { keyword: 'SeriesInstanceUID', tag: '0020000E', level: 'series', column: 'series_instance_uid', kind: 'text', vr: 'UI' },
  { keyword: 'Modality', tag: '00080060', level: 'series', column: 'modality', kind: 'text', vr: 'CS' },
  { keyword: 'SeriesDate', tag: '00080021', level: 'series', column: 'series_date', kind: 'date', vr: 'DA' },
  { keyword: 'SeriesTime', tag: '00080031', level: 'series', column: 'series_time', kind: 'time', vr: 'TM' },
  { keyword: 'SeriesDescription', tag: '0008103E', level: 'series', column: 'series_description', kind: 'text', vr: 'LO' },
  { keyword: 'ProtocolName', tag: '00181030', level: 'series', column: 'protocol_name', kind: 'text', vr: 'LO' },
  { keyword: 'BodyPartExamined', tag: '00180015', level: 'series', column: 'body_part_examined', kind: 'text', vr: 'CS' },
  { keyword: 'SeriesNumber', tag: '00200011', level: 'series', column: 'series_number', kind: 'int', vr: 'IS' },
  { keyword: 'Manufacturer', tag: '00080070', level: 'series', column: 'manufacturer', kind: 'text', vr: 'LO' },
  { keyword: 'ManufacturerModelName', tag: '00081090', level: 'series', column: 'manufacturer_model_name', kind: 'text', vr: 'LO' },
  { keyword: 'SoftwareVersions', tag: '00181020', level: 'series', column: 'software_versions', kind: 'text', vr: 'LO' },
  // PixelSpacing (0028,0030) is row\column spacing; NBIA reports the row spacing.
  { keyword: 'PixelSpacing', tag: '00280030', level: 'series', column: 'pixel_spacing_row', kind: 'float', vr: 'DS' },
  { keyword: 'SliceThickness', tag: '00180050', level: 'series', column: 'slice_thickness', kind: 'float', vr: 'DS' },

  { keyword: 'SOPInstanceUID', tag: '00080018', level: 'image', column: 'sop_instance_uid', kind: 'text', vr: 'UI' },
  { keyword: 'SOPClassUID', tag: '00080016', level: 'image', column: 'sop_class_uid', kind: 'text', vr: 'UI' },
  { keyword: 'InstanceNumber', tag: '00200013', level: 'image', column: 'instance_number', kind: 'int', vr: 'IS' },
  { keyword: 'AcquisitionNumber', tag: '00200012', level: 'image', column: 'acquisition_number', kind: 'int', vr: 'IS' },
] as const satisfies readonly AttributeDef[];

export type Attribute = (typeof ATTRIBUTES)[number];

/** Values of one level, keyed by index column. Absent attributes are null. */
export type LevelValues<L extends Level> = {
  [A in Attribute as A['level'] extends L ? A['column'] : never]: A['kind'] extends 'int' | 'float' ? number | null : string | null;
};

/** What the header parser returns for one file. */
export interface ParsedInstance {
  /** (0002,0010), or the one sniffed for files without a meta header. */
  transferSyntaxUid: string;
  /** Whether the file has the 128-byte preamble and `DICM` (a Part 10 file). */
  hasPreamble: boolean;
  patient: LevelValues<'patient'>;
  study: LevelValues<'study'>;
  series: LevelValues<'series'>;
  image: LevelValues<'image'>;
}

/** The identity every indexed file must carry; a file lacking any of these is skipped. */
export const REQUIRED_UIDS = ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'] as const;
