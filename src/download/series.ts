// One series: download its ZIP, extract and verify it in one pass, resume it after a break.
//
// Files are extracted into a staging folder under <out>/.nbia-download/ while the bytes
// arrive. A journal beside it records how far the archive has been read through *whole*
// entries (offset, names, sizes, MD5s) and the ZIP's validator (ETag). A later attempt — in
// this run after a retry, or in a new run after the command or the server was killed — asks
// for the rest with `Range: bytes=<offset>-` and `If-Range: <validator>`; a server that
// answers 200 instead (no ranges, or the series changed) restarts the series from scratch.
// Entries past the journal's offset are simply written again. When the ZIP is complete and
// verified (every CRC-32, every MD5 of md5hashes.csv, the file count against ImageCount and
// the byte sum against FileSize) the staging folder is renamed into place and a `.done`
// record written, so a re-run skips the series.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { parseCsv, type NbiaClient, type SeriesMetadataRow } from '../client/index.js';
import { ZipStreamReader, ZipFormatError, type ZipEntry } from './zip-stream.js';
import { nativePath, type Layout } from './layout.js';
import { nodeBody } from './http-fetch.js';

export const STATE_DIR = '.nbia-download';
const MD5_LIST = 'md5hashes.csv';
const JOURNAL_EVERY_MS = 200;

export interface SeriesTask {
  uid: string;
  row: SeriesMetadataRow;
  /** Its folder, relative to the output folder. */
  folder: string;
}

export interface DoneRecord {
  folder: string;
  files: number;
  dicomFiles: number;
  bytes: number;
  downloadedAt: string;
}

interface JournalEntry {
  name: string;
  size: number;
  md5: string;
}

interface Journal {
  validator: string | null;
  offset: number;
  entries: JournalEntry[];
}

/** The series arrived but is not what the server promised: restart it, do not resume. */
export class VerificationError extends Error {}

export interface SeriesContext {
  client: NbiaClient;
  out: string;
  layout: Layout;
  /** Bytes received (for progress), negative when a restart throws received bytes away. */
  onBytes(n: number): void;
  signal?: AbortSignal;
}

const stateDir = (out: string) => path.join(out, STATE_DIR);
const journalPath = (out: string, uid: string) => path.join(stateDir(out), `${uid}.journal.json`);
const stagingPath = (out: string, uid: string) => path.join(stateDir(out), `${uid}.partial`);
const donePath = (out: string, uid: string) => path.join(stateDir(out), `${uid}.done.json`);

