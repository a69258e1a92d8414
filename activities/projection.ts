import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { LineageConflict, writeTicketBatch } from '../db/readModel';
import { projectionFailures } from '../db/schema';
import { toStorable } from '../domain/text';
import { PROJECTION_REFUSED } from '../domain/ticket';
import type { ProjectionBatch } from './types';

/** The database's own error under drizzle's wrapping (whose message quotes the query's parameters, refused data included). */
function databaseError(error: unknown): { sqlstate: string; message: string } | null {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return { sqlstate: code, message: e.message };
  }
  return null;
}

/**
 * The projection activity: writes a ticket's batch to the read model
 * (db/readModel.ts). Data PostgreSQL refuses (SQLSTATE class 22) and lineage
 * conflicts fail for good, named in projection_failures for /health; anything
 * else (the database away) is retried by Temporal for as long as it lasts.
 */
export function createProjection(db: Database) {
  return async function projectTicket(batch: ProjectionBatch): Promise<void> {
    try {
      // Text the edges refuse can still come from older code or a client that bypassed the API; it is stored marked, never left to freeze the ticket.
      await writeTicketBatch(db, toStorable(batch));
    } catch (error) {
      const refusal = databaseError(error);
      const sqlstate = refusal?.sqlstate ?? null;
      if (!(error instanceof LineageConflict) && !sqlstate?.startsWith('22')) throw error;
      const message = error instanceof LineageConflict ? error.message : `the database refused ${batch.view.number} (SQLSTATE ${sqlstate}): ${refusal!.message}`;
      await db
        .insert(projectionFailures)
        .values({ number: batch.view.number, error: message, sqlstate })
        .onConflictDoUpdate({
          target: projectionFailures.number,
          set: { error: message, sqlstate, failures: sql`${projectionFailures.failures} + 1`, lastFailedAt: sql`now()` },
        });
      throw ApplicationFailure.create({ type: PROJECTION_REFUSED, message, nonRetryable: true });
    }
  };
}
