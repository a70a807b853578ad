// Images need the bearer token (restricted collections), which an <img src> cannot send:
// fetch with Authorization, show through an object URL, and revoke it when done. An
// image endpoint that answers 404 (a series without pixels, or a server without the
// endpoint) gives null, and the caller shows a placeholder.
import { accessToken, type Session } from './api.js';

export function thumbnailUrl(studyUid: string, seriesUid: string): string {
  return `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/thumbnail`;
}

export interface Window {
  center: number;
  width: number;
}

/** WADO-URI (NBIA's v1/wado): one rendered image as PNG, optionally through a VOI window. */
export function wadoUrl(studyUid: string, seriesUid: string, objectUid: string, window?: Window): string {
  const q = new URLSearchParams({ requestType: 'WADO', studyUID: studyUid, seriesUID: seriesUid, objectUID: objectUid, contentType: 'image/png' });
  if (window) {
    q.set('windowCenter', String(window.center));
    q.set('windowWidth', String(window.width));
  }
  return `/nbia-api/services/v1/wado?${q.toString()}`;
}

/** An object URL for the image, or null when there is none to show. */
export async function loadImage(session: Session, url: string, signal: AbortSignal): Promise<string | null> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${await accessToken(session)}`, Accept: 'image/png, image/jpeg' }, signal });
  if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('image/')) return null;
  return URL.createObjectURL(await res.blob());
}
