// Every migration, in order. Listed in code (not read from a folder) so the compiled and
// the tsx-run server find the same set. Add a file and a line; never edit a landed one.
import type { Migration, MigrationProvider } from 'kysely';
import * as archive from './0001-archive.js';
import * as auth from './0002-auth.js';
import * as dicomwebStudy from './0005-dicomweb-study.js';

const migrations: Record<string, Migration> = {
  '0001-archive': archive,
  '0002-auth': auth,
  '0005-dicomweb-study': dicomwebStudy,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
