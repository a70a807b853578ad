// The ZIP records byte by byte against APPNOTE 6.3 (values worked out by hand), with the
// ZIP64 thresholds at their exact boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centralHeader, endRecords, localHeader, localHeaderLength, centralHeaderLength, needsZip64End } from '../../src/zip/records.js';
import { dosStampOf, dosStampOfIndexTime, DOS_EPOCH } from '../../src/zip/dos-time.js';

const stamp = { date: 0x5c64, time: 0x28c3 };
const named = { name: 'a.dcm', nameLength: 5 };

test('DOS stamps: UTC wall clock, 2-second resolution, clamped to 1980..2107', () => {
  // 2026-03-04 05:06:07 → date (46<<9)|(3<<5)|4 = 23652, time (5<<11)|(6<<5)|3 = 10435
  assert.deepEqual(dosStampOfIndexTime('2026-03-04 05:06:07.890'), { date: 23652, time: 10435 });
  assert.deepEqual(dosStampOfIndexTime('2026-03-04'), { date: 23652, time: 0 });
  assert.deepEqual(dosStampOf(new Date(Date.UTC(1975, 0, 1))), DOS_EPOCH);
  assert.deepEqual(DOS_EPOCH, { date: 33, time: 0 });
  assert.deepEqual(dosStampOfIndexTime(null), DOS_EPOCH);
  assert.deepEqual(dosStampOfIndexTime('not a date'), DOS_EPOCH);
  assert.equal(dosStampOf(new Date(Date.UTC(2200, 0, 1))).date >> 9, 127);
});

test('local header of a small stored entry: CRC and sizes in place, UTF-8 flag, no extra field', () => {
  const h = localHeader({ ...named, size: 1000, crc32: 0xdeadbeef, modified: stamp, localOffset: 0 });
  assert.equal(h.length, 35);
  assert.equal(h.readUInt32LE(0), 0x04034b50);
  assert.equal(h.readUInt16LE(4), 20); // version needed 2.0
  assert.equal(h.readUInt16LE(6), 0x0800); // bit 11: UTF-8; no data descriptor (bit 3)
  assert.equal(h.readUInt16LE(8), 0); // stored
  assert.equal(h.readUInt16LE(10), stamp.time);
  assert.equal(h.readUInt16LE(12), stamp.date);
  assert.equal(h.readUInt32LE(14), 0xdeadbeef);
  assert.equal(h.readUInt32LE(18), 1000);
  assert.equal(h.readUInt32LE(22), 1000);
  assert.equal(h.readUInt16LE(26), 5);
  assert.equal(h.readUInt16LE(28), 0);
  assert.equal(h.subarray(30).toString(), 'a.dcm');
});

test('a size of 0xFFFFFFFF or more goes in a ZIP64 extra field holding both sizes; one less does not', () => {
  assert.equal(localHeaderLength(5, 0xfffffffe), 35);
  assert.equal(localHeaderLength(5, 0xffffffff), 55);
  const size = 2 ** 32 + 5;
  const h = localHeader({ ...named, size, crc32: 1, modified: stamp, localOffset: 0 });
  assert.equal(h.length, 55);
  assert.equal(h.readUInt16LE(4), 45);
  assert.equal(h.readUInt32LE(18), 0xffffffff);
  assert.equal(h.readUInt32LE(22), 0xffffffff);
  assert.equal(h.readUInt16LE(28), 20);
  assert.equal(h.readUInt16LE(35), 0x0001);
  assert.equal(h.readUInt16LE(37), 16);
  assert.equal(h.readBigUInt64LE(39), BigInt(size));
  assert.equal(h.readBigUInt64LE(47), BigInt(size));
});

