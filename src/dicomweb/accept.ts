// What a WADO-RS or QIDO-RS client will take, read from its Accept header (PS3.18 8.7).
// The archive serves each instance in the transfer syntax it was stored in and does not
// transcode, so a request that names one transfer syntax is served only when every
// instance asked for is stored in it; otherwise the answer is 406.
import { ApiError } from '../errors.js';

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** The media ranges of an Accept header, parameters lower-cased by name and unquoted. */
export function mediaRanges(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [];
  const ranges: MediaRange[] = [];
  // Commas separate ranges, but a quoted parameter may hold one: split outside quotes.
  for (const text of header.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const [type, ...params] = text.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    if (!type || type.trim() === '') continue;
    ranges.push({
      type: type.trim().toLowerCase(),
      params: Object.fromEntries(
        params.map((p) => {
          const eq = p.indexOf('=');
          const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
          const value = eq < 0 ? '' : p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
          return [name, value];
        }),
      ),
    });
  }
  return ranges;
}

export const notAcceptable = (message: string) => new ApiError('not_acceptable', message);

/**
 * Whether the client takes the stored instances as `multipart/related; type="application/dicom"`
 * in their stored transfer syntaxes (`stored`). Throws 406 naming what it could have had.
 */
export function acceptStoredDicom(header: string | undefined, stored: readonly string[]): void {
  const ranges = mediaRanges(header);
  if (ranges.length === 0) return;
  const distinct = [...new Set(stored)];
  for (const r of ranges) {
    if (r.params.q === '0') continue;
    const type = (r.params.type ?? '').toLowerCase();
    const okType =
      r.type === '*/*' ||
      r.type === 'multipart/*' ||
      (r.type === 'multipart/related' && (type === '' || type === 'application/dicom' || type === 'application/*' || type === '*/*'));
    if (!okType) continue;
    const ts = r.params['transfer-syntax'];
    if (ts === undefined || ts === '*' || (distinct.length === 1 && distinct[0] === ts)) return;
  }
  throw notAcceptable(
    `the archive sends instances as stored, as multipart/related; type="application/dicom"; stored transfer syntax${distinct.length === 1 ? '' : 'es'}: ${distinct.join(', ')} (ask with transfer-syntax=* or without one)`,
  );
}

/** Whether the client takes DICOM JSON (QIDO-RS answers and metadata); XML is not offered. */
export function acceptDicomJson(header: string | undefined): void {
  const ranges = mediaRanges(header);
  if (ranges.length === 0) return;
  const ok = ranges.some(
    (r) => r.params.q !== '0' && ['*/*', 'application/*', 'application/json', 'application/dicom+json'].includes(r.type),
  );
  if (!ok) throw notAcceptable('this archive answers searches and metadata as application/dicom+json only');
}
