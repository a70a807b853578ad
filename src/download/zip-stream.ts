// A streaming ZIP reader for series downloads: it takes the archive's bytes as they arrive
// and hands each entry's content to a sink, checking every entry's CRC-32 on the way, so a
// series is extracted and verified in one pass without the ZIP ever touching the disk.
// It can start at any entry boundary (a resumed download asks `Range: bytes=<offset>-`).
//
// Entries that state their sizes in the local header (APPNOTE 4.3.7), as our server writes
// them, are streamed: each network chunk goes to the sink as it comes. ZIP64 sizes are read
// from the extra field. Stored and deflated entries are read.
//
// Entries whose sizes come only in a trailing data descriptor (general-purpose bit 3, as a
// writer produces when its output cannot seek: Python's zipfile on a pipe, `zip -`, Java's
// ZipOutputStream) are held until their end is found, then handed over whole. The end is a
// descriptor signature (0x08074b50) followed by a compressed size equal to the bytes read
// since the header, whose CRC-32 and size then match the content — checked for stored and
// deflated entries alike, so a signature that happens to occur inside the data is passed
// over. A descriptor written without its (optional) signature cannot be told from data in
// a stored entry while streaming; such an archive is refused with a clear error once its
// central directory shows the entry was never delimited.
//
// The central directory ends the entries; its bytes are counted, not parsed.
import zlib from 'node:zlib';
import { crc32 } from '../zip/crc32.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const DESCRIPTOR = 0x08074b50;
const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const LOCAL_FIXED = 30;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_ENCRYPTED = 0x0001;
const MAX32 = 0xffffffff;
/** An entry held while its data descriptor is looked for may not grow past this. */
const MAX_HELD_ENTRY = 1024 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  /** Uncompressed size. */
  size: number;
  crc32: number;
  method: number;
}

/**
 * Where entries go. A method may return a promise, which the reader awaits before going on;
 * returning nothing keeps the reader going without a turn of the event loop per chunk.
 */
export interface EntrySink {
  begin(entry: ZipEntry): void | Promise<void>;
  /** Uncompressed content, in order. The reader never writes to a chunk it has handed over, so the sink may keep it. */
  data(chunk: Uint8Array): void | Promise<void>;
  /** The entry is whole and its CRC-32 matched; `end` is the archive offset just past it. */
  end(entry: ZipEntry, end: number): void | Promise<void>;
}

export class ZipFormatError extends Error {}

/** An entry whose sizes are in the local header. */
interface Sized {
  kind: 'data';
  entry: ZipEntry;
  left: number;
  crc: number;
  /** Compressed parts of a deflated entry, inflated at its end. */
  compressed: Uint8Array[] | null;
}

/** An entry whose sizes come in a data descriptor after its data. */
interface Described {
  kind: 'described';
  entry: ZipEntry;
  /** Entry bytes so far (compressed or stored), then possibly the descriptor. */
  held: Buffer;
  length: number;
  /** Positions before this one hold no descriptor. */
  scanned: number;
  /** 24 bytes with ZIP64 sizes (the local header had a ZIP64 extra field), else 16. */
  descriptorLength: number;
}

type State = { kind: 'header' } | Sized | Described | { kind: 'central' };

export class ZipStreamReader {
  private state: State = { kind: 'header' };
  private pending: Uint8Array = new Uint8Array(0);
  /** Archive offset of the next byte to be pushed. */
  private offset: number;
  private entries = 0;

