import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client';
import type { TicketView } from '../../domain/ticket';
import { findTicket } from './readModel';
import { liveView } from './workflows';

/** A ticket for reading: the read model, or the workflow for one logged a moment ago and not projected yet. */
export async function ticketToRead(db: Database, temporal: Client, number: string): Promise<TicketView | null> {
  return (await findTicket(db, number)) ?? (await liveView(temporal, number));
}


/** How long a command waits for the live ticket before it settles for the read model (no worker, say). */
const LIVE_LOOKUP_MS = 2_000;

/** A ticket to decide a command on from fields that commands change (its group, its links): as its workflow sees it now, else as last projected. */
export async function ticketToCommand(db: Database, temporal: Client, number: string): Promise<TicketView | null> {
  return (await liveView(temporal, number, LIVE_LOOKUP_MS).catch(() => null)) ?? (await findTicket(db, number));
}
