// HTTP byte ranges (RFC 9110 §14) for resuming a broken download: one range per request
// (a client resuming asks for one); anything we do not serve as a range gets the whole
// body, which the RFC allows. If-Range makes a resume safe: when the archive changed
// since the first attempt, the client gets the whole new body instead of a spliced one.

export type RangeDecision =
  | { readonly kind: 'full' }
  /** Inclusive byte offsets, as in Content-Range. */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeDecision = Object.freeze({ kind: 'full' });

export function decideRange(
  range: string | undefined,
  ifRange: string | undefined,
  totalSize: number,
  etag: string,
): RangeDecision {
  if (range === undefined) return FULL;
  // If-Range with anything but our current strong tag (a date, a weak or old tag) means
  // "send it all": we keep no Last-Modified to compare a date with.
  if (ifRange !== undefined && ifRange.trim() !== etag) return FULL;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(range);
  if (!m) return FULL;
  const specs = (m[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return FULL;
  const spec = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]!);
  if (!spec) return FULL;
  const [, first = '', last = ''] = spec;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || totalSize === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, totalSize - n), end: totalSize - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL; // invalid spec: ignored
  if (start >= totalSize) return { kind: 'unsatisfiable' };
  const end = last === '' ? totalSize - 1 : Math.min(Number(last), totalSize - 1);
  return { kind: 'partial', start, end };
}