  constructor(
    private readonly sink: EntrySink,
    /** Where in the archive the first pushed byte lies (an entry boundary). */
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  /** Whether the central directory was reached: every entry has been read. */
  get complete(): boolean {
    return this.state.kind === 'central';
  }

  /** Entries read since this reader started. */
  get entryCount(): number {
    return this.entries;
  }

  /**
   * Call when the archive's bytes have ended. Throws a ZipFormatError when they cannot be
   * read further however many more came (an entry whose descriptor was never found although
   * the central directory followed it); otherwise `complete` says whether they were all.
   */
  finish(): void {
    const s = this.state;
    // The end-of-central-directory record closes the archive (at most a 64 KiB comment after
    // it): the bytes were all there, and the entry still had no end.
    if (s.kind !== 'described') return;
    const endRecord = s.held.subarray(0, s.length).lastIndexOf(END_SIGNATURE);
    if (endRecord >= 0 && endRecord >= s.length - 22 - 0xffff) {
      throw new ZipFormatError(
        `${s.entry.name}: the data descriptor that ends it was not found: the entry is damaged, or its descriptor lacks the signature ` +
          `0x08074b50 (optional in the format, but without it a stored entry cannot be told from its data while streaming)`,
      );
    }
  }

  async push(chunk: Uint8Array): Promise<void> {
    let buf = this.pending.length > 0 ? concat(this.pending, chunk) : chunk;
    this.pending = new Uint8Array(0);
    while (buf.length > 0) {
      const s = this.state;
      if (s.kind === 'central') {
        this.offset += buf.length;
        return;
      }
      if (s.kind === 'header') {
        if (buf.length < 4) break;
        const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        const sig = view.getUint32(0, true);
        if (sig === CENTRAL_HEADER || sig === END_OF_CENTRAL || sig === ZIP64_END) {
          this.state = { kind: 'central' };
          continue;
        }
        if (sig !== LOCAL_HEADER) throw new ZipFormatError(`not a ZIP entry at offset ${this.offset} (signature 0x${sig.toString(16)})`);
        if (buf.length < LOCAL_FIXED) break;
        const nameLength = view.getUint16(26, true);
        const extraLength = view.getUint16(28, true);
        const headerLength = LOCAL_FIXED + nameLength + extraLength;
        if (buf.length < headerLength) break;
        const header = readHeader(view, buf.subarray(30, 30 + nameLength), buf.subarray(30 + nameLength, headerLength));
        buf = buf.subarray(headerLength);
        this.offset += headerLength;
        if (header.described) {
          this.state = { kind: 'described', entry: header.entry, held: Buffer.allocUnsafe(64 * 1024), length: 0, scanned: 0, descriptorLength: header.zip64 ? 24 : 16 };
          continue;
        }
        const begun = this.sink.begin(header.entry);
        if (begun) await begun;
        this.state = { kind: 'data', entry: header.entry, left: header.compressedSize, crc: 0, compressed: header.entry.method === 8 ? [] : null };
        if (header.compressedSize === 0) await this.finishSized();
        continue;
      }
      if (s.kind === 'described') {
        buf = await this.pushDescribed(s, buf);
        continue;
      }
      // Entry data, sizes known.
      const take = Math.min(s.left, buf.length);
      const part = buf.subarray(0, take);
      buf = buf.subarray(take);
      this.offset += take;
      s.left -= take;
      if (s.compressed) {
        s.compressed.push(part.slice());
      } else {
        s.crc = crc32(part, s.crc);
        const given = this.sink.data(part);
        if (given) await given;
      }
      if (s.left === 0) await this.finishSized();
    }
    if (buf.length > 0) this.pending = buf.slice();
  }

  private async finishSized(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'data') return;
    let crc = s.crc;
    if (s.compressed) {
      const data = zlib.inflateRawSync(concat(...s.compressed));
      if (data.length !== s.entry.size) throw new ZipFormatError(`${s.entry.name}: ${data.length} bytes inflated, ${s.entry.size} announced`);
      crc = crc32(data);
      const given = this.sink.data(data);
      if (given) await given;
    }
    if (crc >>> 0 !== s.entry.crc32 >>> 0) throw new ZipFormatError(`${s.entry.name}: CRC-32 mismatch (the download is damaged)`);
    this.state = { kind: 'header' };
    this.entries++;
    const ended = this.sink.end(s.entry, this.offset);
    if (ended) await ended;
  }

