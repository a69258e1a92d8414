import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any constant shared by every Tempodesk process: only one of them migrates at a time. */
const MIGRATION_LOCK = 7_402_113;

export interface DatabaseOptions {
  /** A PostgreSQL URL; without one, PGlite runs embedded. */
  url?: string;
  /** PGlite's directory; `memory://` or unset keeps it in memory. */
  pgliteDir?: string;
  maxConnections?: number;
  /** The longest a statement may run before PostgreSQL cancels it; 0 for no limit. */
  statementTimeoutMs?: number;
}

/**
 * A silent database host fails a connection after this long instead of
 * TCP's minutes (postgres.js `connect_timeout`, in seconds).
 */
export const CONNECT_TIMEOUT_SECONDS = 5;
const STATEMENT_TIMEOUT_MS = 30_000;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      // Sent at connection start: every statement of the pool is bounded, so a stuck query frees its connection.
      connection: { application_name: 'tempodesk', statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS },
    });
    const db = drizzlePostgres({ client, schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      async migrate() {
        // Several API and worker processes may start at once: a session advisory lock
        // serialises their migrations. One dedicated connection holds the lock and runs
        // the migrator's transaction, so both live in the same session.
        // No statement timeout here: waiting for another process's migrations is normal.
        const single = postgres(options.url!, { max: 1, onnotice: () => {}, connect_timeout: CONNECT_TIMEOUT_SECONDS, connection: { application_name: 'tempodesk-migrate' } });
        try {
          await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
          await migratePostgres(drizzlePostgres({ client: single, schema }), { migrationsFolder });
          await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
        } finally {
          await single.end({ timeout: 5 });
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dir = options.pgliteDir && options.pgliteDir !== 'memory://' ? options.pgliteDir : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite({ client, schema }), { migrationsFolder }),
    close: () => client.close(),
  };
}

export async function ping(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Rows of a raw query, whichever driver ran it (postgres.js returns an array, PGlite an object). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
