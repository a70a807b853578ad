// The attributes QIDO-RS can match on and return, per query level. Everything a search
// answers comes from the index: the columns of the attribute table (src/dicom/attributes.ts,
// the one place mapping tags to columns) plus what the index derives (modalities and counts
// of a study, counts of a series, the stored transfer syntax of an instance). Nothing here
// opens a DICOM file.
import { createRequire } from 'node:module';
import { ATTRIBUTES, type AttributeKind, type Level } from '../dicom/attributes.js';

const require = createRequire(import.meta.url);
const dictionary = require('@iwharris/dicom-data-dictionary') as typeof import('@iwharris/dicom-data-dictionary');

/** A QIDO-RS query level: what one row of the answer is. */
export type QueryLevel = 'study' | 'series' | 'instance';

/** Where a returned value comes from. */
export type Source =
  | { kind: 'column'; ref: string; value: AttributeKind } // an index column, `table.column`
  | { kind: 'modalitiesInStudy' }
  | { kind: 'studySeriesCount' }
  | { kind: 'studyInstanceCount' }
  | { kind: 'seriesInstanceCount' }
  | { kind: 'retrieveUrl' };

export interface QidoAttribute {
  keyword: string;
  /** `ggggeeee`, upper-case hex, as DICOM JSON keys it. */
  tag: string;
  vr: string;
  /** The entity that carries it: which query levels may match on it and return it. */
  entity: Level;
  source: Source;
}

const TABLE_OF: Record<Level, string> = { patient: 'patient', study: 'study', series: 'series', image: 'image' };

/**
 * The indexed attributes that DICOMweb shows as they are stored. PixelSpacing is left out
 * (the index keeps only its row spacing, half of the value) and so is the species code (a
 * value inside a sequence).
 */
const INDEXED: QidoAttribute[] = ATTRIBUTES.filter(
  (a): a is Extract<(typeof ATTRIBUTES)[number], { tag: string }> => typeof a.tag === 'string' && a.keyword !== 'PixelSpacing',
).map((a) => ({
  keyword: a.keyword,
  tag: a.tag,
  vr: a.vr,
  entity: a.level,
  source: { kind: 'column', ref: `${TABLE_OF[a.level]}.${a.column}`, value: a.kind },
}));

/** What the index derives, beside the stored values. */
const DERIVED: QidoAttribute[] = [
  { keyword: 'ModalitiesInStudy', tag: '00080061', vr: 'CS', entity: 'study', source: { kind: 'modalitiesInStudy' } },
  { keyword: 'NumberOfStudyRelatedSeries', tag: '00201206', vr: 'IS', entity: 'study', source: { kind: 'studySeriesCount' } },
  { keyword: 'NumberOfStudyRelatedInstances', tag: '00201208', vr: 'IS', entity: 'study', source: { kind: 'studyInstanceCount' } },
  { keyword: 'NumberOfSeriesRelatedInstances', tag: '00201209', vr: 'IS', entity: 'series', source: { kind: 'seriesInstanceCount' } },
  {
    keyword: 'AvailableTransferSyntaxUID',
    tag: '00083002',
    vr: 'UI',
    entity: 'image',
    source: { kind: 'column', ref: 'image.transfer_syntax_uid', value: 'text' },
  },
  { keyword: 'RetrieveURL', tag: '00081190', vr: 'UR', entity: 'image', source: { kind: 'retrieveUrl' } },
];

export const QIDO_ATTRIBUTES: readonly QidoAttribute[] = [...INDEXED, ...DERIVED];

const BY_TAG = new Map(QIDO_ATTRIBUTES.map((a) => [a.tag, a]));
const BY_KEYWORD = new Map(QIDO_ATTRIBUTES.map((a) => [a.keyword, a]));

/** The entities whose attributes a row of each level carries (a level and those above it). */
export const ENTITIES_OF: Record<QueryLevel, readonly Level[]> = {
  study: ['patient', 'study'],
  series: ['patient', 'study', 'series'],
  instance: ['patient', 'study', 'series', 'image'],
};

