// Lays out a store-only ZIP from an entry list whose sizes and CRCs are already known:
// every offset, the total length and a strong validator are computed before a byte is
// read, so a response can announce its exact Content-Length, start at once, and serve
// any byte range of the archive.
import { createHash } from 'node:crypto';
import type { DosStamp } from './dos-time.js';
import type { Body, BodySegment, ItemContent } from './body.js';
import {
  centralHeader,
  centralHeaderLength,
  endRecords,
  endRecordsLength,
  localHeader,
  localHeaderLength,
  needsZip64End,
  type EntryHeaderFields,
} from './records.js';

export interface ZipEntryInput<S> {
  /** The entry's path in the archive (UTF-8). */
  name: string;
  size: number;
  /** Unsigned CRC-32 of the entry's bytes. */
  crc32: number;
  modified: DosStamp;
  content: ItemContent<S>;
}

export interface PlannedEntry<S> extends ZipEntryInput<S>, EntryHeaderFields {
  readonly index: number;
  readonly headerLength: number;
  /** Offset of the entry's first data byte in the archive. */
  readonly dataOffset: number;
}

export interface ZipPlan<S> extends Body<S> {
  readonly entries: readonly PlannedEntry<S>[];
  readonly centralOffset: number;
  readonly centralSize: number;
  readonly zip64End: boolean;
  /** A strong ETag: the same archive bytes always give the same tag, any change another. */
  readonly etag: string;
}

/** Bumped whenever the bytes we write for the same entries change, so old tags stop matching. */
const LAYOUT_VERSION = 'z1';

export function planZip<S>(inputs: readonly ZipEntryInput<S>[]): ZipPlan<S> {
  const hash = createHash('sha256');
  const entries: PlannedEntry<S>[] = [];
  let offset = 0;
  let centralSize = 0;
  for (const [index, input] of inputs.entries()) {
    checkEntry(input);
    const nameLength = Buffer.byteLength(input.name, 'utf8');
    if (nameLength > 0xffff) throw new Error(`ZIP entry name too long: ${input.name.slice(0, 80)}...`);
    const headerLength = localHeaderLength(nameLength, input.size);
    entries.push({
      name: input.name,
      size: input.size,
      crc32: input.crc32 >>> 0,
      modified: input.modified,
      content: input.content,
      index,
      nameLength,
      localOffset: offset,
      headerLength,
      dataOffset: offset + headerLength,
    });
    centralSize += centralHeaderLength(nameLength, input.size, offset);
    offset += headerLength + input.size;
    hash.update(`${input.name}\0${input.size}\0${input.crc32 >>> 0}\0${input.modified.date}\0${input.modified.time}\n`);
  }
  const centralOffset = offset;
  const directory = { entryCount: entries.length, centralOffset, centralSize };
  const totalSize = centralOffset + centralSize + endRecordsLength(directory);
  if (!Number.isSafeInteger(totalSize)) throw new Error('ZIP archive too large');
  const etag = `"${LAYOUT_VERSION}-${hash.digest('base64url').slice(0, 32)}"`;

  return {
    entries,
    centralOffset,
    centralSize,
    zip64End: needsZip64End(directory),
    totalSize,
    etag,
    *segments(): Generator<BodySegment<S>> {
      for (const entry of entries) {
        yield { kind: 'item', start: entry.localOffset, headerLength: entry.headerLength, makeHeader: () => localHeader(entry), item: entry };
      }
      let at = centralOffset;
      for (const entry of entries) {
        const length = centralHeaderLength(entry.nameLength, entry.size, entry.localOffset);
        yield { kind: 'bytes', start: at, length, make: () => centralHeader(entry) };
        at += length;
      }
      yield { kind: 'bytes', start: at, length: totalSize - at, make: () => endRecords(directory) };
    },
  };
}

function checkEntry<S>(e: ZipEntryInput<S>): void {
  if (!Number.isSafeInteger(e.size) || e.size < 0) throw new Error(`bad ZIP entry size for ${e.name}: ${e.size}`);
  if (!Number.isInteger(e.crc32) || e.crc32 < -0x80000000 || e.crc32 > 0xffffffff) throw new Error(`bad CRC-32 for ${e.name}: ${e.crc32}`);
  if ('inline' in e.content && e.content.inline.length !== e.size) {
    throw new Error(`ZIP entry ${e.name}: ${e.content.inline.length} inline bytes but size ${e.size}`);
  }
}
