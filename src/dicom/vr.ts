// Value Representation sets the parser needs. The VR of each indexed attribute lives with
// the attribute in attributes.ts; these are facts about VRs themselves (PS3.5 6.2).

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
