import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { seed } from '../../db/seed';
import { numberSequence, TICKET_PREFIXES, type TicketType } from '../../domain/numbering';

/**
 * A fresh, migrated, seeded database per test file: a throwaway database on
 * the real PostgreSQL at DATABASE_URL when set (CI), else in-memory PGlite.
 */
export async function openTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const url = process.env.DATABASE_URL;
  let handle: DatabaseHandle;
  let drop = async () => {};
  let testUrl: URL | undefined;
  if (url) {
    const name = `tempodesk_test_${randomBytes(6).toString('hex')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    testUrl = new URL(url);
    testUrl.pathname = `/${name}`;
    handle = await openDatabase({ url: testUrl.toString() });
    drop = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    handle = await openDatabase({});
  }
  await handle.migrate();
  await seed(handle.db);
  // Ticket numbers are workflow IDs, and every test file shares one Temporal namespace, as two
  // deployments must never do: each file numbers from its own random start so IDs never collide.
  for (const type of Object.keys(TICKET_PREFIXES) as TicketType[]) {
    await handle.db.execute(sql.raw(`alter sequence ${numberSequence(type)} restart with ${randomInt(1_000_000, 900_000_000)}`));
  }
  return {
    ...handle,
    url: testUrl?.toString(),
    async close() {
      await handle.close();
      await drop();
    },
  };
}
