// The `format` parameter: json (default), csv, xml, html — one writer each, one table in.
import { badRequest } from '../errors.js';
import type { PagedTable, Row, Table, TableWriter } from './table.js';
import { JSON_WRITER } from './json.js';
import { CSV_WRITER } from './csv.js';
import { HTML_WRITER, XML_WRITER } from './markup.js';

export type Format = 'json' | 'csv' | 'xml' | 'html';

export const FORMATS: readonly Format[] = ['json', 'csv', 'xml', 'html'];

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const WRITERS: Record<Format, TableWriter> = { json: JSON_WRITER, csv: CSV_WRITER, xml: XML_WRITER, html: HTML_WRITER };

/** Reads `format` (case-insensitive, as the original); an unknown one is a 400, never a 500. */
export function parseFormat(raw: string | undefined, fallback: Format = 'json'): Format {
  if (raw === undefined || raw === '') return fallback;
  const f = raw.toLowerCase();
  if ((FORMATS as readonly string[]).includes(f)) return f as Format;
  throw badRequest(`format "${raw}" is not supported; use one of ${FORMATS.join(', ')}`);
}

/** A whole table as one string. */
export function render(table: Table, format: Format): string {
  const w = WRITERS[format];
  return w.head(table.columns) + w.rows(table.columns, table.rows, true) + w.tail(table.columns);
}

/**
 * A paged table as text, a piece per page: the same bytes render() would give for all its
 * rows at once. `between` runs before each page after the first (the server yields to
 * other requests there).
 */
export async function* renderPages(table: PagedTable, format: Format, between?: () => Promise<void>): AsyncGenerator<string> {
  const w = WRITERS[format];
  const { columns } = table;
  let first = true;
  let pageNumber = 0;
  let head: string | undefined = w.head(columns);
  for await (const page of table.pages as AsyncIterable<readonly Row[]>) {
    if (pageNumber++ > 0 && between) await between();
    const text = w.rows(columns, page, first);
    if (page.length > 0) first = false;
    yield head === undefined ? text : head + text;
    head = undefined;
  }
  yield (head ?? '') + w.tail(columns);
}
