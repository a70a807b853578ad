// The files an ingest finds (src/ingest/walk.ts): depth first in name order, each file once
// however many links lead to it, links that lead nowhere (or round in a loop) passed over,
// the archive's own folders left out, and a clear error for a path that is not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findFiles } from '../../src/ingest/walk.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/stores.js';

function tree(files: Record<string, string>): string {
  const root = tempDir('nbia-walk-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

const relative = (root: string, found: { path: string }[]) => found.map((f) => path.relative(root, f.path));

test('every regular file, depth first in name order, with its size', async () => {
  const root = tree({ 'b/2.dcm': 'bb', 'b/1.dcm': 'b', 'a.dcm': 'aaaa', 'c/d/e.dcm': 'eee', 'c/0.dcm': '' });
  try {
    const found = await findFiles([root]);
    assert.deepEqual(relative(root, found), ['a.dcm', 'b/1.dcm', 'b/2.dcm', 'c/0.dcm', 'c/d/e.dcm']);
    assert.deepEqual(
      found.map((f) => f.size),
      [4, 1, 2, 0, 3],
    );
    // A file given directly, and the same tree given twice: each file once.
    const again = await findFiles([path.join(root, 'a.dcm'), root, root]);
    assert.equal(again.length, 5);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('name order, whatever order the files were made in', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, '0')}.dcm`);
  const root = tree({});
  try {
    for (const name of [...names].reverse()) fs.writeFileSync(path.join(root, name), name);
    assert.deepEqual(relative(root, await findFiles([root])), names);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('links: a folder or file reached twice is taken once; dangling links and loops are passed over', async () => {
  const root = tree({ 'data/x/1.dcm': 'one', 'data/x/2.dcm': 'two' });
  try {
    fs.symlinkSync(path.join(root, 'data', 'x'), path.join(root, 'data', 'y')); // the same folder again
    fs.symlinkSync(path.join(root, 'data', 'x', '1.dcm'), path.join(root, 'data', 'z.dcm')); // the same file again
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'data', 'dangling.dcm'));
    fs.symlinkSync(path.join(root, 'data', 'loop'), path.join(root, 'data', 'loop')); // ELOOP
    const outside = tree({ 'o.dcm': 'outside' });
    try {
      fs.symlinkSync(outside, path.join(root, 'data', 'w')); // a folder elsewhere, reached through a link
      const found = await findFiles([root]);
      assert.deepEqual(relative(root, found), ['data/w/o.dcm', 'data/x/1.dcm', 'data/x/2.dcm']);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('excluded folders are not walked, even through a link', async () => {
  const root = tree({ 'src/1.dcm': '1', 'archive/files/stored.dcm': 's' });
  try {
    fs.symlinkSync(path.join(root, 'archive', 'files'), path.join(root, 'src', 'linked'));
    const found = await findFiles([root], { exclude: [path.join(root, 'archive', 'files'), path.join(root, 'not-yet-created')] });
    assert.deepEqual(relative(root, found), ['src/1.dcm']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a path that is not there, or nothing at all, is a usage error', async () => {
  await assert.rejects(findFiles([]), (err: unknown) => err instanceof UserError && /at least one/.test(err.message));
  await assert.rejects(findFiles(['/nonexistent/nbia-walk']), (err: unknown) => err instanceof UserError && /no such file or folder/.test(err.message));
  await assert.rejects(findFiles(['/dev/null']), (err: unknown) => err instanceof UserError && /not a file or folder/.test(err.message));
});
