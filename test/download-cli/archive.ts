// An archive on disk for the `nbia download` tests, served by a real `nbia serve` child
// process (so that it can be killed mid-stream and started again on the same port).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { seedSeries } from '../downloads/fixture.js';
import { addUser, grantCollection } from '../../src/auth/accounts.js';
import { createCart } from '../../src/archive/carts.js';
import { startCli } from '../cli/run.js';

export const CAROL_PASSWORD = 'carol-secret-1';

export interface SeededSeries {
  uid: string;
  collection: string;
  /** MD5 of each image, in instance order. */
  md5s: string[];
}

export interface DownloadArchive {
  t: TestStore;
  open: SeededSeries[];
  closed: SeededSeries;
  dispose(): Promise<void>;
}

/** A Part 10-looking file of `size` random bytes. */
function dicomLike(size: number): Buffer {
  const b = randomBytes(size);
  b.fill(0, 0, 128);
  b.write('DICM', 128, 'latin1');
  return b;
}

export async function seedDownloadArchive(options: { series: number; images: number; imageBytes: number }): Promise<DownloadArchive> {
  const t = await createTestStore('sqlite');
  const seed = async (collection: { name: string; isPublic: boolean }, uid: string, patient: string): Promise<SeededSeries> => {
    const images = Array.from({ length: options.images }, (_, i) => dicomLike(options.imageBytes + i));
    await seedSeries(t, {
      collection: { ...collection, licenseName: 'CC BY 4.0', licenseText: 'Cite the collection.' },
      patientId: patient,
      studyInstanceUid: `${uid}.0`,
      seriesInstanceUid: uid,
      images: images.map((bytes, i) => ({ sopInstanceUid: `${uid}.${i + 1}`, instanceNumber: i + 1, acquisitionNumber: 1, bytes })),
    });
    return { uid, collection: collection.name, md5s: images.map((b) => createHash('md5').update(b).digest('hex')) };
  };
  const open: SeededSeries[] = [];
  for (let i = 1; i <= options.series; i++) open.push(await seed({ name: 'Open-A', isPublic: true }, `1.2.826.0.1.555.${i}`, `OA-${i}`));
  const closed = await seed({ name: 'Closed-B', isPublic: false }, '1.2.826.0.1.666.1', 'CB-1');
  const actor = { address: null, description: 'test' };
  await addUser(t.store.db, 'carol', CAROL_PASSWORD, actor);
  await grantCollection(t.store.db, 'carol', 'Closed-B', actor);
  await createCart(t.store.db, 'mixed-cart', [open[0]!.uid, closed.uid], 'curator');
  await t.store.close();
  return { t, open, closed, dispose: () => t.dispose().catch(() => undefined) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  stop(): Promise<void>;
}

/** `nbia serve` over the archive on `port`; resolves once it listens. */
export async function serveArchive(t: TestStore, port: number): Promise<ServerProcess> {
  const { child, done } = startCli(['serve', '--data', t.dataDir, '--database', t.databaseUrl, '--host', '127.0.0.1', '--port', String(port), '--no-demo']);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('serving')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void done.then((r) => reject(new Error(`the server exited: ${r.stderr}`)));
  });
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await done;
      }
    },
  };
}

/** Every file under `dir` (relative POSIX path -> contents), the download state folder left out. */
export function treeOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.nbia-download') continue;
      if (e.isDirectory()) walk(r);
      else files.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return files;
}

/** metadata.csv without its Download Timestamp column (the only field that differs between runs). */
export function metadataWithoutTimestamps(csv: Buffer | undefined): string {
  return (csv?.toString('utf8') ?? '')
    .split('\n')
    .map((line) => line.replace(/,"[^"]*"$/, ',').replace(/,[^,"]*$/, ','))
    .join('\n');
}
