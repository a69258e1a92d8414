import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { and, eq, lt, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../../db/client';
import { idempotencyKeys } from '../../db/schema';
import { formatTicketNumber, numberSequence, type TicketType } from '../../domain/numbering';
import type { TicketView } from '../../domain/ticket';
import { conflict, unprocessable } from '../problem';
import { ticketToRead } from './lookup';
import { Accepted, NumberTaken, startTicket } from './workflows';

/** How long an Idempotency-Key is remembered: long past any client's retries, short enough to reuse keys. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** Numbers tried when the sequence has fallen behind Temporal (after a restore): each taken one is skipped. */
const MAX_NUMBER_ATTEMPTS = 20;

export interface Idempotency {
  userId: string;
  key: string;
  request: unknown;
}

export type Created = { view: TicketView | Accepted; replay: boolean };

const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/** A new number of this type; a number is never handed out twice (gaps are harmless). */
export async function takeNumber(db: Database, type: TicketType): Promise<string> {
  return (await takeNumbers(db, type, 1))[0]!;
}

/** `count` new numbers of this type in one statement (a request's tasks). */
export async function takeNumbers(db: Database, type: TicketType, count: number): Promise<string[]> {
  if (count === 0) return [];
  const rows = rowsOf<{ seq: string | number }>(await db.execute(sql`select nextval(${numberSequence(type)}) as seq from generate_series(1, ${count})`));
  return rows.map((r) => Number(r.seq)).sort((a, b) => a - b).map((seq) => formatTicketNumber(type, seq));
}

/**
 * The key's claim, if a live one exists: expired claims (anyone's) are forgotten first.
 * A claim with another body is refused rather than answered with the first ticket.
 */
const keyRow = ({ userId, key }: Idempotency) => and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key));

async function liveClaim(db: Database, idempotency: Idempotency) {
  // Every expired key goes, not only this one: an index range that is empty almost always.
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})`));
  const [claim] = await db.select().from(idempotencyKeys).where(keyRow(idempotency));
  if (claim && claim.requestHash !== hashOf(idempotency.request)) throw unprocessable('header.idempotency-key', 'this key was already used with a different request');
  return claim ?? null;
}

/** The ticket a started key made, as it is now; never a new run of it, whatever became of its workflow. */
async function startedTicket(db: Database, temporal: Client, number: string): Promise<TicketView> {
  const ticket = await ticketToRead(db, temporal, number);
  if (!ticket) throw conflict(`this Idempotency-Key created ${number}, which is no longer available; use a new key to open another ticket`);
  return ticket;
}

/**
 * Opens a ticket of any type in one round trip to its workflow. With an Idempotency-Key,
 * the key is checked before a number is taken (replays leave no gaps), the
 * first request's claim fixes the number, and a retry gets that ticket back,
 * never a second one and never a new run of one that has ended. Numbers are
 * always new to Temporal, so a sequence that fell behind can never hand out
 * another caller's ticket: a taken number is skipped.
 */
export async function openTicket<I extends object>(
  db: Database,
  temporal: Client,
  taskQueue: string,
  type: TicketType,
  input: I,
  idempotency?: Idempotency,
): Promise<Created> {
  const creationKey = idempotency ? `${idempotency.userId}:${idempotency.key}` : randomUUID();
  let claim = idempotency ? await liveClaim(db, idempotency) : null;
  if (claim?.startedAt) return { view: await startedTicket(db, temporal, claim.number), replay: true };

  let number = claim?.number ?? (await takeNumber(db, type));
  if (idempotency && !claim) {
    const [claimed] = await db
      .insert(idempotencyKeys)
      .values({ userId: idempotency.userId, key: idempotency.key, requestHash: hashOf(idempotency.request), number })
      .onConflictDoNothing()
      .returning();
    // A concurrent retry claimed the key first: go on with its number (its start and ours settle on one workflow).
    claim = claimed ?? (await liveClaim(db, idempotency));
    if (claim?.startedAt) return { view: await startedTicket(db, temporal, claim.number), replay: true };
    number = claim!.number;
  }

  for (let attempt = 1; ; attempt++) {
    try {
      const { view, joined } = await startTicket(temporal, taskQueue, type, { ...input, number }, creationKey);
      if (idempotency) await db.update(idempotencyKeys).set({ startedAt: sql`now()` }).where(keyRow(idempotency));
      return { view, replay: joined };
    } catch (error) {
      if (!(error instanceof NumberTaken) || attempt >= MAX_NUMBER_ATTEMPTS) throw error;
      number = await takeNumber(db, type);
      if (idempotency) await db.update(idempotencyKeys).set({ number }).where(keyRow(idempotency));
    }
  }
}
