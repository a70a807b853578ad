// The default blob store: files under <data>/files/<key>. Files ingested with --in-place
// are read from their original absolute path instead.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobReader, BlobStaging, BlobStat, BlobStore, WholeBlob } from '../blob-store.js';
import { FileReadError, sharedFileReadThread } from './read-thread.js';

/**
 * Copies in progress live in one folder of the store (same filesystem, so the final rename
 * is atomic), named `<pid>.<n>.partial`: a process killed mid-copy leaves its partial here,
 * where one readdir finds it, instead of somewhere among millions of stored files.
 */
export const PARTIALS_DIR = '.partial';
const PARTIAL_NAME = /^(\d+)\.\d+\.partial$/;

let partialSeq = 0;

export class FsBlobStore implements BlobStore {
  readonly root: string;
  /** Whether descriptors of stored files are closed synchronously (see closesWithoutIo). */
  private closeInline: Promise<boolean> | undefined;
  /**
   * Folders this store made (or found) already: an ingest puts hundreds of files into one
   * series folder, and asking for the folder again each time was two system calls a file.
   */
  private readonly madeDirs = new Set<string>();
  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'files');
  }

  pathOf(key: string, inPlace: boolean): string {
    if (inPlace) return key;
    const resolved = path.resolve(this.root, key);
    // Keys come from our own index, but never let one climb out of the store.
    if (!resolved.startsWith(this.root + path.sep)) throw new Error(`blob key escapes the store: ${key}`);
    if (resolved.startsWith(path.join(this.root, PARTIALS_DIR) + path.sep)) throw new Error(`blob key names the partial-copy folder: ${key}`);
    return resolved;
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    await this.ensureDir(this.partialsDir());
    const partial = this.newPartialPath();
    try {
      // FICLONE: a reflink on filesystems that have them (XFS, btrfs), a plain copy elsewhere.
      await fsp.copyFile(sourcePath, partial, fs.constants.COPYFILE_FICLONE);
    } catch (err) {
      await fsp.rm(partial, { force: true });
      throw err;
    }
    await this.moveIntoPlace(partial, key);
  }

  async openStaging(): Promise<BlobStaging> {
    await this.ensureDir(this.partialsDir());
    const open = new Set<string>();
    return {
      newPath: () => {
        const staged = this.newPartialPath();
        open.add(staged);
        return staged;
      },
      adopt: async (key, staged) => {
        if (!open.delete(staged)) throw new Error(`not a staged copy of this store: ${staged}`);
        await this.moveIntoPlace(staged, key);
      },
      discard: async (staged) => {
        if (open.delete(staged)) await fsp.rm(staged, { force: true });
      },
      close: async () => {
        const left = [...open];
        open.clear();
        await Promise.all(left.map((staged) => fsp.rm(staged, { force: true })));
      },
    };
  }

  private partialsDir(): string {
    return path.join(this.root, PARTIALS_DIR);
  }

  private newPartialPath(): string {
    return path.join(this.partialsDir(), `${process.pid}.${++partialSeq}.partial`);
  }

  /** Renames a complete partial copy to its key; deletes it when that fails. */
  private async moveIntoPlace(partial: string, key: string): Promise<void> {
    try {
      const target = this.pathOf(key, false);
      await this.ensureDir(path.dirname(target));
      await fsp.rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // The series folder went away since it was made (removed by hand): make it again.
        this.madeDirs.delete(path.dirname(target));
        await this.ensureDir(path.dirname(target));
        await fsp.rename(partial, target);
      });
    } catch (err) {
      await fsp.rm(partial, { force: true });
      throw err;
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /**
   * Deletes the partial copies that processes killed mid-copy left behind; for the ingest
   * to call when it starts. A partial is stale when the process that wrote it is gone, or
   * is this process but the file predates its start (a restarted container reuses pids).
   * Partials of other live processes (another ingest running now) are left alone.
   * Resolves with how many were removed.
   */
  async removeStalePartials(): Promise<number> {
    const dir = path.join(this.root, PARTIALS_DIR);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      const m = PARTIAL_NAME.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      if (!(await isStale(file, Number(m[1])))) continue;
      try {
        await fsp.unlink(file);
        removed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // gone already: fine
      }
    }
    return removed;
  }

  async stat(key: string, inPlace: boolean): Promise<BlobStat | null> {
    try {
      const st = await fsp.stat(this.pathOf(key, inPlace));
      return st.isFile() ? { size: st.size } : null;
    } catch {
      return null;
    }
  }

  openRead(key: string, inPlace: boolean, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(key, inPlace), range ? { start: range.start, end: range.end } : {});
  }

  async openForRead(key: string, inPlace: boolean): Promise<BlobReader | null> {
    const file = this.pathOf(key, inPlace);
    let fd: number;
    try {
      fd = await openFd(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // No fstat: reading shows the size (and a folder fails its first read with EISDIR).
    return new FdReader(fd, inPlace ? false : await this.closesInline());
  }

  /**
   * Stored files on a local filesystem are read whole on the reading thread (see
   * read-thread.ts); files read in place, and stores on network filesystems, are not: a
   * read that hangs there would hold up every download behind it on the one thread.
   */
  async readWhole(key: string, inPlace: boolean, into: Buffer): Promise<WholeBlob | null | undefined> {
    const thread = sharedFileReadThread();
    if (inPlace || !thread.available || !(into.buffer instanceof SharedArrayBuffer) || !(await this.closesInline())) return undefined;
    try {
      return await thread.read(this.pathOf(key, false), into);
    } catch (err) {
      if (err instanceof FileReadError && err.code === 'ENOENT') return null;
      throw err;
    }
  }

  private closesInline(): Promise<boolean> {
    this.closeInline ??= closesWithoutIo(this.root);
    return this.closeInline;
  }
}

/** When this process started, in epoch milliseconds. */
const processStart = Date.now() - process.uptime() * 1000;

async function isStale(file: string, pid: number): Promise<boolean> {
  if (pid === process.pid) {
    try {
      return (await fsp.stat(file)).mtimeMs < processStart;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it may be writing.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const noop = () => {};

/**
 * Filesystems on which closing a descriptor opened for reading does no I/O (statfs magic
 * numbers: ext2-4, XFS, btrfs, tmpfs, ZFS, F2FS, overlayfs). There a download closes its
 * files synchronously: an asynchronous close costs a thread-pool round trip per file, which
 * on a small machine cost a fifth of the throughput of a series of 512 KiB files (measured,
 * 2 cores). Elsewhere (NFS, SMB, FUSE: a close may wait for a server) closes stay off the
 * main thread, as do closes of files read in place, wherever they live.
 */
const LOCAL_FILESYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010, 0x794c7630]);

async function closesWithoutIo(dir: string): Promise<boolean> {
  try {
    return LOCAL_FILESYSTEMS.has((await fsp.statfs(dir)).type);
  } catch {
    return false;
  }
}

// The callback fs API: for many small files its per-call cost is about half that of
// FileHandle promises (measured: 65,536 open/read/close cycles, 1.9 s against 2.9-5.3 s).
const openFd = (file: string) => new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));

class FdReader implements BlobReader {
  private closed = false;
  /** Reads in flight: the descriptor is closed after them, so its number cannot be reused under them. */
  private reading = 0;
  constructor(
    private readonly fd: number,
    private readonly closeInline: boolean,
  ) {}

  read(buffer: Buffer, position: number): Promise<number> {
    if (this.closed) return Promise.reject(new Error('read of a closed blob reader'));
    this.reading++;
    return new Promise((resolve, reject) =>
      fs.read(this.fd, buffer, 0, buffer.length, position, (err, n) => {
        if (--this.reading === 0 && this.closed) this.release();
        if (err) reject(err);
        else resolve(n);
      }),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reading === 0) this.release();
  }

  private release(): void {
    if (!this.closeInline) {
      fs.close(this.fd, noop); // nobody waits for it: the next file is already being read
      return;
    }
    try {
      fs.closeSync(this.fd);
    } catch {
      // EIO and the like on close of a read-only descriptor: nothing was written, nothing lost
    }
  }
}
