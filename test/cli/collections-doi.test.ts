// `nbia collections set --doi / --commercial-use` and `nbia serve --user-agreement`: what they
// store, and their errors (a message and a non-zero exit, nothing stored).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nbia } from './run.js';
import { tempDir } from '../helpers/stores.js';
import { openStore } from '../../src/store/db.js';
import { findCollection } from '../../src/archive/collections.js';

test('collections set --doi stores the doi.org link; --commercial-use YES/NO; bad values change nothing', async () => {
  const data = tempDir('nbia-cli-doi-');
  try {
    const ok = await nbia(['collections', 'set', 'Trial-D', '--doi', 'doi:10.7937/TCIA.ABC-123', '--commercial-use', 'no', '--data', data]);
    assert.equal(ok.code, 0, ok.stderr);
    const errors = await Promise.all([
      nbia(['collections', 'set', 'Trial-D', '--doi', 'not-a-doi', '--data', data]),
      nbia(['collections', 'set', 'Trial-D', '--commercial-use', 'maybe', '--data', data]),
      nbia(['collections', 'set', 'Trial-D', '--doi', '10.1/x', '--description-uri', 'https://example.org/', '--data', data]),
    ]);
    assert.deepEqual(errors.map((e) => e.code), [2, 2, 2]);
    assert.match(errors[0]!.stderr, /--doi: "not-a-doi" is not a DOI/);
    assert.match(errors[1]!.stderr, /--commercial-use must be yes or no/);
    assert.match(errors[2]!.stderr, /either --doi or --description-uri/);

    const store = await openStore(`sqlite:${path.join(data, 'nbia.sqlite')}`);
    try {
      const row = await findCollection(store.db, 'trial-d');
      assert.equal(row?.description_uri, 'https://doi.org/10.7937/TCIA.ABC-123');
      assert.equal(row?.commercial_use, 'NO');
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('serve --user-agreement with a missing file is refused before anything starts', async () => {
  const data = tempDir('nbia-cli-ua-');
  try {
    const r = await nbia(['serve', '--no-demo', '--port', '0', '--user-agreement', path.join(data, 'absent.txt'), '--data', data]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--user-agreement: no such file/);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});
