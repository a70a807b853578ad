// The default blob store: files under <data>/files/<key>. Files ingested with --in-place
// are read from their original absolute path instead.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStat, BlobStore } from '../blob-store.js';

export class FsBlobStore implements BlobStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'files');
  }

  pathOf(key: string, inPlace: boolean): string {
    if (inPlace) return key;
    const resolved = path.resolve(this.root, key);
    // Keys come from our own index, but never let one climb out of the store.
    if (!resolved.startsWith(this.root + path.sep)) throw new Error(`blob key escapes the store: ${key}`);
    return resolved;
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    const target = this.pathOf(key, false);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    // FICLONE: a reflink on filesystems that have them (XFS, btrfs), a plain copy elsewhere.
    await fsp.copyFile(sourcePath, partial, fs.constants.COPYFILE_FICLONE);
    await fsp.rename(partial, target);
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
}
