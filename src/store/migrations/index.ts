// Every migration, in order. Listed in code (not read from a folder) so the compiled and
// the tsx-run server find the same set. Add a file and a line; never edit a landed one.
import type { Migration, MigrationProvider } from 'kysely';
import * as archive from './0001-archive.js';
import * as auth from './0002-auth.js';
import * as commercialUse from './0003-commercial-use.js';
import * as scale from './0004-scale.js';
import * as dicomwebStudy from './0005-dicomweb-study.js';
import * as collectionKeysets from './0006-collection-keysets.js';
import * as fileStore from './0007-file-store.js';
import * as valueCounts from './0008-value-counts.js';
import * as seriesSearch from './0009-series-search.js';

const migrations: Record<string, Migration> = {
  '0001-archive': archive,
  '0002-auth': auth,
  '0003-commercial-use': commercialUse,
  '0004-scale': scale,
  '0005-dicomweb-study': dicomwebStudy,
  '0006-collection-keysets': collectionKeysets,
  '0007-file-store': fileStore,
  '0008-value-counts': valueCounts,
  '0009-series-search': seriesSearch,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
