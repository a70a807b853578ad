// A streaming ZIP reader for series downloads: it takes the archive's bytes as they arrive
// and hands each entry's content to a sink, checking every entry's CRC-32 on the way, so a
// series is extracted and verified in one pass without the ZIP ever touching the disk.
// It can start at any entry boundary (a resumed download asks `Range: bytes=<offset>-`).
//
// Entries must state their sizes in the local header (APPNOTE 4.3.7), as NBIA servers write
// them: ours stores entries with sizes and CRC up front; ZIP64 sizes are read from the
// extra field. Stored and deflated entries are read. An entry whose sizes come only in a
// trailing data descriptor (bit 3) cannot be delimited while streaming and is refused with a
// clear error. The central directory ends the entries; its bytes are counted, not parsed.
import zlib from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const LOCAL_FIXED = 30;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_ENCRYPTED = 0x0001;
const MAX32 = 0xffffffff;

export interface ZipEntry {
  name: string;
  /** Uncompressed size. */
  size: number;
  crc32: number;
  method: number;
}

export interface EntrySink {
  begin(entry: ZipEntry): Promise<void>;
  /** Uncompressed content, in order. The chunk may be reused after the promise settles. */
  data(chunk: Uint8Array): Promise<void>;
  /** The entry is whole and its CRC-32 matched; `end` is the archive offset just past it. */
  end(entry: ZipEntry, end: number): Promise<void>;
}

export class ZipFormatError extends Error {}

type State = { kind: 'header' } | { kind: 'data'; entry: ZipEntry; left: number; crc: number; compressed: Uint8Array[] | null } | { kind: 'central' };

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
        const entry = this.readHeader(view, buf.subarray(30, 30 + nameLength), buf.subarray(30 + nameLength, headerLength));
        buf = buf.subarray(headerLength);
        this.offset += headerLength;
        await this.sink.begin(entry.entry);
        this.state = { kind: 'data', entry: entry.entry, left: entry.compressedSize, crc: 0, compressed: entry.entry.method === 8 ? [] : null };
        if (entry.compressedSize === 0) await this.finishEntry();
        continue;
      }
      // Entry data.
      const take = Math.min(s.left, buf.length);
      const part = buf.subarray(0, take);
      buf = buf.subarray(take);
      this.offset += take;
      s.left -= take;
      if (s.compressed) {
        s.compressed.push(part.slice());
      } else {
        s.crc = zlib.crc32(part, s.crc);
        await this.sink.data(part);
      }
      if (s.left === 0) await this.finishEntry();
    }
    if (buf.length > 0) this.pending = buf.slice();
  }

  private readHeader(view: DataView, nameBytes: Uint8Array, extra: Uint8Array): { entry: ZipEntry; compressedSize: number } {
    const flags = view.getUint16(6, true);
    const method = view.getUint16(8, true);
    const crc32 = view.getUint32(14, true);
    let compressedSize = view.getUint32(18, true);
    let size = view.getUint32(22, true);
    const name = new TextDecoder().decode(nameBytes);
    if (flags & FLAG_ENCRYPTED) throw new ZipFormatError(`${name}: encrypted entries are not supported`);
    if (method !== 0 && method !== 8) throw new ZipFormatError(`${name}: compression method ${method} is not supported (stored or deflated only)`);
    if (size === MAX32 || compressedSize === MAX32) {
      const ev = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
      for (let i = 0; i + 4 <= extra.length; ) {
        const id = ev.getUint16(i, true);
        const len = ev.getUint16(i + 2, true);
        if (id === 0x0001) {
          let p = i + 4;
          if (size === MAX32) {
            size = Number(ev.getBigUint64(p, true));
            p += 8;
          }
          if (compressedSize === MAX32) compressedSize = Number(ev.getBigUint64(p, true));
        }
        i += 4 + len;
      }
    }
    if (flags & FLAG_DESCRIPTOR && compressedSize === 0 && size === 0 && crc32 === 0) {
      throw new ZipFormatError(`${name}: sizes only in a trailing data descriptor; this archive cannot be read while streaming`);
    }
    if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..' || p === '.')) {
      throw new ZipFormatError(`unsafe entry name ${JSON.stringify(name)}`);
    }
    return { entry: { name, size, crc32, method }, compressedSize };
  }

  private async finishEntry(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'data') return;
    let crc = s.crc;
    if (s.compressed) {
      const data = zlib.inflateRawSync(concat(...s.compressed));
      if (data.length !== s.entry.size) throw new ZipFormatError(`${s.entry.name}: ${data.length} bytes inflated, ${s.entry.size} announced`);
      crc = zlib.crc32(data);
      await this.sink.data(data);
    }
    if (crc >>> 0 !== s.entry.crc32 >>> 0) throw new ZipFormatError(`${s.entry.name}: CRC-32 mismatch (the download is damaged)`);
    this.state = { kind: 'header' };
    this.entries++;
    await this.sink.end(s.entry, this.offset);
  }
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