/** The record of a series finished by an earlier run, if its folder is still there. */
export async function completedSeries(out: string, task: SeriesTask): Promise<DoneRecord | undefined> {
  try {
    const record = JSON.parse(await fsp.readFile(donePath(out, task.uid), 'utf8')) as DoneRecord;
    if (record.folder !== task.folder) return undefined;
    const names = await fsp.readdir(nativePath(out, record.folder));
    return names.length === record.files ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes of the series' ZIP already read in earlier attempts (for progress). */
export async function resumableBytes(out: string, uid: string): Promise<number> {
  const j = await readJournal(out, uid);
  return j?.offset ?? 0;
}

async function readJournal(out: string, uid: string): Promise<Journal | undefined> {
  try {
    return JSON.parse(await fsp.readFile(journalPath(out, uid), 'utf8')) as Journal;
  } catch {
    return undefined;
  }
}

async function writeJournal(out: string, uid: string, journal: Journal): Promise<void> {
  const file = journalPath(out, uid);
  await fsp.writeFile(`${file}.tmp`, JSON.stringify(journal));
  await fsp.rename(`${file}.tmp`, file);
}

/** Forgets a series' partial state, so that the next attempt starts from its first byte. */
export async function discardPartial(out: string, uid: string): Promise<void> {
  await fsp.rm(journalPath(out, uid), { force: true });
  await fsp.rm(stagingPath(out, uid), { recursive: true, force: true });
}

/** Downloads (or resumes) one series; throws when it did not arrive whole. */
export async function downloadSeries(ctx: SeriesContext, task: SeriesTask): Promise<DoneRecord> {
  const { out, uid } = { out: ctx.out, uid: task.uid };
  await fsp.mkdir(stateDir(out), { recursive: true });
  const staging = stagingPath(out, uid);
  let journal = (await readJournal(out, uid)) ?? { validator: null, offset: 0, entries: [] };
  if (journal.offset > 0 && !journal.validator) journal = { validator: null, offset: 0, entries: [] };
  if (journal.offset === 0) await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true });

  const res = await ctx.client.v4.getImage(
    { SeriesInstanceUID: uid, IncludeMD5: 'Yes', ...(ctx.layout === 'descriptive' ? { NewFileNames: 'Yes' as const } : {}) },
    { offset: journal.offset, ifRange: journal.validator ?? undefined, signal: ctx.signal },
  );
  if (journal.offset > 0 && !(res.status === 206 && contentRangeStart(res.headers.get('content-range')) === journal.offset)) {
    // The server sent the whole archive again: start over.
    journal = { validator: null, offset: 0, entries: [] };
    await fsp.rm(staging, { recursive: true, force: true });
    await fsp.mkdir(staging, { recursive: true });
  }
  journal.validator = res.headers.get('etag') ?? res.headers.get('last-modified');
  if (!res.body) throw new Error('the server answered without a body');

  const byName = new Map(journal.entries.map((e) => [e.name, e]));
  let lastSave = Date.now();
  let saving: Promise<void> = Promise.resolve();
  // The entry being written. Each network chunk is hashed and written as it comes, while it
  // is still in the core's cache, and then dropped: nothing of a file is held, so the
  // chunks die young instead of filling the old generation (whose collections showed in
  // the CPU profile). An entry counts (journal, byName) once its file is written and closed.
  let file: { fd: number; md5: Hash } | undefined;
  // The sink works synchronously (page-cache writes): no turn of the event loop per network
  // chunk, and the socket buffers what arrives meanwhile.
  const reader = new ZipStreamReader(
    {
      begin: (entry: ZipEntry) => {
        const target = path.join(staging, ...entry.name.split('/'));
        if (entry.name.includes('/')) fs.mkdirSync(path.dirname(target), { recursive: true });
        file = { fd: fs.openSync(target, 'w'), md5: createHash('md5') };
      },
      data: (chunk) => {
        file!.md5.update(chunk);
        writeAll(file!.fd, chunk);
      },
      end: (entry, end) => {
        const { fd, md5 } = file!;
        file = undefined;
        fs.closeSync(fd);
        byName.set(entry.name, { name: entry.name, size: entry.size, md5: md5.digest('hex') });
        journal.offset = end;
        if (Date.now() - lastSave >= JOURNAL_EVERY_MS) {
          lastSave = Date.now();
          const snapshot: Journal = { validator: journal.validator, offset: journal.offset, entries: [...byName.values()] };
          saving = saving.then(() => writeJournal(out, uid, snapshot));
        }
      },
    },
    journal.offset,
  );
  // The node:http message itself when the client runs on createHttpFetch (the CLI): see http-fetch.ts.
  const body: AsyncIterable<Uint8Array> = nodeBody(res) ?? (res.body as unknown as AsyncIterable<Uint8Array>);
  try {
    for await (const chunk of body) {
      ctx.onBytes(chunk.length);
      await reader.push(chunk);
    }
    reader.finish();
  } finally {
    if (file !== undefined) fs.closeSync(file.fd);
    await saving.catch(() => undefined);
    journal.entries = [...byName.values()];
    await writeJournal(out, uid, journal).catch(() => undefined);
  }
  if (!reader.complete) throw new Error(`the ZIP ended early, at byte ${journal.offset}`);

  const entries = [...byName.values()];
  verify(task.row, entries, await readMd5List(staging, entries));
  const folder = nativePath(out, task.folder);
  await fsp.rm(folder, { recursive: true, force: true });
  await fsp.mkdir(path.dirname(folder), { recursive: true });
  await fsp.rename(staging, folder);
  const dicom = entries.filter((e) => e.name.toLowerCase().endsWith('.dcm'));
  const record: DoneRecord = {
    folder: task.folder,
    files: entries.length,
    dicomFiles: dicom.length,
    bytes: dicom.reduce((n, e) => n + e.size, 0),
    downloadedAt: new Date().toISOString(),
  };
  await fsp.writeFile(donePath(out, uid), JSON.stringify(record));
  await fsp.rm(journalPath(out, uid), { force: true });
  return record;
}

/** Writes the whole chunk (a write to a regular file may take less than it was given). */
function writeAll(fd: number, chunk: Uint8Array): void {
  for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at, chunk.length - at);
}

function contentRangeStart(header: string | null): number | undefined {
  const m = /^bytes\s+(\d+)-/i.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

async function readMd5List(staging: string, entries: JournalEntry[]): Promise<Map<string, string> | undefined> {
  if (!entries.some((e) => e.name === MD5_LIST)) return undefined;
  const rows = parseCsv(await fsp.readFile(path.join(staging, MD5_LIST), 'utf8')).slice(1);
  return new Map(rows.filter((r) => r.length >= 2 && r[0] !== '').map((r) => [r[0]!, r[1]!.trim().toLowerCase()]));
}

/** Every check a series must pass before it counts as arrived; throws a VerificationError naming the first failure. */
function verify(row: SeriesMetadataRow, entries: JournalEntry[], md5s: Map<string, string> | undefined): void {
  const dicom = entries.filter((e) => e.name.toLowerCase().endsWith('.dcm'));
  if (!md5s) throw new VerificationError('the ZIP holds no md5hashes.csv (the server ignored IncludeMD5=Yes), so the files cannot be verified');
  for (const e of dicom) {
    const expected = md5s.get(e.name);
    if (expected === undefined) throw new VerificationError(`${e.name} is not listed in md5hashes.csv`);
    if (expected !== e.md5) throw new VerificationError(`${e.name}: MD5 ${e.md5}, md5hashes.csv says ${expected}`);
  }
  for (const name of md5s.keys()) if (!entries.some((e) => e.name === name)) throw new VerificationError(`${name} is listed in md5hashes.csv but missing from the ZIP`);
  const count = row.ImageCount === undefined ? undefined : Number(row.ImageCount);
  if (count !== undefined && dicom.length !== count) throw new VerificationError(`${dicom.length} DICOM files, the server lists ImageCount ${count}`);
  const size = row.FileSize === undefined ? undefined : Number(row.FileSize);
  const bytes = dicom.reduce((n, e) => n + e.size, 0);
  if (size !== undefined && bytes !== size) throw new VerificationError(`${bytes} bytes of DICOM files, the server lists FileSize ${size}`);
}

export { ZipFormatError };
