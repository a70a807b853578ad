// The streaming ZIP reader on archives written by other tools (Python's zipfile, Info-ZIP's
// zip): stored and deflated entries, with sizes in the local header or only in data
// descriptors (written to a pipe), any chunking, a start at an entry boundary, damage
// detected, and the archives it refuses to guess about.
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

/** `zip ARGS` (Info-ZIP) writing to a pipe, with `stdin` as its standard input. */
function infoZip(dir: string, args: string[], stdin?: Buffer): Buffer {
  const r = spawnSync('zip', ['-q', '-X', ...args], { cwd: dir, input: stdin, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `zip (Debian package zip): ${r.error?.message ?? r.stderr?.toString()}`);
  return r.stdout;
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
        const content = Buffer.concat(current);
        assert.equal(content.length, e.size, `${e.name}: size handed to end()`);
        entries.set(e.name, content);
        ends.push(end);
      },
    },
    start,
  );
  for (let i = start; i < zip.length; i += chunk) await reader.push(zip.subarray(i, Math.min(i + chunk, zip.length)));
  reader.finish();
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

test('sizes only in data descriptors (Python zipfile to a pipe): stored and deflated, any chunking, resumable at each entry', async () => {
  for (const deflate of [false, true]) {
    const zip = pythonZip(files, { deflate, stream: true });
    // The writer really used descriptors: bit 3 set, no CRC in the first local header.
    assert.equal(zip.readUInt16LE(6) & 8, 8);
    assert.equal(zip.readUInt32LE(14), 0);
    for (const chunk of [1, 5, 4096, zip.length]) {
      const r = await readAll(zip, chunk);
      assert.ok(r.complete, `deflate=${deflate} chunk=${chunk}`);
      assert.deepEqual([...r.entries.keys()], Object.keys(files));
      for (const [name, bytes] of Object.entries(files)) assert.ok(r.entries.get(name)!.equals(bytes), `${name} deflate=${deflate} chunk=${chunk}`);
    }
    // Each entry's end is just past its descriptor: a resumed download starts there.
    const { ends } = await readAll(zip, 4096);
    const rest = await readAll(zip, 999, ends[1]!);
    assert.deepEqual([...rest.entries.keys()], ['empty.txt', 'md5hashes.csv']);
    assert.ok(rest.complete);
  }
});

test("Info-ZIP's zip to a pipe: files stored and deflated, and standard input (ZIP64 descriptor)", async () => {
  const dir = tempDir('nbia-infozip-');
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  const names = Object.keys(files);
  for (const level of ['-0', '-6']) {
    const zip = infoZip(dir, [level, '-', ...names]);
    assert.equal(zip.readUInt16LE(6) & 8, 8, 'zip used a data descriptor');
    const r = await readAll(zip, 1000);
    assert.ok(r.complete, level);
    for (const [name, bytes] of Object.entries(files)) assert.ok(r.entries.get(name)!.equals(bytes), `${name} ${level}`);
  }
  const piped = randomBytes(300_000);
  // zip stores nothing from a pipe (`-0` is refused there): deflated only.
  const zip = infoZip(dir, ['-', '-'], piped);
  const r = await readAll(zip, 8192);
  assert.ok(r.complete, 'stdin');
  assert.ok(r.entries.get('-')!.equals(piped), 'stdin');
});

test('a descriptor signature inside stored data, with a matching size but not the CRC, is passed over', async () => {
  const data = randomBytes(5000);
  // At offset 1000: signature, a wrong CRC, compressed and uncompressed size 1000.
  data.writeUInt32LE(0x08074b50, 1000);
  data.writeUInt32LE(0x12345678, 1004);
  data.writeUInt32LE(1000, 1008);
  data.writeUInt32LE(1000, 1012);
  const zip = pythonZip({ 'trap.dcm': data, 'after.dcm': Buffer.alloc(10, 1) }, { stream: true });
  for (const chunk of [1, 1003, 1010, 4096]) {
    const r = await readAll(zip, chunk);
    assert.ok(r.complete);
    assert.ok(r.entries.get('trap.dcm')!.equals(data), `chunk ${chunk}`);
    assert.ok(r.entries.get('after.dcm')!.equals(Buffer.alloc(10, 1)));
  }
});

test('a damaged byte in an entry with a descriptor: its end is never found, and the archive is refused', async () => {
  for (const deflate of [false, true]) {
    const zip = Buffer.from(pythonZip({ 'a.dcm': randomBytes(20_000) }, { deflate, stream: true }));
    zip[30 + 'a.dcm'.length + 500]! ^= 0xff;
    await assert.rejects(readAll(zip, 4096), (e: unknown) => e instanceof ZipFormatError && /damaged, or its descriptor lacks the signature/.test(e.message), `deflate=${deflate}`);
  }
});

test('a stored entry whose descriptor has no signature cannot be delimited: refused with the reason; garbage is refused', async () => {
  const data = randomBytes(3000);
  const zip = pythonZip({ 'a.dcm': data }, { stream: true });
  // Drop the optional signature (APPNOTE 4.3.9.3) and move the central directory's offset with it.
  const at = 30 + 'a.dcm'.length + data.length;
  assert.equal(zip.readUInt32LE(at), 0x08074b50);
  const unsigned = Buffer.concat([zip.subarray(0, at), zip.subarray(at + 4)]);
  const eocd = unsigned.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  unsigned.writeUInt32LE(unsigned.readUInt32LE(eocd + 16) - 4, eocd + 16);
  await assert.rejects(readAll(unsigned, 4096), (e: unknown) => e instanceof ZipFormatError && /lacks the signature 0x08074b50/.test(e.message));
  // Cut short instead: not complete, and not refused (a resume may bring the rest).
  const cut = await readAll(zip.subarray(0, 2000), 512);
  assert.equal(cut.complete, false);
  await assert.rejects(readAll(Buffer.from('<html>error</html>'), 4096), ZipFormatError);
});
