// streamBody over a planned ZIP with in-memory sources: whole bodies read by Python's
// zipfile, every range equal to the same slice of the whole, integrity failures thrown
// before the bad item's last byte, and every opened source closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { planZip, type ZipEntryInput } from '../../src/zip/plan.js';
import { streamBody, ItemIntegrityError, type OpenItem, type OpenedItem } from '../../src/zip/stream-body.js';
import { singleItemBody } from '../../src/zip/body.js';
import { imageFileOpener, type DownloadImage } from '../../src/archive/downloads.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { pythonZipfile, unzipTest } from '../downloads/readers.js';
import { tempDir } from '../helpers/stores.js';

const stamp = { date: 0x5c64, time: 0x28c3 };
const bytesOf = (s: string) => Buffer.from(s, 'utf8');

/** Sources by name; `served` may differ from what the index (entry) says. */
function memorySource(served: Map<string, Buffer>, chunkSize = 7) {
  const open = new Set<string>();
  let maxOpen = 0;
  const opened: string[] = [];
  const fn: OpenItem<string> = async (key) => {
    const data = served.get(key);
    if (!data) throw new Error(`no such source ${key}`);
    open.add(key);
    opened.push(key);
    maxOpen = Math.max(maxOpen, open.size);
    async function* chunks() {
      for (let i = 0; i < data!.length; i += chunkSize) yield data!.subarray(i, i + chunkSize);
    }
    const item: OpenedItem = { chunks: chunks(), close: () => open.delete(key) };
    return item;
  };
  return { open: fn, stillOpen: open, opened, maxOpen: () => maxOpen };
}

function entriesFor(contents: Record<string, string>): ZipEntryInput<string>[] {
  return Object.entries(contents).map(([name, text], i) => {
    const data = bytesOf(text);
    return { name, size: data.length, crc32: zlib.crc32(data), modified: stamp, content: i === 0 ? { inline: data } : { external: name } };
  });
}

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts);
}

const CONTENTS = { 'LICENSE': 'the licence text\n', '00000001.dcm': 'first file '.repeat(9), '00000002.dcm': '', 'ünï/cödé.dcm': 'third'.repeat(20) };

test('a whole planned ZIP is read back by Python zipfile and unzip, with exact length and contents', async () => {
  const served = new Map<string, Buffer>(Object.entries(CONTENTS).map(([k, v]) => [k, bytesOf(v)]));
  const src = memorySource(served);
  const plan = planZip(entriesFor(CONTENTS));
  const body = await collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open: src.open }));
  assert.equal(body.length, plan.totalSize);
  const dir = tempDir();
  const file = path.join(dir, 'a.zip');
  fs.writeFileSync(file, body);
  await unzipTest(file);
  const py = await pythonZipfile(file);
  assert.equal(py.bad, null);
  assert.deepEqual(py.members.map((m) => m.name), Object.keys(CONTENTS));
  assert.deepEqual(py.members.map((m) => m.size), Object.values(CONTENTS).map((v) => bytesOf(v).length));
  assert.deepEqual(py.members[1]!.date_time, [2026, 3, 4, 5, 6, 6]);
  assert.equal(src.stillOpen.size, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every range of the body equals the same slice of the whole body', async () => {
  const served = new Map<string, Buffer>(Object.entries(CONTENTS).map(([k, v]) => [k, bytesOf(v)]));
  const plan = planZip(entriesFor(CONTENTS));
  const open = memorySource(served).open;
  const whole = await collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open }));
  const n = plan.totalSize;
  const ranges: [number, number][] = [];
  for (let k = 0; k <= n; k++) ranges.push([0, k], [k, n]);
  let seed = 7;
  const rnd = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
  for (let i = 0; i < 3000; i++) {
    const a = rnd(n + 1);
    const b = a + rnd(n + 1 - a);
    ranges.push([a, b]);
  }
  for (const [a, b] of ranges) {
    const part = await collect(streamBody(plan, { start: a, end: b }, { open }));
    assert.ok(part.equals(whole.subarray(a, b)), `range [${a}, ${b})`);
  }
});

test('changed bytes of the same size: ItemIntegrityError before the last byte of that item goes out', async () => {
  const served = new Map<string, Buffer>(Object.entries(CONTENTS).map(([k, v]) => [k, bytesOf(v)]));
  const good = served.get('00000001.dcm')!;
  const changed = Buffer.from(good);
  changed[changed.length - 3] = changed[changed.length - 3]! ^ 0xff;
  served.set('00000001.dcm', changed);
  const plan = planZip(entriesFor(CONTENTS));
  const entry = plan.entries[1]!;
  for (const range of [{ start: 0, end: plan.totalSize }, { start: entry.dataOffset + 5, end: entry.dataOffset + 10 }]) {
    const src = memorySource(served);
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const c of streamBody(plan, range, { open: src.open })) got += c.length;
      })(),
      (err: unknown) => err instanceof ItemIntegrityError && err.item === entry && /CRC-32/.test(err.reason),
    );
    assert.ok(range.start + got < entry.dataOffset + entry.size, `sent ${got} bytes: the item's end must be held back`);
    assert.equal(src.stillOpen.size, 0, 'every opened source is closed');
  }
});

