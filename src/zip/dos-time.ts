// ZIP entries carry an MS-DOS date and time (2-second resolution, years 1980..2107, no
// time zone). We write the UTC wall clock of a timestamp the index already holds, so the
// same series always yields the same bytes (and the same ETag) whenever it is downloaded.

export interface DosStamp {
  /** (year - 1980) << 9 | month << 5 | day */
  readonly date: number;
  /** hour << 11 | minute << 5 | second / 2 */
  readonly time: number;
}

/** 1980-01-01 00:00:00, the earliest time a DOS stamp can hold. */
export const DOS_EPOCH: DosStamp = Object.freeze({ date: (1 << 5) | 1, time: 0 });

/** The DOS stamp of a date's UTC fields, clamped to the range DOS can express. */
export function dosStampOf(date: Date): DosStamp {
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1980) return DOS_EPOCH;
  if (year > 2107) return Object.freeze({ date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 });
  return Object.freeze({
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
  });
}

/**
 * The DOS stamp of an index timestamp (`YYYY-MM-DD HH:MM:SS.mmm`, UTC) or date
 * (`YYYY-MM-DD`); the DOS epoch when the text is absent or not a time.
 */
export function dosStampOfIndexTime(text: string | null | undefined): DosStamp {
  if (!text) return DOS_EPOCH;
  // Images of one series were mostly ingested within the same second: share their stamp.
  const key = text.slice(0, 19);
  if (key === lastKey && lastStamp) return lastStamp;
  lastStamp = parseIndexTime(text);
  lastKey = key;
  return lastStamp;
}

let lastKey: string | undefined;
let lastStamp: DosStamp | undefined;

function parseIndexTime(text: string): DosStamp {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!m) return DOS_EPOCH;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return dosStampOf(date);
}
