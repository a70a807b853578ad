// The archive the DICOMweb tests read: one patient of each demo collection (CT with SEG,
// MR, PET/CT, and the restricted one) plus a handful of the reference corpus files
// (every transfer syntax family, character sets, sequences), ingested for real, and a
// server listening on a loopback port so that HTTP clients (dicomweb-client) can reach it.
// `source` keeps the files as written, so a second server (Orthanc) can be given the same.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createTestStore, tempDir, type TestStore } from '../helpers/stores.js';
import { ingestInto } from '../ingest/helpers.js';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/context.js';
import { planDemoArchive, writeDemoArchive, DEMO_COLLECTIONS } from '../../src/demo/index.js';
import { setCollection } from '../../src/archive/collections.js';
import { addUser, grantCollection } from '../../src/auth/accounts.js';
import type { DialectName } from '../../src/store/dialect.js';

const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dicom', 'files');

/** Corpus files with complete identities, one per encoding family (the MR_small variants share UIDs: one is enough). */
export const CORPUS_FILES = [
  'CT_small.dcm', // explicit little endian
  'MR_small_implicit.dcm', // implicit little endian
  'JPEG-lossy.dcm', // JPEG extended
  'SC_rgb_jpeg_dcmtk.dcm', // JPEG baseline, colour
  'JPEG2000.dcm', // JPEG 2000
  'gen_ct_rare_deflated.dcm', // deflated; rarer indexed attributes, sequences
  'chrGerm.dcm', // Latin-1
  'chrH31.dcm', // ISO 2022 Japanese
];

export const RESTRICTED = DEMO_COLLECTIONS.find((c) => !c.public)!.name;
export const GRANTED_USER = { name: 'dw-granted', password: 'dw-granted-password-1' };

export interface DicomwebArchive {
  t: TestStore;
  app: FastifyInstance;
  /** http://127.0.0.1:PORT/dicomweb */
  root: string;
  /** Public files and restricted files, as given to ingest. */
  publicFiles: string[];
  restrictedFiles: string[];
  close(): Promise<void>;
}

/** The demo subset and corpus files, written once per process (they are the same for both dialects). */
let written: { publicFiles: string[]; restrictedFiles: string[]; folders: Map<string, string>; dir: string } | undefined;

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

function writeSource() {
  if (written) return written;
  const dir = tempDir('nbia-dicomweb-src-');
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const plans = planDemoArchive().map((c) => ({ ...c, patients: c.patients.slice(0, 1) }));
  const demo = writeDemoArchive(path.join(dir, 'demo'), { plans });
  const corpus = path.join(dir, 'CORPUS');
  fs.mkdirSync(corpus);
  for (const f of CORPUS_FILES) fs.copyFileSync(path.join(CORPUS, f), path.join(corpus, f));
  const folders = new Map<string, string>(demo.collections.map((c) => [c.name, c.folder]));
  folders.set('CORPUS', corpus);
  const restrictedFiles = listFiles(folders.get(RESTRICTED)!);
  const publicFiles = [...folders.entries()].filter(([name]) => name !== RESTRICTED).flatMap(([, folder]) => listFiles(folder));
  written = { publicFiles, restrictedFiles, folders, dir };
  return written;
}

export async function dicomwebArchive(dialect: DialectName): Promise<DicomwebArchive> {
  const source = writeSource();
  const t = await createTestStore(dialect);
  for (const [name, folder] of source.folders) {
    const isPublic = name !== RESTRICTED;
    await ingestInto(t, [folder], { collection: name, public: isPublic, inPlace: false });
    await setCollection(t.store.db, name, { public: isPublic });
  }
  const actor = { address: null, description: 'dicomweb test' };
  await addUser(t.store.db, GRANTED_USER.name, GRANTED_USER.password, actor);
  await grantCollection(t.store.db, GRANTED_USER.name, RESTRICTED, actor);
  const app = await buildServer({ store: t.store, blobs: t.blobs, options: DEFAULT_SERVER_OPTIONS });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    t,
    app,
    root: `http://127.0.0.1:${port}/dicomweb`,
    publicFiles: source.publicFiles,
    restrictedFiles: source.restrictedFiles,
    close: async () => {
      await app.close();
      await t.dispose();
    },
  };
}
