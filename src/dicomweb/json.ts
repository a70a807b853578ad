// DICOM JSON (PS3.18 F.2): one object per data set, keyed by `ggggeeee`, each attribute
// `{vr, Value | InlineBinary | BulkDataURI}`; an empty attribute is `{vr}` alone. Two
// writers: one for values read from the index (QIDO-RS), one for a parsed file (WADO-RS
// metadata, in metadata.ts).
import type { AttributeKind } from '../dicom/attributes.js';

export type PersonName = { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
export type JsonValue = string | number | PersonName | DicomJson | null;

export interface JsonAttribute {
  vr: string;
  Value?: JsonValue[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type DicomJson = Record<string, JsonAttribute>;

export const DICOM_JSON = 'application/dicom+json';

/** `A^B=C^D=E` → the three component groups PS3.18 F.2.2 names. Empty groups are left out. */
export function personName(text: string): PersonName {
  const [alphabetic, ideographic, phonetic] = text.split('=');
  const name: PersonName = {};
  if (alphabetic) name.Alphabetic = alphabetic;
  if (ideographic) name.Ideographic = ideographic;
  if (phonetic) name.Phonetic = phonetic;
  return name;
}

/** The index's `YYYY-MM-DD` as DICOM `YYYYMMDD`; other text (an unparsed date) as stored. */
function dicomDate(stored: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(stored) ? stored.replace(/-/g, '') : stored;
}

/** The index's `HH:MM:SS.frac` as DICOM `HHMMSS.frac`. */
function dicomTime(stored: string): string {
  return stored.replace(/:/g, '');
}

/** Numbers (IS, DS) go out as JSON numbers when they are finite, as text otherwise. */
function numberOrText(text: string): string | number {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** An attribute from one index value (null or empty: present without a value). */
export function fromIndex(vr: string, kind: AttributeKind, value: unknown): JsonAttribute {
  if (value === null || value === undefined || value === '') return { vr };
  switch (kind) {
    case 'person':
      return { vr, Value: String(value).split('\\').map(personName) };
    case 'date':
      return { vr, Value: [dicomDate(String(value))] };
    case 'time':
      return { vr, Value: [dicomTime(String(value))] };
    case 'int':
    case 'float':
      return { vr, Value: [Number(value)] };
    case 'text': {
      const values = String(value).split('\\');
      return { vr, Value: vr === 'IS' || vr === 'DS' ? values.map(numberOrText) : values };
    }
  }
}

/** A JSON object with its keys in tag order, as PS3.18 F.2 asks. */
export function sortedByTag(attributes: DicomJson): DicomJson {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