  /**
   * Holds the bytes of an entry with a data descriptor and looks for the descriptor in them;
   * returns what follows the entry once it is found and handed over (or nothing, held).
   */
  private async pushDescribed(s: Described, buf: Uint8Array): Promise<Uint8Array> {
    if (s.length + buf.length > MAX_HELD_ENTRY) {
      throw new ZipFormatError(`${s.entry.name}: no data descriptor within ${MAX_HELD_ENTRY} bytes; entries with sizes only after their data are read up to that size`);
    }
    if (s.held.length < s.length + buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(s.held.length * 2, s.length + buf.length));
      s.held.copy(grown, 0, 0, s.length);
      s.held = grown;
    }
    s.held.set(buf, s.length);
    s.length += buf.length;
    const held = s.held;
    for (;;) {
      const at = held.indexOf(DESCRIPTOR_SIGNATURE, s.scanned);
      // A candidate needs its whole descriptor in hand; until then it is looked at again.
      if (at < 0 || at + s.descriptorLength > s.length) {
        s.scanned = at >= 0 && at < s.length ? at : Math.max(s.scanned, s.length - 3);
        // Everything pushed is held: the offset counts it when the entry is handed over.
        return new Uint8Array(0);
      }
      s.scanned = at + 1;
      const content = this.describedContent(s, at);
      if (!content) continue;
      // Found: the entry is `at` bytes of data and the descriptor; the rest follows it.
      const afterEntry = at + s.descriptorLength;
      const rest = Uint8Array.from(held.subarray(afterEntry, s.length));
      const entry = s.entry;
      this.state = { kind: 'header' };
      this.offset += afterEntry;
      const begun = this.sink.begin(entry);
      if (begun) await begun;
      if (content.length > 0) {
        const given = this.sink.data(content);
        if (given) await given;
      }
      this.entries++;
      const ended = this.sink.end(entry, this.offset);
      if (ended) await ended;
      return rest;
    }
  }

  /**
   * The entry's content if a descriptor at `at` closes it: its compressed size is `at`, and
   * the content (inflated for a deflated entry) has its CRC-32 and size. Fills in the entry.
   */
  private describedContent(s: Described, at: number): Uint8Array | undefined {
    const d = s.held;
    if (d.readUInt32LE(at) !== DESCRIPTOR) return undefined;
    const crc = d.readUInt32LE(at + 4);
    const zip64 = s.descriptorLength === 24;
    const compressedSize = zip64 ? Number(d.readBigUInt64LE(at + 8)) : d.readUInt32LE(at + 8);
    const size = zip64 ? Number(d.readBigUInt64LE(at + 16)) : d.readUInt32LE(at + 12);
    if (compressedSize !== at) return undefined;
    const raw = d.subarray(0, at);
    let content: Uint8Array;
    if (s.entry.method === 8) {
      try {
        content = zlib.inflateRawSync(raw);
      } catch {
        return undefined; // not the end of the deflate stream
      }
    } else {
      if (size !== at) return undefined;
      content = raw;
    }
    if (content.length !== size || crc32(content) !== crc) return undefined;
    s.entry.crc32 = crc;
    s.entry.size = size;
    return content;
  }
}

function readHeader(view: DataView, nameBytes: Uint8Array, extra: Uint8Array): { entry: ZipEntry; compressedSize: number; described: boolean; zip64: boolean } {
  const flags = view.getUint16(6, true);
  const method = view.getUint16(8, true);
  const crc32 = view.getUint32(14, true);
  let compressedSize = view.getUint32(18, true);
  let size = view.getUint32(22, true);
  const name = new TextDecoder().decode(nameBytes);
  if (flags & FLAG_ENCRYPTED) throw new ZipFormatError(`${name}: encrypted entries are not supported`);
  if (method !== 0 && method !== 8) throw new ZipFormatError(`${name}: compression method ${method} is not supported (stored or deflated only)`);
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..' || p === '.')) {
    throw new ZipFormatError(`unsafe entry name ${JSON.stringify(name)}`);
  }
  let zip64 = false;
  const ev = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = ev.getUint16(i, true);
    const len = ev.getUint16(i + 2, true);
    if (id === 0x0001) {
      zip64 = true;
      let p = i + 4;
      if (size === MAX32 && p + 8 <= i + 4 + len) {
        size = Number(ev.getBigUint64(p, true));
        p += 8;
      }
      if (compressedSize === MAX32 && p + 8 <= i + 4 + len) compressedSize = Number(ev.getBigUint64(p, true));
    }
    i += 4 + len;
  }
  // With bit 3 the header's CRC and sizes are zero (APPNOTE 4.4.4) or, from some writers,
  // copies of the descriptor's; either way the descriptor is what delimits the entry.
  const described = (flags & FLAG_DESCRIPTOR) !== 0;
  return { entry: { name, size, crc32, method }, compressedSize, described, zip64 };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
