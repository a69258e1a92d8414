import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../../db/client';
import { idempotencyKeys } from '../../db/schema';
import { formatTicketNumber } from '../../domain/numbering';
import { unprocessable } from '../problem';

export interface Idempotency {
  userId: string;
  key: string;
  request: unknown;
}

const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/**
 * The number a new incident gets. With an Idempotency-Key, the first request
 * to claim the key fixes the number and every retry gets the same one back
 * (`replay`); the primary key on (user, key) settles concurrent retries.
 */
export async function reserveIncidentNumber(db: Database, idempotency?: Idempotency): Promise<{ number: string; replay: boolean }> {
  const [row] = rowsOf<{ seq: string | number }>(await db.execute(sql`select nextval('incident_number_seq') as seq`));
  const number = formatTicketNumber('incident', Number(row!.seq));
  if (!idempotency) return { number, replay: false };

  const requestHash = hashOf(idempotency.request);
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ userId: idempotency.userId, key: idempotency.key, requestHash, number })
    .onConflictDoNothing()
    .returning({ number: idempotencyKeys.number });
  if (claimed) return { number, replay: false };

  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, idempotency.userId), eq(idempotencyKeys.key, idempotency.key)));
  if (existing!.requestHash !== requestHash) {
    throw unprocessable('header.idempotency-key', 'this key was already used with a different request');
  }
  return { number: existing!.number, replay: true };
}
