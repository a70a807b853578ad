// Turns the demo plan into Part 10 files: in memory (one at a time, for tests) or on disk
// as <collection>/<patient>/<study>/<series>/<n>.dcm.
import fs from 'node:fs';
import path from 'node:path';
import { encodeDicomFile } from '../dicom/writer.js';
import { UserError } from '../errors.js';
import { instanceElements } from './instances.js';
import { countDemoFiles, planDemoArchive, type DemoCollectionPlan, type DemoSeries, type DemoStudy } from './plan.js';

export interface DemoFile {
  collection: string;
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** `/`-separated, relative to the output folder. */
  relativePath: string;
  bytes: Buffer;
}

/** A folder-name fragment: letters, digits, `.` and `-` only. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
}

export function studyFolder(study: DemoStudy): string {
  return `${study.date.slice(0, 4)}-${study.date.slice(4, 6)}-${study.date.slice(6, 8)}-${slug(study.description)}`;
}

export function seriesFolder(series: DemoSeries): string {
  return `${series.number}-${slug(series.description)}`;
}

/** Every file of the demo, made lazily in folder order. */
export function* generateDemoFiles(plans: DemoCollectionPlan[] = planDemoArchive()): Generator<DemoFile> {
  for (const collection of plans) {
    for (const patient of collection.patients) {
      for (const study of patient.studies) {
        for (const series of study.series) {
          const folder = [collection.name, patient.patientId, studyFolder(study), seriesFolder(series)].join('/');
          for (let i = 0; i < series.fileCount; i++) {
            yield {
              collection: collection.name,
              patientId: patient.patientId,
              studyInstanceUid: study.uid,
              seriesInstanceUid: series.uid,
              relativePath: `${folder}/${String(i + 1).padStart(3, '0')}.dcm`,
              bytes: encodeDicomFile(instanceElements({ collection, patient, study, series }, i)),
            };
          }
        }
      }
    }
  }
}

export interface DemoCollectionSummary {
  name: string;
  /** Absolute folder of the collection's files. */
  folder: string;
  patients: number;
  studies: number;
  series: number;
  files: number;
  bytes: number;
}

export interface DemoWriteSummary {
  outDir: string;
  files: number;
  bytes: number;
  collections: DemoCollectionSummary[];
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir never returns on some
 * special file systems (a path under /proc), and a hang is worse than an error.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    try {
      fs.statSync(current);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = path.dirname(current);
      if (parent === current) throw err;
      missing.push(current);
      current = parent;
    }
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Fails with a clear message when the folder cannot be created or written. */
export function ensureWritableFolder(dir: string): void {
  try {
    makeFolders(dir);
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a folder');
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError(`cannot write the demo archive to ${dir}: ${describeFsError(reason)}`);
  }
}

function describeFsError(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file of that name (or of a parent folder) is in the way';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOENT':
      return 'no such folder can be made there';
    default:
      return code;
  }
}

/** Writes the demo files under outDir; onFile is called after each file with the running count. */
export function writeDemoArchive(
  outDir: string,
  options: { plans?: DemoCollectionPlan[]; onFile?: (done: number, total: number, file: DemoFile) => void } = {},
): DemoWriteSummary {
  const root = path.resolve(outDir);
  ensureWritableFolder(root);
  const plans = options.plans ?? planDemoArchive();
  const total = countDemoFiles(plans);
  const collections = new Map<string, DemoCollectionSummary>(
    plans.map((c) => {
      const studies = c.patients.flatMap((p) => p.studies);
      return [
        c.name,
        { name: c.name, folder: path.join(root, c.name), patients: c.patients.length, studies: studies.length, series: studies.reduce((n, s) => n + s.series.length, 0), files: 0, bytes: 0 },
      ];
    }),
  );
  const madeFolders = new Set<string>();
  let done = 0;
  let bytes = 0;
  for (const file of generateDemoFiles(plans)) {
    const target = path.join(root, ...file.relativePath.split('/'));
    const folder = path.dirname(target);
    try {
      if (!madeFolders.has(folder)) {
        makeFolders(folder);
        madeFolders.add(folder);
      }
      fs.writeFileSync(target, file.bytes);
    } catch (err) {
      throw new UserError(`cannot write ${target}: ${(err as Error).message}`);
    }
    done++;
    bytes += file.bytes.length;
    const summary = collections.get(file.collection)!;
    summary.files++;
    summary.bytes += file.bytes.length;
    options.onFile?.(done, total, file);
  }
  return { outDir: root, files: done, bytes, collections: [...collections.values()] };
}
