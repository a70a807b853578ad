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
 * The pages of a listing. `page(after, limit)` answers at most `limit` rows whose key is
 * greater than `after` (every row when `after` is null), in key order; `keyOf` reads a row's
 * key. The first page holds at most FIRST_PAGE_SIZE rows, the others `pageSize`. A page
 * shorter than its limit is the last, so a short listing costs one query.
 */
export async function* keysetPages<R>(
  page: (after: number | null, limit: number) => Promise<R[]>,
  keyOf: (row: R) => number | string | bigint,
  pageSize = PAGE_SIZE,
): AsyncGenerator<R[]> {
  let after: number | null = null;
  for (;;) {
    const limit = after === null ? Math.min(FIRST_PAGE_SIZE, pageSize) : pageSize;
    const rows = await page(after, limit);
    if (rows.length > 0) yield rows;
    if (rows.length < limit) return;
    after = Number(keyOf(rows[rows.length - 1]!));
  }
}
