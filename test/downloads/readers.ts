// Independent ZIP readers the download tests check every archive with: Info-ZIP `unzip -t`,
// Python's zipfile (testzip, names, sizes, MD5 of each member), a sequential local-header
// walk in Python (what a streaming reader does), and yauzl. None shares code with ours.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

const run = promisify(execFile);
/** Debian's python3 directly when present (a version-manager shim costs a good part of a second per call). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const BIG = 512 * 1024 * 1024;

export interface MemberSummary {
  name: string;
  size: number;
  md5: string;
}

/** `unzip -t`: every member's CRC checked; resolves with unzip's output when it says all is well. */
export async function unzipTest(file: string): Promise<string> {
  const { stdout } = await run('unzip', ['-t', file], { maxBuffer: BIG });
  if (!/No errors detected/.test(stdout)) throw new Error(`unzip -t did not pass:\n${stdout.slice(-2000)}`);
  return stdout;
}

const PYTHON_ZIPFILE = `
import hashlib, json, sys, zipfile
hash_members = sys.argv[2] == 'md5'
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    members = []
    for info in z.infolist():
        h = hashlib.md5()
        if hash_members:
            with z.open(info) as f:
                for block in iter(lambda: f.read(1 << 20), b''):
                    h.update(block)
        members.append({'name': info.filename, 'size': info.file_size, 'md5': h.hexdigest() if hash_members else '',
                        'utf8': bool(info.flag_bits & 0x800), 'method': info.compress_type,
                        'date_time': list(info.date_time)})
print(json.dumps({'bad': bad, 'members': members}))
`;

export interface PythonSummary {
  bad: string | null;
  members: (MemberSummary & { utf8: boolean; method: number; date_time: number[] })[];
}

export interface ReadOptions {
  /** Hash every member (default true); off for multi-GiB archives, where testzip's CRC pass suffices. */
  md5?: boolean;
}

/** Python's zipfile: testzip() plus each member's name, size and MD5. */
export async function pythonZipfile(file: string, options: ReadOptions = {}): Promise<PythonSummary> {
  const { stdout } = await run(PYTHON, ['-c', PYTHON_ZIPFILE, file, options.md5 === false ? 'no-md5' : 'md5'], { maxBuffer: BIG });
  return JSON.parse(stdout) as PythonSummary;
}

// Reads the archive front to back the way a streaming unzipper does: local header, the
// data (its length from the local header, or its ZIP64 extra field), CRC check, next.
const PYTHON_STREAM_WALK = `
import json, struct, sys, zlib
names = []
with open(sys.argv[1], 'rb') as f:
    while True:
        sig = f.read(4)
        if sig != b'PK\\x03\\x04':
            break
        (ver, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen) = struct.unpack('<HHHHHIIIHH', f.read(26))
        name = f.read(nlen).decode('utf-8' if flags & 0x800 else 'cp437')
        extra = f.read(xlen)
        assert flags & 0x08 == 0, 'data descriptor used'
        if usize == 0xFFFFFFFF or csize == 0xFFFFFFFF:
            i = 0
            while i < len(extra):
                tag, ln = struct.unpack('<HH', extra[i:i+4])
                if tag == 1:
                    usize, csize = struct.unpack('<QQ', extra[i+4:i+20])
                i += 4 + ln
        assert method == 0 and usize == csize, name
        left, c = usize, 0
        while left:
            block = f.read(min(left, 1 << 20))
            assert block, 'truncated in ' + name
            c = zlib.crc32(block, c)
            left -= len(block)
        assert c == crc, 'CRC mismatch in %s' % name
        names.append(name)
    assert sig == b'PK\\x01\\x02' or (sig == b'PK\\x05\\x06' and not names) or sig == b'PK\\x06\\x06', 'no central directory after the entries'
print(json.dumps(names))
`;

/** A sequential walk over the local headers: names in order, each CRC checked. */
export async function streamingWalk(file: string): Promise<string[]> {
  const { stdout } = await run(PYTHON, ['-c', PYTHON_STREAM_WALK, file], { maxBuffer: BIG });
  return JSON.parse(stdout) as string[];
}

/**
 * yauzl's own file reader reads in 16 KiB steps, which makes a 4 GiB or 65,536-entry check
 * take minutes; this one hands yauzl 1 MiB chunks. The parsing and checks stay yauzl's.
 */
