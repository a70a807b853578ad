// Single instances for the renderer's faces (WADO-URI, DICOMweb rendered/thumbnail): one
// instance by its Study/Series/SOP Instance UIDs, and the middle image of a series, always
// through the viewer's scope, so a restricted instance does not exist for one not granted.
import type { AccessScope } from './access.js';
import { IMAGE_COLUMNS, toDownloadImage, type DownloadImage } from './downloads.js';

export interface StoredInstance extends DownloadImage {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export interface InstanceUids {
  /** Checked when given: an instance named under another study does not match. */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid: string;
}

function instances(scope: AccessScope) {
  return scope
    .images()
    .innerJoin('study', 'study.id', 'series.study_pk')
    .select([...IMAGE_COLUMNS, 'study.study_instance_uid', 'series.series_instance_uid']);
}

function toStoredInstance(row: Parameters<typeof toDownloadImage>[0] & { study_instance_uid: string; series_instance_uid: string }): StoredInstance {
  return { ...toDownloadImage(row), studyInstanceUid: row.study_instance_uid, seriesInstanceUid: row.series_instance_uid };
}

/** The instance, when it exists with these UIDs and the viewer may see it; undefined otherwise (alike). */
export async function findInstance(scope: AccessScope, uids: InstanceUids): Promise<StoredInstance | undefined> {
  let query = instances(scope).where('image.sop_instance_uid', '=', uids.sopInstanceUid);
  if (uids.seriesInstanceUid !== undefined) query = query.where('series.series_instance_uid', '=', uids.seriesInstanceUid);
  if (uids.studyInstanceUid !== undefined) query = query.where('study.study_instance_uid', '=', uids.studyInstanceUid);
  const row = await query.executeTakeFirst();
  return row ? toStoredInstance(row) : undefined;
}

/**
 * The middle image of a visible series in archive order (InstanceNumber, then ingest
 * order: the order downloads use), with the series' image count; undefined when the series
 * does not exist for this viewer or has no images.
 */
export async function findMiddleInstance(
  scope: AccessScope,
  uids: { studyInstanceUid?: string; seriesInstanceUid: string },
): Promise<{ instance: StoredInstance; imageCount: number } | undefined> {
  let series = scope.series().innerJoin('study', 'study.id', 'series.study_pk').where('series.series_instance_uid', '=', uids.seriesInstanceUid);
  if (uids.studyInstanceUid !== undefined) series = series.where('study.study_instance_uid', '=', uids.studyInstanceUid);
  const found = await series.select(['series.id', 'series.image_count']).executeTakeFirst();
  if (found === undefined || Number(found.image_count) === 0) return undefined;
  const imageCount = Number(found.image_count);
  const row = await instances(scope)
    .where('series.id', '=', found.id)
    .orderBy('image.instance_number', (ob) => ob.asc().nullsFirst())
    .orderBy('image.id')
    .offset(Math.floor(imageCount / 2))
    .limit(1)
    .executeTakeFirst();
  return row ? { instance: toStoredInstance(row), imageCount } : undefined;
}