test('central header: ZIP64 extra only for what overflowed, in APPNOTE order', () => {
  const small = centralHeader({ ...named, size: 7, crc32: 0x01020304, modified: stamp, localOffset: 1234 });
  assert.equal(small.length, 46 + 5);
  assert.equal(small.readUInt32LE(0), 0x02014b50);
  assert.equal(small.readUInt16LE(4) >> 8, 3); // made by Unix
  assert.equal(small.readUInt16LE(6), 20);
  assert.equal(small.readUInt16LE(8), 0x0800);
  assert.equal(small.readUInt32LE(16), 0x01020304);
  assert.equal(small.readUInt32LE(20), 7);
  assert.equal(small.readUInt32LE(24), 7);
  assert.equal(small.readUInt16LE(30), 0);
  assert.equal(small.readUInt32LE(38) >>> 16, 0o100644);
  assert.equal(small.readUInt32LE(42), 1234);

  // Offset past 4 GiB, small size: only the offset in the extra field.
  const far = 2 ** 32 + 100;
  const h = centralHeader({ ...named, size: 7, crc32: 0, modified: stamp, localOffset: far });
  assert.equal(centralHeaderLength(5, 7, far), 46 + 5 + 12);
  assert.equal(h.readUInt16LE(6), 45);
  assert.equal(h.readUInt32LE(20), 7);
  assert.equal(h.readUInt32LE(42), 0xffffffff);
  assert.equal(h.readUInt16LE(30), 12);
  assert.equal(h.readUInt16LE(51), 1);
  assert.equal(h.readUInt16LE(53), 8);
  assert.equal(h.readBigUInt64LE(55), BigInt(far));

  // Both: sizes then offset.
  const big = 2 ** 32;
  const both = centralHeader({ ...named, size: big, crc32: 0, modified: stamp, localOffset: far });
  assert.equal(both.readUInt16LE(30), 28);
  assert.equal(both.readBigUInt64LE(55), BigInt(big));
  assert.equal(both.readBigUInt64LE(63), BigInt(big));
  assert.equal(both.readBigUInt64LE(71), BigInt(far));
  // An offset of exactly 0xFFFFFFFF is the marker value, so it needs the extra field too.
  assert.equal(centralHeaderLength(5, 7, 0xffffffff), 46 + 5 + 12);
  assert.equal(centralHeaderLength(5, 7, 0xfffffffe), 46 + 5);
});

test('end records: classic only up to 65,534 entries and 4 GiB; ZIP64 record and locator beyond', () => {
  const plain = endRecords({ entryCount: 65534, centralOffset: 100, centralSize: 50 });
  assert.equal(plain.length, 22);
  assert.equal(plain.readUInt32LE(0), 0x06054b50);
  assert.equal(plain.readUInt16LE(8), 65534);
  assert.equal(plain.readUInt16LE(10), 65534);
  assert.equal(plain.readUInt32LE(12), 50);
  assert.equal(plain.readUInt32LE(16), 100);

  assert.equal(needsZip64End({ entryCount: 65535, centralOffset: 0, centralSize: 0 }), true);
  assert.equal(needsZip64End({ entryCount: 1, centralOffset: 0xffffffff, centralSize: 0 }), true);
  const many = endRecords({ entryCount: 70000, centralOffset: 1000, centralSize: 4_000_000 });
  assert.equal(many.length, 56 + 20 + 22);
  assert.equal(many.readUInt32LE(0), 0x06064b50);
  assert.equal(many.readBigUInt64LE(4), 44n);
  assert.equal(many.readBigUInt64LE(24), 70000n);
  assert.equal(many.readBigUInt64LE(32), 70000n);
  assert.equal(many.readBigUInt64LE(40), 4_000_000n);
  assert.equal(many.readBigUInt64LE(48), 1000n);
  assert.equal(many.readUInt32LE(56), 0x07064b50);
  assert.equal(many.readBigUInt64LE(64), 4_001_000n); // the ZIP64 end record follows the directory
  assert.equal(many.readUInt32LE(72), 1);
  assert.equal(many.readUInt32LE(76), 0x06054b50);
  assert.equal(many.readUInt16LE(84), 0xffff);
  assert.equal(many.readUInt16LE(86), 0xffff);
  assert.equal(many.readUInt32LE(88), 4_000_000); // fits: written as is
  assert.equal(many.readUInt32LE(92), 1000);

  const far = endRecords({ entryCount: 3, centralOffset: 2 ** 32 + 10, centralSize: 300 });
  assert.equal(far.readUInt16LE(76 + 8), 3);
  assert.equal(far.readUInt32LE(76 + 16), 0xffffffff);
});
