// The four writers on one table with awkward values: expected bodies written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, type Table } from '../../src/formats/table.js';
import { parseFormat, render, CONTENT_TYPE } from '../../src/formats/index.js';
import { ApiError } from '../../src/errors.js';

const table: Table = {
  columns: columns(['Series UID', 'string'], ['Count', 'integer'], ['Flag', 'boolean'], ['Note', 'string']),
  rows: [
    { 'Series UID': '1.2.3', Count: 5, Flag: true, Note: 'a "quoted", <tagged> & \'odd\' value/é' },
    { 'Series UID': '1.2.4', Count: 0, Flag: false, Note: null },
    { 'Series UID': null, Count: null, Flag: null, Note: 'line\nbreak\ttab' },
  ],
};

test('JSON: keys in column order, nulls omitted, compact, no escaping of / or non-ASCII', () => {
  assert.equal(
    render(table, 'json'),
    '[{"Series UID":"1.2.3","Count":5,"Flag":true,"Note":"a \\"quoted\\", <tagged> & \'odd\' value/é"},' +
      '{"Series UID":"1.2.4","Count":0,"Flag":false},{"Note":"line\\nbreak\\ttab"}]',
  );
  assert.equal(render({ columns: table.columns, rows: [{}] }, 'json'), '[{}]');
  assert.equal(render({ columns: table.columns, rows: [] }, 'json'), '[]');
});

test('CSV: multi-column quotes every field and doubles inner quotes; nulls are empty fields', () => {
  assert.equal(
    render(table, 'csv'),
    '"Series UID","Count","Flag","Note"\n' +
      '"1.2.3","5","true","a ""quoted"", <tagged> & \'odd\' value/é"\n' +
      '"1.2.4","0","false",""\n' +
      '"","","","line\nbreak\ttab"\n',
  );
  assert.equal(render({ columns: table.columns, rows: [] }, 'csv'), '"Series UID","Count","Flag","Note"\n');
});

test('CSV: a single-column list is plain, quoting only a value that needs it; null is an empty line', () => {
  const one: Table = { columns: columns(['Manufacturer', 'string']), rows: [{ Manufacturer: null }, { Manufacturer: 'GE' }, { Manufacturer: 'Hologic, Inc.' }] };
  assert.equal(render(one, 'csv'), 'Manufacturer\n\nGE\n"Hologic, Inc."\n');
});

test('XML: typed elements, nulls omitted, markup escaped, spaced column names made legal', () => {
  assert.equal(
    render(table, 'xml'),
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Results>' +
      "<Row><Series_UID type='java.lang.String'>1.2.3</Series_UID><Count type='java.lang.Integer'>5</Count><Flag type='java.lang.Boolean'>true</Flag>" +
      "<Note type='java.lang.String'>a &quot;quoted&quot;, &lt;tagged&gt; &amp; &#39;odd&#39; value/é</Note></Row>" +
      "<Row><Series_UID type='java.lang.String'>1.2.4</Series_UID><Count type='java.lang.Integer'>0</Count><Flag type='java.lang.Boolean'>false</Flag></Row>" +
      "<Row><Note type='java.lang.String'>line\nbreak\ttab</Note></Row></Results>",
  );
});

test('HTML: one table, &nbsp; for nulls, escaped values', () => {
  assert.equal(
    render(table, 'html'),
    "<P ALIGN='center'><TABLE BORDER=1><TR><TH>Series UID</TH><TH>Count</TH><TH>Flag</TH><TH>Note</TH></TR>" +
      '<TR><TD>1.2.3</TD><TD>5</TD><TD>true</TD><TD>a &quot;quoted&quot;, &lt;tagged&gt; &amp; &#39;odd&#39; value/é</TD></TR>' +
      '<TR><TD>1.2.4</TD><TD>0</TD><TD>false</TD><TD>&nbsp;</TD></TR>' +
      '<TR><TD>&nbsp;</TD><TD>&nbsp;</TD><TD>&nbsp;</TD><TD>line\nbreak\ttab</TD></TR></TABLE></P>',
  );
});

test('format parameter: case-insensitive, empty means the default, anything else a 400', () => {
  assert.equal(parseFormat(undefined), 'json');
  assert.equal(parseFormat(''), 'json');
  assert.equal(parseFormat('CSV'), 'csv');
  assert.equal(parseFormat('Xml'), 'xml');
  assert.equal(parseFormat(undefined, 'csv'), 'csv');
  for (const bad of ['pdf', 'csvquoted', 'json ', 'csv-download']) {
    assert.throws(() => parseFormat(bad), (e: unknown) => e instanceof ApiError && e.status === 400 && e.message.includes(bad));
  }
  assert.match(CONTENT_TYPE.json, /^application\/json/);
  assert.match(CONTENT_TYPE.csv, /^text\/csv/);
});

test('paged tables: every format gives the same bytes page by page as whole, however the rows are split', async () => {
  const { renderPages } = await import('../../src/formats/index.js');
  const splits: ReadonlyArray<ReadonlyArray<number>> = [[3], [1, 2], [0, 3], [1, 0, 1, 1, 0], [0], []];
  for (const format of ['json', 'csv', 'xml', 'html'] as const) {
    for (const split of splits) {
      const rows = split.length === 0 || (split.length === 1 && split[0] === 0) ? [] : table.rows;
      const pages: (typeof table.rows)[] = [];
      let at = 0;
      for (const n of split) {
        pages.push(rows.slice(at, at + n));
        at += n;
      }
      let betweenCalls = 0;
      const pieces: string[] = [];
      const paged = { columns: table.columns, pages: (async function* () { yield* pages; })() };
      for await (const piece of renderPages(paged, format, async () => void betweenCalls++)) pieces.push(piece);
      assert.equal(pieces.join(''), render({ columns: table.columns, rows: rows.slice(0, at) }, format), `${format} split ${JSON.stringify(split)}`);
      assert.equal(betweenCalls, Math.max(0, pages.length - 1), 'the server gets a turn between pages');
    }
  }
});
