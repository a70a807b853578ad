// XML and HTML tables in the original's shapes, with proper escaping (the original's
// XML is not well-formed for column names with spaces; ours always is).
import type { TableWriter, ValueType } from './table.js';

const JAVA_TYPE: Record<ValueType, string> = {
  string: 'java.lang.String',
  integer: 'java.lang.Integer',
  long: 'java.lang.Long',
  double: 'java.lang.Double',
  boolean: 'java.lang.Boolean',
  timestamp: 'java.sql.Timestamp',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeMarkup(text: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0 at all.
  // eslint-disable-next-line no-control-regex -- matching exactly those characters is the point
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

/** An XML element name for a column: spaces and other illegal characters become `_`. */
export function xmlName(column: string): string {
  const cleaned = column.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

export const XML_WRITER: TableWriter = {
  head: () => '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results>',
  rows(columns, rows) {
    const parts: string[] = [];
    for (const row of rows) {
      parts.push('<Row>');
      for (const { name, type } of columns) {
        const v = row[name];
        if (v === null || v === undefined) continue;
        const el = xmlName(name);
        parts.push(`<${el} type='${JAVA_TYPE[type]}'>${escapeMarkup(String(v))}</${el}>`);
      }
      parts.push('</Row>');
    }
    return parts.join('');
  },
  tail: () => '</Results>',
};

export const HTML_WRITER: TableWriter = {
  head(columns) {
    const parts = ["<P ALIGN='center'><TABLE BORDER=1><TR>"];
    for (const { name } of columns) parts.push(`<TH>${escapeMarkup(name)}</TH>`);
    parts.push('</TR>');
    return parts.join('');
  },
  rows(columns, rows) {
    const parts: string[] = [];
    for (const row of rows) {
      parts.push('<TR>');
      for (const { name } of columns) {
        const v = row[name];
        parts.push(v === null || v === undefined ? '<TD>&nbsp;</TD>' : `<TD>${escapeMarkup(String(v))}</TD>`);
      }
      parts.push('</TR>');
    }
    return parts.join('');
  },
  tail: () => '</TABLE></P>',
};
