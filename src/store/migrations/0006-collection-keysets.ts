// A collection's series and patients in primary-key order, read straight from an index
// (issue 8). Listings page through a collection by id (paging.ts); with only the index on
// (collection_id, modality) both planners walked the whole series table in id order and
// dropped the other collections' rows, so a 20-patient collection in a 21-million-image
// archive took hundreds of milliseconds to its first page. With (collection_id, id) the
// listing of a collection whose id is known is one range scan of that collection's entries,
// already in page order, whatever the rest of the archive holds.
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('series_collection_keyset').on('series').columns(['collection_id', 'id']).execute();
  await db.schema.createIndex('patient_collection_keyset').on('patient').columns(['collection_id', 'id']).execute();
  // An SQLite index that was analyzed before (the scale bench, `nbia db copy`) has statistics
  // for every index but these two, and the planner then rates them by guesswork: it took
  // series_collection_keyset over patient_upper_patient_id for Collection=X&PatientID=Y and
  // read the whole collection. Fresh statistics for the two tables put it right. Never
  // analyzed indexes stay so (statistics of a still-empty table would mislead it later), and
  // PostgreSQL's autovacuum keeps its own.
  if (dialectOf(db) === 'sqlite') {
    const analyzed = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'`.execute(db);
    if (Number(analyzed.rows[0]?.n ?? 0) > 0) {
      await sql`ANALYZE series`.execute(db);
      await sql`ANALYZE patient`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('patient_collection_keyset').execute();
  await db.schema.dropIndex('series_collection_keyset').execute();
}
