// The byte layout of the ZIP records we write (PKWARE APPNOTE 6.3.x, sections 4.3 and 4.5).
// Entries are stored (method 0) with their CRC and sizes in the local header, so no data
// descriptors are needed and a streaming reader can check every entry as it arrives.
// ZIP64 fields appear only where a value does not fit its 16- or 32-bit field.
import type { DosStamp } from './dos-time.js';

export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
export const ZIP64_END_SIGNATURE = 0x06064b50;
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
export const END_SIGNATURE = 0x06054b50;

export const LOCAL_HEADER_FIXED = 30;
export const CENTRAL_HEADER_FIXED = 46;
export const ZIP64_END_LENGTH = 56;
export const ZIP64_LOCATOR_LENGTH = 20;
export const END_LENGTH = 22;

/** A 32-bit size or offset field holding this value means "see the ZIP64 extra field". */
export const MAX_32 = 0xffffffff;
/** A 16-bit entry count holding this value means "see the ZIP64 end record". */
export const MAX_16 = 0xffff;

const ZIP64_EXTRA_ID = 0x0001;
/** General purpose bit 11: the name is UTF-8. */
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const VERSION_DEFAULT = 20; // 2.0: the baseline every reader accepts
const VERSION_ZIP64 = 45; // 4.5: ZIP64 extensions
/** Made by: Unix (3), spec 4.5 — so that the external attributes below are read as a mode. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
/** A regular file, rw-r--r--. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;

/** What the records need to know about one entry. */
export interface EntryHeaderFields {
  /** The entry's name, written as UTF-8 (no Buffer kept per entry: big series have many). */
  name: string;
  /** Its length in UTF-8 bytes. */
  nameLength: number;
  size: number;
  crc32: number;
  modified: DosStamp;
  /** Offset of the entry's local header from the start of the archive. */
  localOffset: number;
}

/** Sizes of 4 GiB - 1 and above go in a ZIP64 extra field (0xFFFFFFFF itself is the marker). */
export function needsZip64Size(size: number): boolean {
  return size >= MAX_32;
}

export function localHeaderLength(nameLength: number, size: number): number {
  return LOCAL_HEADER_FIXED + nameLength + (needsZip64Size(size) ? 20 : 0);
}

/** Length of the ZIP64 extra field of a central header: only the fields that overflowed. */
function centralZip64ExtraLength(size: number, localOffset: number): number {
  const fields = (needsZip64Size(size) ? 2 : 0) + (localOffset >= MAX_32 ? 1 : 0);
  return fields === 0 ? 0 : 4 + 8 * fields;
}

export function centralHeaderLength(nameLength: number, size: number, localOffset: number): number {
  return CENTRAL_HEADER_FIXED + nameLength + centralZip64ExtraLength(size, localOffset);
}

function versionNeeded(e: EntryHeaderFields): number {
  return needsZip64Size(e.size) || e.localOffset >= MAX_32 ? VERSION_ZIP64 : VERSION_DEFAULT;
}

export function localHeader(e: EntryHeaderFields): Buffer {
  const zip64 = needsZip64Size(e.size);
  const nameLength = e.nameLength;
  const buf = Buffer.alloc(localHeaderLength(nameLength, e.size));
  buf.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
  buf.writeUInt16LE(versionNeeded(e), 4);
  buf.writeUInt16LE(FLAG_UTF8, 6);
  buf.writeUInt16LE(METHOD_STORED, 8);
  buf.writeUInt16LE(e.modified.time, 10);
  buf.writeUInt16LE(e.modified.date, 12);
  buf.writeUInt32LE(e.crc32 >>> 0, 14);
  buf.writeUInt32LE(zip64 ? MAX_32 : e.size, 18); // compressed size
  buf.writeUInt32LE(zip64 ? MAX_32 : e.size, 22); // uncompressed size
  buf.writeUInt16LE(nameLength, 26);
  buf.writeUInt16LE(zip64 ? 20 : 0, 28);
  buf.write(e.name, LOCAL_HEADER_FIXED, nameLength, 'utf8');
  if (zip64) {
    // In a local header the ZIP64 field always holds both sizes (APPNOTE 4.5.3).
    const at = LOCAL_HEADER_FIXED + nameLength;
    buf.writeUInt16LE(ZIP64_EXTRA_ID, at);
    buf.writeUInt16LE(16, at + 2);
    buf.writeBigUInt64LE(BigInt(e.size), at + 4); // uncompressed
    buf.writeBigUInt64LE(BigInt(e.size), at + 12); // compressed
  }
  return buf;
}

