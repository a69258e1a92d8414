import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { ticketEvents, tickets } from '../../db/schema';
import type { TicketType } from '../../domain/numbering';
import { calendarFor } from '../../domain/calendar';
import { isTerminal, type IncidentStatus } from '../../domain/incidentLifecycle';
import { advanceClockView } from '../../domain/slaClock';
import type { TicketView } from '../../domain/ticket';

export interface TicketFilters {
  status?: string[];
  priority?: number;
  assignmentGroup?: string;
  assignee?: string;
  caller?: string;
  q?: string;
  /** Only what an end user may read: tickets they reported, and their organization's when it is given. */
  readableBy?: { caller: string; organizationId: string | null };
  /** Only tickets whose seq is below this (keyset pagination, newest first). */
  before?: number;
  limit: number;
}

/**
 * A ticket as of now. Rows change on transitions only; open tickets' running
 * clocks are carried forward to the moment of reading (workflow queries cannot
 * do this: workflow time stands still between activations).
 */
export function asOfNow(view: TicketView, now = Date.now()): TicketView {
  if (isTerminal(view.status as IncidentStatus)) return view;
  const calendar = calendarFor(view.sla.calendar);
  const projectedAt = new Date(view.updatedAt).getTime();
  return {
    ...view,
    sla: {
      ...view.sla,
      response: advanceClockView(view.sla.response, projectedAt, now, calendar),
      resolution: advanceClockView(view.sla.resolution, projectedAt, now, calendar),
    },
  };
}

export async function findTicket(db: Database, number: string): Promise<TicketView | null> {
  const [row] = await db.select({ view: tickets.view }).from(tickets).where(eq(tickets.number, number));
  return row?.view ?? null;
}

/** Newest first; fetches limit + 1 rows so the caller knows whether another page exists. */
export async function listTickets(db: Database, type: TicketType, f: TicketFilters) {
  const where: SQL[] = [eq(tickets.type, type)];
  if (f.status?.length) where.push(sql`${tickets.status} in ${f.status}`);
  if (f.priority !== undefined) where.push(eq(tickets.priority, f.priority));
  if (f.assignmentGroup !== undefined) where.push(eq(tickets.assignmentGroup, f.assignmentGroup));
  if (f.assignee !== undefined) where.push(eq(tickets.assignee, f.assignee));
  if (f.caller !== undefined) where.push(eq(tickets.caller, f.caller));
  if (f.readableBy) {
    const { caller, organizationId } = f.readableBy;
    where.push(organizationId === null ? eq(tickets.caller, caller) : or(eq(tickets.caller, caller), eq(tickets.organizationId, organizationId))!);
  }
  if (f.q !== undefined) where.push(sql`${tickets.search} @@ websearch_to_tsquery('english', ${f.q})`);
  if (f.before !== undefined) where.push(lt(tickets.seq, f.before));
  return db
    .select({ view: tickets.view, seq: tickets.seq })
    .from(tickets)
    .where(and(...where))
    .orderBy(desc(tickets.seq))
    .limit(f.limit + 1);
}

export async function ticketHistory(db: Database, number: string) {
  return db
    .select({ seq: ticketEvents.seq, at: ticketEvents.at, actor: ticketEvents.actor, kind: ticketEvents.kind, changes: ticketEvents.changes, data: ticketEvents.data })
    .from(ticketEvents)
    .where(eq(ticketEvents.number, number))
    .orderBy(asc(ticketEvents.seq));
}
