// A real server for the client tests: the seeded NBIA archive (test/fixtures/nbia/seed.ts)
// plus one downloadable public series with real DICOM bytes, listening on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { createTestStore, type TestStore } from '../helpers/stores.js';
import { seedArchive } from '../fixtures/nbia/seed.js';
import { seedSeries, startServer, fakeDicom, type TestServer } from '../downloads/fixture.js';
import { REPO } from '../cli/run.js';
import type { DialectName } from '../../src/store/dialect.js';

export const DL_SERIES = '1.2.826.0.1.3680043.9.7777.1';
export const CT_SMALL = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'advanced', 'CT_small.dcm'));

export interface ClientServer {
  t: TestStore;
  server: TestServer;
  base: string;
  /** The bytes of the downloadable series' images, in InstanceNumber order. */
  images: Buffer[];
  close(): Promise<void>;
}

export async function clientServer(dialect: DialectName): Promise<ClientServer> {
  const t = await createTestStore(dialect);
  await seedArchive(t.store.db);
  const images = [CT_SMALL, fakeDicom(`${DL_SERIES}.2`, 40)];
  await seedSeries(t, {
    collection: { name: 'DL-Open', isPublic: true, licenseName: 'CC BY 4.0', licenseText: 'Use it well.' },
    patientId: 'DL-P1',
    studyInstanceUid: `${DL_SERIES}.0`,
    seriesInstanceUid: DL_SERIES,
    images: images.map((bytes, i) => ({ sopInstanceUid: `${DL_SERIES}.${i + 1}`, instanceNumber: i + 1, acquisitionNumber: 1, bytes })),
  });
  const server = await startServer(t);
  return {
    t,
    server,
    base: server.base,
    images,
    close: async () => {
      await server.close();
      await t.dispose();
    },
  };
}