export function centralHeader(e: EntryHeaderFields): Buffer {
  const sizeOverflow = needsZip64Size(e.size);
  const offsetOverflow = e.localOffset >= MAX_32;
  const nameLength = e.nameLength;
  const extraLength = centralZip64ExtraLength(e.size, e.localOffset);
  const buf = Buffer.alloc(CENTRAL_HEADER_FIXED + nameLength + extraLength);
  buf.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, 0);
  buf.writeUInt16LE(VERSION_MADE_BY, 4);
  buf.writeUInt16LE(versionNeeded(e), 6);
  buf.writeUInt16LE(FLAG_UTF8, 8);
  buf.writeUInt16LE(METHOD_STORED, 10);
  buf.writeUInt16LE(e.modified.time, 12);
  buf.writeUInt16LE(e.modified.date, 14);
  buf.writeUInt32LE(e.crc32 >>> 0, 16);
  buf.writeUInt32LE(sizeOverflow ? MAX_32 : e.size, 20);
  buf.writeUInt32LE(sizeOverflow ? MAX_32 : e.size, 24);
  buf.writeUInt16LE(nameLength, 28);
  buf.writeUInt16LE(extraLength, 30);
  buf.writeUInt16LE(0, 32); // comment length
  buf.writeUInt16LE(0, 34); // disk number start
  buf.writeUInt16LE(0, 36); // internal attributes
  buf.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
  buf.writeUInt32LE(offsetOverflow ? MAX_32 : e.localOffset, 42);
  buf.write(e.name, CENTRAL_HEADER_FIXED, nameLength, 'utf8');
  if (extraLength > 0) {
    // Only the overflowed fields, in the APPNOTE order: uncompressed, compressed, offset.
    let at = CENTRAL_HEADER_FIXED + nameLength;
    buf.writeUInt16LE(ZIP64_EXTRA_ID, at);
    buf.writeUInt16LE(extraLength - 4, at + 2);
    at += 4;
    if (sizeOverflow) {
      buf.writeBigUInt64LE(BigInt(e.size), at);
      buf.writeBigUInt64LE(BigInt(e.size), at + 8);
      at += 16;
    }
    if (offsetOverflow) buf.writeBigUInt64LE(BigInt(e.localOffset), at);
  }
  return buf;
}

export interface CentralDirectoryFields {
  entryCount: number;
  centralOffset: number;
  centralSize: number;
}

/** Whether the end of the archive needs the ZIP64 end record and locator. */
export function needsZip64End(c: CentralDirectoryFields): boolean {
  return c.entryCount >= MAX_16 || c.centralOffset >= MAX_32 || c.centralSize >= MAX_32;
}

export function endRecordsLength(c: CentralDirectoryFields): number {
  return (needsZip64End(c) ? ZIP64_END_LENGTH + ZIP64_LOCATOR_LENGTH : 0) + END_LENGTH;
}

/** The ZIP64 end record and locator (when needed) and the classic end record. */
export function endRecords(c: CentralDirectoryFields): Buffer {
  const zip64 = needsZip64End(c);
  const buf = Buffer.alloc(endRecordsLength(c));
  let at = 0;
  if (zip64) {
    const zip64EndOffset = c.centralOffset + c.centralSize;
    buf.writeUInt32LE(ZIP64_END_SIGNATURE, 0);
    buf.writeBigUInt64LE(BigInt(ZIP64_END_LENGTH - 12), 4); // size of the rest of the record
    buf.writeUInt16LE(VERSION_MADE_BY, 12);
    buf.writeUInt16LE(VERSION_ZIP64, 14);
    buf.writeUInt32LE(0, 16); // this disk
    buf.writeUInt32LE(0, 20); // disk holding the central directory
    buf.writeBigUInt64LE(BigInt(c.entryCount), 24);
    buf.writeBigUInt64LE(BigInt(c.entryCount), 32);
    buf.writeBigUInt64LE(BigInt(c.centralSize), 40);
    buf.writeBigUInt64LE(BigInt(c.centralOffset), 48);
    at = ZIP64_END_LENGTH;
    buf.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, at);
    buf.writeUInt32LE(0, at + 4); // disk holding the ZIP64 end record
    buf.writeBigUInt64LE(BigInt(zip64EndOffset), at + 8);
    buf.writeUInt32LE(1, at + 16); // total number of disks
    at += ZIP64_LOCATOR_LENGTH;
  }
  // Classic end record: values that overflowed hold their marker, the rest the real value.
  buf.writeUInt32LE(END_SIGNATURE, at);
  buf.writeUInt16LE(0, at + 4);
  buf.writeUInt16LE(0, at + 6);
  buf.writeUInt16LE(Math.min(c.entryCount, MAX_16), at + 8);
  buf.writeUInt16LE(Math.min(c.entryCount, MAX_16), at + 10);
  buf.writeUInt32LE(Math.min(c.centralSize, MAX_32), at + 12);
  buf.writeUInt32LE(Math.min(c.centralOffset, MAX_32), at + 16);
  buf.writeUInt16LE(0, at + 20); // comment length
  return buf;
}
