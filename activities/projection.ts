import { eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { outbox, teamMembers, ticketEvents, tickets, users } from '../db/schema';
import { parseTicketNumber } from '../domain/numbering';
import type { Recipient } from '../domain/ticket';
import type { ProjectionBatch } from './types';

/**
 * Writes one step of a ticket's life to the read model in one transaction:
 * the row (only if this version is newer than the stored one, so a late
 * retry never overwrites newer state), its events and its notifications
 * (both keyed, so a retried batch adds nothing twice).
 */
export function createProjection(db: Database) {
  async function addressesOf(tx: Database, recipient: Recipient): Promise<string[]> {
    if ('user' in recipient) return [recipient.user];
    const rows = await tx
      .select({ email: users.email })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(eq(teamMembers.team, recipient.team));
    return rows.map((r) => r.email);
  }

  return async function projectTicket({ view, events, notifications }: ProjectionBatch): Promise<void> {
    const parsed = parseTicketNumber(view.number);
    if (!parsed) throw new Error(`not a ticket number: ${view.number}`);
    const row = {
      number: view.number,
      type: view.type,
      seq: parsed.sequence,
      title: view.title,
      description: view.description,
      status: view.status,
      priority: view.priority,
      caller: view.caller,
      assignmentGroup: view.assignmentGroup,
      assignee: view.assignee,
      parent: view.parent,
      escalationLevel: view.escalationLevel,
      view,
      version: view.version,
      createdAt: new Date(view.createdAt),
      updatedAt: new Date(view.updatedAt),
    };
    await db.transaction(async (tx) => {
      const { number: _n, ...updatable } = row;
      await tx
        .insert(tickets)
        .values(row)
        .onConflictDoUpdate({ target: tickets.number, set: updatable, setWhere: lt(tickets.version, sql`excluded.version`) });
      if (events.length > 0) {
        await tx
          .insert(ticketEvents)
          .values(events.map((e) => ({ ...e, at: new Date(e.at) })))
          .onConflictDoNothing();
      }
      const outboxRows = [];
      for (const n of notifications) {
        for (const address of await addressesOf(tx as unknown as Database, n.recipient)) {
          outboxRows.push({ id: `${n.eventId}:${n.template}:${address}`, recipient: address, template: n.template, payload: n.payload });
        }
      }
      if (outboxRows.length > 0) await tx.insert(outbox).values(outboxRows).onConflictDoNothing();
    });
  };
}
