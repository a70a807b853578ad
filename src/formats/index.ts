// The `format` parameter: json (default), csv, xml, html — one writer each, one table in.
import { badRequest } from '../errors.js';
import type { Table } from './table.js';
import { renderJson } from './json.js';
import { renderCsv } from './csv.js';
import { renderHtml, renderXml } from './markup.js';

export type Format = 'json' | 'csv' | 'xml' | 'html';

export const FORMATS: readonly Format[] = ['json', 'csv', 'xml', 'html'];

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** Reads `format` (case-insensitive, as the original); an unknown one is a 400, never a 500. */
export function parseFormat(raw: string | undefined, fallback: Format = 'json'): Format {
  if (raw === undefined || raw === '') return fallback;
  const f = raw.toLowerCase();
  if ((FORMATS as readonly string[]).includes(f)) return f as Format;
  throw badRequest(`format "${raw}" is not supported; use one of ${FORMATS.join(', ')}`);
}

export function render(table: Table, format: Format): string {
  switch (format) {
    case 'json':
      return renderJson(table);
    case 'csv':
      return renderCsv(table);
    case 'xml':
      return renderXml(table);
    case 'html':
      return renderHtml(table);
  }
}
