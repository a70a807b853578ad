// Long listings a page at a time. A collection of NLST's size has 200,000 series and a
// series thousands of images: answered in one query, such a listing holds the database
// (SQLite's one connection, or a pooled PostgreSQL one) and the event loop for as long as
// it runs, and the whole answer in memory. Read in primary-key order instead, each page
// one short indexed query that starts after the last key of the page before (keyset
// paging, never OFFSET, whose cost grows with the page number), the connection is free
// between pages and the server can write each page out before reading the next.
//
// The pages together are exactly the rows of the unpaged query in the same order: every
// listing here is ordered by the primary key its pages are keyed on.

/** Rows per page: large enough that a page costs far more than its query's set-up. */
export const PAGE_SIZE = 1000;

/**
 * Rows of a listing's first page. The first byte of a streamed answer waits for the first
 * page (endpoint.ts sends nothing before it), so it is kept short: a 200,000-series
 * listing on a busy PostgreSQL took most of its 100 ms budget reading 1,000 rows.
 */
export const FIRST_PAGE_SIZE = 200;

/**
 * The pages of a listing, each read when asked for: an AsyncIterable built from plain
 * promises, not an async generator. Measured on a one-patient getSeries (issue 7,
 * `node --trace-gc-nvp`, one client): through two async generators (the query's pages,
 * then the rows mapped for the wire) every young-generation collection copied some 350 KB
 * more than the same query answered whole (1.5 ms pauses against 0.5 ms), and those pauses
 * were the one-client p99.
 */
export class Pages<R> implements AsyncIterable<R[]>, AsyncIterator<R[]> {
  private finished = false;

  /** `read` answers the next page, or null when there is none; it is not called again after null. */
  constructor(private readonly read: () => Promise<R[] | null>) {}

  /** No pages at all. */
  static none<R>(): Pages<R> {
    return new Pages<R>(() => Promise.resolve(null));
  }

  /** The pages of the listing `open` resolves to, opened when the first page is asked for. */
  static opening<R>(open: () => Promise<Pages<R>>): Pages<R> {
    let opened: Promise<Pages<R>> | undefined;
    return new Pages<R>(async () => {
      opened ??= open();
      const pages = await opened;
      const next = await pages.next();
      return next.done ? null : next.value;
    });
  }

  async next(): Promise<IteratorResult<R[]>> {
    if (this.finished) return { done: true, value: undefined };
    const page = await this.read();
    if (page === null) {
      this.finished = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: page };
  }

  /** Stops early (a `for await` left by break or an error): nothing more is read. */
  async return(): Promise<IteratorResult<R[]>> {
    this.finished = true;
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The same pages with each row mapped. */
  map<T>(f: (row: R) => T): Pages<T> {
    return new Pages<T>(async () => {
      const next = await this.next();
      return next.done ? null : next.value.map(f);
    });
  }
}

/**
 * The pages of a listing. `page(after, limit)` answers at most `limit` rows whose key is
 * greater than `after` (every row when `after` is null), in key order; `keyOf` reads a row's
 * key. The first page holds at most FIRST_PAGE_SIZE rows, the others `pageSize`. A page
 * shorter than its limit is the last, so a short listing costs one query.
 */
export function keysetPages<R>(
  page: (after: number | null, limit: number) => Promise<R[]>,
  keyOf: (row: R) => number | string | bigint,
  pageSize = PAGE_SIZE,
): Pages<R> {
  let after: number | null = null;
  let last = false;
  return new Pages<R>(async () => {
    if (last) return null;
    const limit = after === null ? Math.min(FIRST_PAGE_SIZE, pageSize) : pageSize;
    const rows = await page(after, limit);
    if (rows.length < limit) last = true;
    else after = Number(keyOf(rows[rows.length - 1]!));
    return rows.length > 0 ? rows : null;
  });
}
