// The two dialects the store runs on, and the few places where their DDL differs.
import { PostgresAdapter, sql, type Kysely, type CreateTableBuilder } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<unknown>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** An auto-numbered primary key `id`: INTEGER PRIMARY KEY (rowid) or an identity column. */
export function withId<T extends string>(
  table: CreateTableBuilder<T, never>,
  dialect: DialectName,
): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey());
}

/** The type of a byte count or CRC: 64-bit in PostgreSQL; SQLite integers are 64-bit already. */
export const int64 = (dialect: DialectName) => (dialect === 'postgres' ? 'bigint' : 'integer');

export const upper = (column: string) => sql`upper(${sql.ref(column)})`;