/**
 * What each level returns without `includefield` (PS3.18 tables 10.6.3-3 to -5, as far as
 * the index holds them). RetrieveURL is listed per level: its entity is nominal.
 */
const DEFAULTS: Record<QueryLevel, readonly string[]> = {
  study: [
    'StudyDate', 'StudyTime', 'ModalitiesInStudy', 'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
    'StudyInstanceUID', 'StudyID', 'StudyDescription', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances', 'RetrieveURL',
  ],
  series: [
    'StudyInstanceUID', 'Modality', 'SeriesDescription', 'SeriesNumber', 'SeriesInstanceUID', 'SeriesDate', 'SeriesTime',
    'BodyPartExamined', 'NumberOfSeriesRelatedInstances', 'RetrieveURL',
  ],
  instance: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPClassUID', 'SOPInstanceUID', 'InstanceNumber', 'RetrieveURL'],
};

/** The default attributes of a search: a level's own, plus the study's when no study UID is in the path. */
export function defaultAttributes(level: QueryLevel, withinStudy: boolean, withinSeries: boolean): QidoAttribute[] {
  const keywords = [...DEFAULTS[level]];
  if (level !== 'study' && !withinStudy) keywords.push(...DEFAULTS.study.filter((k) => !k.startsWith('NumberOf') && k !== 'ModalitiesInStudy' && k !== 'RetrieveURL'));
  if (level === 'instance' && !withinSeries) keywords.push('Modality', 'SeriesNumber', 'SeriesDescription');
  return [...new Set(keywords)].map((k) => BY_KEYWORD.get(k)!);
}

/** Every attribute a row of `level` can carry (`includefield=all`). */
export function allAttributes(level: QueryLevel): QidoAttribute[] {
  const entities = ENTITIES_OF[level];
  return QIDO_ATTRIBUTES.filter((a) => {
    if (a.source.kind === 'retrieveUrl') return true;
    // Study-level aggregates are answered at study level only, series counts from series level down.
    if (a.source.kind === 'modalitiesInStudy' || a.source.kind === 'studySeriesCount' || a.source.kind === 'studyInstanceCount') return level === 'study';
    return entities.includes(a.entity);
  });
}

export type NamedAttribute =
  | { known: true; attribute: QidoAttribute }
  /** A valid DICOM attribute that the index does not hold: ignored, with a warning. */
  | { known: false; tag: string; keyword: string };

/**
 * An attribute named by keyword (`PatientName`) or tag (`00100010`), as QIDO-RS parameters
 * name them; undefined when the name is neither a dictionary keyword nor a tag.
 */
export function attributeNamed(name: string): NamedAttribute | undefined {
  const byName = /^[0-9A-Fa-f]{8}$/.test(name) ? BY_TAG.get(name.toUpperCase()) : BY_KEYWORD.get(name);
  if (byName) return { known: true, attribute: byName };
  if (/^[0-9A-Fa-f]{8}$/.test(name)) {
    const tag = name.toUpperCase();
    const entry = dictionary.elements[`(${tag.slice(0, 4)},${tag.slice(4)})`];
    return { known: false, tag, keyword: entry?.keyword ?? tag };
  }
  const entry = keywordIndex().get(name);
  return entry ? { known: false, tag: entry, keyword: name } : undefined;
}

let keywords: Map<string, string> | undefined;
function keywordIndex(): Map<string, string> {
  keywords ??= new Map(
    Object.values(dictionary.elements)
      .filter((e) => e.keyword && /^\([0-9A-F]{4},[0-9A-F]{4}\)$/i.test(e.tag))
      .map((e) => [e.keyword, e.tag.replace(/[(),]/g, '').toUpperCase()]),
  );
  return keywords;
}

/** Whether an attribute may appear in (be matched or returned by) a row of `level`. */
export function belongsTo(attribute: QidoAttribute, level: QueryLevel): boolean {
  return allAttributes(level).includes(attribute);
}