test('a source shorter or longer than the index says, or one that cannot be opened, is an integrity error', async () => {
  const plan = planZip(entriesFor(CONTENTS));
  const cases: [string, Buffer | undefined, RegExp][] = [
    ['shorter', bytesOf('first file '), /has 11 bytes, the index records 99/],
    ['longer', bytesOf('first file '.repeat(10)), /has more than 99 bytes, the index records 99/],
    ['missing', undefined, /cannot open the file: no such source/],
  ];
  for (const [label, data, reason] of cases) {
    const served = new Map<string, Buffer>(Object.entries(CONTENTS).map(([k, v]) => [k, bytesOf(v)]));
    if (data) served.set('00000001.dcm', data);
    else served.delete('00000001.dcm');
    const src = memorySource(served);
    await assert.rejects(collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open: src.open })), (err: unknown) => {
      assert.ok(err instanceof ItemIntegrityError, label);
      assert.match(err.reason, reason, label);
      return true;
    });
    assert.equal(src.stillOpen.size, 0, label);
  }
});

test('read-ahead is bounded, and a consumer that stops early leaves nothing open', async () => {
  const contents: Record<string, string> = { LICENSE: 'x' };
  for (let i = 1; i <= 50; i++) contents[`${i}.dcm`] = `file ${i} `.repeat(i);
  const served = new Map<string, Buffer>(Object.entries(contents).map(([k, v]) => [k, bytesOf(v)]));
  const plan = planZip(entriesFor(contents));
  const src = memorySource(served);
  await collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open: src.open, readAhead: 3 }));
  assert.ok(src.maxOpen() <= 4, `at most read-ahead + 1 open, saw ${src.maxOpen()}`);
  assert.equal(src.opened.length, 50);

  const early = memorySource(served);
  let n = 0;
  for await (const _ of streamBody(plan, { start: 0, end: plan.totalSize }, { open: early.open })) {
    if (++n === 20) break;
  }
  await new Promise((r) => setImmediate(r));
  assert.ok(early.opened.length > 0);
  assert.equal(early.stillOpen.size, 0);
});

test('read-ahead in bytes: at most that many bytes of items open ahead, yet an item larger than the bound still opens', async () => {
  const contents: Record<string, string> = { LICENSE: 'x' };
  for (let i = 1; i <= 40; i++) contents[`${i}.dcm`] = i === 20 ? 'y'.repeat(1000) : `${i}`.padEnd(100, '.');
  const served = new Map<string, Buffer>(Object.entries(contents).map(([k, v]) => [k, bytesOf(v)]));
  const plan = planZip(entriesFor(contents));
  const src = memorySource(served);
  const body = await collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open: src.open, readAhead: 16, readAheadBytes: 400 }));
  assert.equal(body.length, plan.totalSize);
  assert.equal(src.opened.length, 40);
  // 4 items of 100 bytes reach the bound; the one being sent is open too.
  assert.ok(src.maxOpen() <= 5, `at most 400 bytes ahead plus the item being sent, saw ${src.maxOpen()} open`);
  const counted = memorySource(served);
  await collect(streamBody(plan, { start: 0, end: plan.totalSize }, { open: counted.open, readAhead: 16 }));
  assert.ok(counted.maxOpen() > 5, `without the bound the count rules: ${counted.maxOpen()} open`);
});

test('a range only opens the items whose data it covers', async () => {
  const served = new Map<string, Buffer>(Object.entries(CONTENTS).map(([k, v]) => [k, bytesOf(v)]));
  const plan = planZip(entriesFor(CONTENTS));
  const third = plan.entries[3]!;
  const src = memorySource(served);
  await collect(streamBody(plan, { start: third.dataOffset + 1, end: plan.totalSize }, { open: src.open }));
  assert.deepEqual(src.opened, ['ünï/cödé.dcm']);
});

test('imageFileOpener over a non-file blob store: a stream that fails before it is read is an integrity error, not a crash', async () => {
  const image: DownloadImage = {
    sopInstanceUid: '1.2.3', instanceNumber: 1, acquisitionNumber: null, fileSize: 4, md5: 'x', crc32: zlib.crc32(bytesOf('abcd')),
    blobKey: 'k', inPlace: false, ingestedAt: '2026-01-01 00:00:00.000',
  };
  const failing: BlobStore = {
    putFile: async () => {},
    stat: async () => ({ size: 4 }),
    openRead: () => {
      const r = new Readable({ read() {} });
      process.nextTick(() => r.destroy(new Error('storage went away')));
      return r;
    },
  };
  const body = singleItemBody({ size: 4, crc32: image.crc32, content: { external: image } });
  const gen = streamBody(body, { start: 0, end: 4 }, { open: imageFileOpener(failing), readAhead: 1 });
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(collect(gen), (err: unknown) => err instanceof ItemIntegrityError && /storage went away/.test(err.reason));

  const working: BlobStore = { ...failing, openRead: () => Readable.from([bytesOf('ab'), bytesOf('cd')]) };
  const ok = await collect(streamBody(body, { start: 1, end: 3 }, { open: imageFileOpener(working) }));
  assert.equal(ok.toString(), 'bc');
  const missing: BlobStore = { ...failing, stat: async () => null };
  await assert.rejects(collect(streamBody(body, { start: 0, end: 4 }, { open: imageFileOpener(missing) })), /stored file is missing/);
  const resized: BlobStore = { ...failing, stat: async () => ({ size: 5 }) };
  await assert.rejects(collect(streamBody(body, { start: 0, end: 4 }, { open: imageFileOpener(resized) })), /has 5 bytes, the index records 4/);
});