class LargeChunkReader extends yauzl.RandomAccessReader {
  private readonly fd: number;
  constructor(file: string) {
    super();
    this.fd = fs.openSync(file, 'r');
  }
  override _readStreamForRange(start: number, end: number) {
    const fd = this.fd;
    let position = start;
    return new Readable({
      read() {
        const n = Math.min(1 << 20, end - position);
        if (n <= 0) return void this.push(null);
        const buf = Buffer.allocUnsafe(n);
        fs.read(fd, buf, 0, n, position, (err, got) => {
          if (err) return this.destroy(err);
          if (got === 0) return this.destroy(new Error('unexpected end of file'));
          position += got;
          this.push(got === n ? buf : buf.subarray(0, got));
        });
      },
    });
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void) {
    fs.read(this.fd, buffer, offset, length, position, (err, n) => callback(err ?? (n === length ? null : new Error('short read'))));
  }
  override close(callback: (err: Error | null) => void) {
    fs.close(this.fd, callback);
  }
}

/** yauzl: every entry read through, sizes validated by yauzl, CRC and MD5 computed here. */
export function yauzlRead(file: string, options: ReadOptions = {}): Promise<MemberSummary[]> {
  const hashing = options.md5 !== false;
  const options_ = { lazyEntries: true, strictFileNames: true, validateEntrySizes: true, autoClose: true };
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(new LargeChunkReader(file), fs.statSync(file).size, options_, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('yauzl: no zip'));
      const members: MemberSummary[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(members));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('yauzl: no stream'));
          const md5 = createHash('md5');
          let crc = 0;
          stream.on('data', (c: Buffer) => {
            if (hashing) md5.update(c);
            crc = zlib.crc32(c, crc);
          });
          stream.on('error', reject);
          stream.on('end', () => {
            if (crc >>> 0 !== entry.crc32 >>> 0) return reject(new Error(`yauzl: CRC mismatch in ${entry.fileName}`));
            if ((entry.generalPurposeBitFlag & 0x800) === 0) return reject(new Error(`${entry.fileName}: UTF-8 flag not set`));
            members.push({ name: entry.fileName, size: entry.uncompressedSize, md5: hashing ? md5.digest('hex') : '' });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const PYTHON_DOWNLOAD = `
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as r, open(sys.argv[2], 'wb') as out:
    shutil.copyfileobj(r, out, 1 << 20)
    print(r.status, r.headers['Content-Length'])
`;

/**
 * Downloads a URL to a file in a separate process (Python's urllib), so a multi-GiB body is
 * received on another core than the server's. Python raises on a body shorter than announced.
 */
export async function downloadInChildProcess(url: string, file: string): Promise<{ status: number; contentLength: number }> {
  const { stdout } = await run(PYTHON, ['-c', PYTHON_DOWNLOAD, url, file], { maxBuffer: BIG });
  const [status, length] = stdout.trim().split(' ');
  return { status: Number(status), contentLength: Number(length) };
}

export interface AllReaders {
  names: string[];
  members: MemberSummary[];
}

/**
 * Checks an archive with every reader and that they agree; returns what they read.
 * Throws (with the reader's own message) when any of them rejects the archive.
 */
export async function readWithAll(file: string, options: ReadOptions = {}): Promise<AllReaders> {
  // All at once: they only read the file, and the slow ones (unzip, yauzl) then overlap.
  const [, py, walked, yz] = await Promise.all([unzipTest(file), pythonZipfile(file, options), streamingWalk(file), yauzlRead(file, options)]);
  if (py.bad !== null) throw new Error(`python testzip: bad member ${py.bad}`);
  for (const m of py.members) {
    if (!m.utf8) throw new Error(`python: ${m.name} has no UTF-8 flag`);
    if (m.method !== 0) throw new Error(`python: ${m.name} is not stored`);
  }
  const members = py.members.map(({ name, size, md5 }) => ({ name, size, md5 }));
  const names = members.map((m) => m.name);
  if (JSON.stringify(walked) !== JSON.stringify(names)) throw new Error('the streaming walk saw other entries than the central directory lists');
  if (JSON.stringify(yz) !== JSON.stringify(members)) throw new Error('yauzl and python read different members');
  return { names, members };
}
