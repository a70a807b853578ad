// Value Representations of the indexed attributes. Explicit-VR files carry the VR in each
// element; implicit-VR files do not, so the parser needs these to tell a binary FD from a
// DS string, a sequence from a blob, and which values the character set applies to.
// test/dicom/vr.test.ts checks this table against the PS3.6 data dictionary.
import type { Attribute } from './attributes.js';

/** PS3.6 VR of each attribute in ATTRIBUTES (for a sequence path: the VR of the last tag). */
export const ATTRIBUTE_VR: Record<Attribute['keyword'], string> = {
  PatientID: 'LO',
  PatientName: 'PN',
  PatientBirthDate: 'DA',
  PatientSex: 'CS',
  EthnicGroup: 'SH',
  PatientSpeciesDescription: 'LO',
  'PatientSpeciesCodeSequence.CodeValue': 'SH',
  StudyInstanceUID: 'UI',
  StudyDate: 'DA',
  StudyTime: 'TM',
  StudyDescription: 'LO',
  AdmittingDiagnosesDescription: 'LO',
  StudyID: 'SH',
  PatientAge: 'AS',
  LongitudinalTemporalEventType: 'CS',
  LongitudinalTemporalOffsetFromEvent: 'FD',
  SeriesInstanceUID: 'UI',
  Modality: 'CS',
  SeriesDate: 'DA',
  SeriesTime: 'TM',
  SeriesDescription: 'LO',
  ProtocolName: 'LO',
  BodyPartExamined: 'CS',
  SeriesNumber: 'IS',
  Manufacturer: 'LO',
  ManufacturerModelName: 'LO',
  SoftwareVersions: 'LO',
  PixelSpacing: 'DS',
  SliceThickness: 'DS',
  SOPInstanceUID: 'UI',
  SOPClassUID: 'UI',
  InstanceNumber: 'IS',
  AcquisitionNumber: 'IS',
};

/** Every VR of PS3.5 (2024); anything else in an explicit-VR element is damage or a private quirk. */
export const KNOWN_VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW',
  'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);

/** VRs whose text is encoded per Specific Character Set; the others are plain ASCII. */
export const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);

/** Single-valued text VRs: a backslash is content, not a value separator, and leading spaces count. */
export const UNSPLIT_TEXT_VRS = new Set(['ST', 'LT', 'UT', 'UR']);

/** Binary number VRs, with their byte size. */
export const BINARY_NUMBER_VRS: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };
