// The streaming ZIP reader on archives written by another tool (Python's zipfile): stored and
// deflated entries, any chunking, a start at an entry boundary, damage detected, and the
// archives it refuses to guess about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ZipFormatError, ZipStreamReader, type ZipEntry } from '../../src/download/zip-stream.js';
import { tempDir } from '../helpers/stores.js';

/** A ZIP written by Python's zipfile; `stream` writes to a pipe, so sizes go to data descriptors. */
function pythonZip(files: Record<string, Buffer>, options: { deflate?: boolean; stream?: boolean } = {}): Buffer {
  const dir = tempDir('nbia-zip-');
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  const target = path.join(dir, 'out.zip');
  const script = `
import sys, zipfile, os
d, target, deflate, stream = sys.argv[1], sys.argv[2], sys.argv[3] == '1', sys.argv[4] == '1'
names = sys.argv[5:]
out = sys.stdout.buffer if stream else open(target, 'wb')
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
    for n in names:
        z.write(os.path.join(d, n), n)
`;
  const r = spawnSync('python3', ['-c', script, dir, target, options.deflate ? '1' : '0', options.stream ? '1' : '0', ...Object.keys(files)], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr?.toString());
  return options.stream ? r.stdout : fs.readFileSync(target);
}

async function readAll(zip: Buffer, chunk: number, start = 0): Promise<{ entries: Map<string, Buffer>; ends: number[]; complete: boolean }> {
  const entries = new Map<string, Buffer>();
  const ends: number[] = [];
  let current: Buffer[] = [];
  const reader = new ZipStreamReader(
    {
      begin: async () => {
        current = [];
      },
      data: async (c) => {
        current.push(Buffer.from(c));
      },
      end: async (e: ZipEntry, end: number) => {
        entries.set(e.name, Buffer.concat(current));
        ends.push(end);
      },
    },
    start,
  );
  for (let i = start; i < zip.length; i += chunk) await reader.push(zip.subarray(i, Math.min(i + chunk, zip.length)));
  return { entries, ends, complete: reader.complete };
}

const files = { 'a.dcm': randomBytes(70_000), 'b.dcm': Buffer.alloc(50_000, 7), 'empty.txt': Buffer.alloc(0), 'md5hashes.csv': Buffer.from('Filename,MD5Hash\n') };

test('stored and deflated entries, in chunks of any size', async () => {
  for (const deflate of [false, true]) {
    const zip = pythonZip(files, { deflate });
    for (const chunk of [1, 7, 4096, zip.length]) {
      const r = await readAll(zip, chunk);
      assert.ok(r.complete, `deflate=${deflate} chunk=${chunk}`);
      assert.deepEqual([...r.entries.keys()], Object.keys(files));
      for (const [name, bytes] of Object.entries(files)) assert.ok(r.entries.get(name)!.equals(bytes), name);
    }
  }
});

test('a start at an entry boundary reads the rest', async () => {
  const zip = pythonZip(files);
  const { ends } = await readAll(zip, 1000);
  const rest = await readAll(zip, 333, ends[0]!);
  assert.deepEqual([...rest.entries.keys()], ['b.dcm', 'empty.txt', 'md5hashes.csv']);
  assert.ok(rest.complete);
});

test('a damaged byte fails the CRC; an archive cut short is not complete', async () => {
  const zip = pythonZip(files);
  const bad = Buffer.from(zip);
  bad[30 + 'a.dcm'.length + 1000]! ^= 0xff;
  await assert.rejects(readAll(bad, 4096), (e: unknown) => e instanceof ZipFormatError && /CRC-32 mismatch/.test(e.message));
  const cut = await readAll(zip.subarray(0, 100_000), 4096);
  assert.equal(cut.complete, false);
});

test('sizes only in data descriptors, or garbage, are refused with a reason', async () => {
  const streamed = pythonZip({ 'a.dcm': randomBytes(1000) }, { deflate: true, stream: true });
  await assert.rejects(readAll(streamed, 4096), (e: unknown) => e instanceof ZipFormatError && /data descriptor/.test(e.message));
  await assert.rejects(readAll(Buffer.from('<html>error</html>'), 4096), ZipFormatError);
});
