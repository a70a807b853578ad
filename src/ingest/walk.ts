// Finds the files to ingest under the given paths: every regular file, depth first in name
// order (so a run is repeatable), following symbolic links once (a linked folder seen twice
// is walked once), and never descending into the archive's own data folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface FoundFile {
  path: string;
  size: number;
}

export async function findFiles(paths: readonly string[], options: { exclude?: readonly string[] } = {}): Promise<FoundFile[]> {
  if (paths.length === 0) throw new UserError('give at least one file or folder to ingest');
  const excluded = new Set<string>();
  for (const p of options.exclude ?? []) {
    try {
      excluded.add(await fs.realpath(p));
    } catch {
      // An excluded folder that does not exist yet cannot be walked into either.
    }
  }
  const roots: { path: string; real: string; isDir: boolean }[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    let st;
    try {
      st = await fs.stat(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? `no such file or folder: ${p}` : `cannot read ${p}: ${(err as Error).message}`);
    }
    if (!st.isDirectory() && !st.isFile()) throw new UserError(`not a file or folder: ${p}`);
    roots.push({ path: abs, real: await fs.realpath(abs), isDir: st.isDirectory() });
  }

  const found: FoundFile[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const addFile = (file: string, real: string, size: number) => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    found.push({ path: file, size });
  };
  const walk = async (dir: string, real: string): Promise<void> => {
    if (seenDirs.has(real) || excluded.has(real)) return;
    seenDirs.add(real);
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new UserError(`cannot list ${dir}: ${(err as Error).message}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Sizes of the plain files of one folder at once: stat calls overlap in the thread pool.
    const sizes = await Promise.all(
      entries.map((e) => (e.isFile() ? fs.stat(path.join(dir, e.name)).then((st) => st.size, () => null) : null)),
    );
    for (const [i, entry] of entries.entries()) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full, path.join(real, entry.name));
      } else if (entry.isFile()) {
        const size = sizes[i];
        if (size !== null && size !== undefined) addFile(full, path.join(real, entry.name), size);
      } else if (entry.isSymbolicLink()) {
        const st = await fs.stat(full).catch(() => null); // a dangling link is not a file
        if (!st) continue;
        const target = await fs.realpath(full);
        if (st.isDirectory()) await walk(full, target);
        else if (st.isFile()) addFile(full, target, st.size);
      }
    }
  };
  for (const root of roots) {
    if (root.isDir) await walk(root.path, root.real);
    else {
      const st = await fs.stat(root.path);
      addFile(root.path, root.real, st.size);
    }
  }
  return found;
}
