import { createHash } from 'node:crypto';
import { and, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import { parseTicketNumber } from '../domain/numbering';
import type { NotificationRequest, Recipient, TicketEvent, TicketView } from '../domain/ticket';
import type { Database } from './client';
import { changeWindows, knownErrors, outbox, projectionFailures, teamMembers, ticketCis, ticketEvents, ticketLinks, tickets, users } from './schema';

export interface TicketBatch {
  view: TicketView;
  events: TicketEvent[];
  /** Each notification belongs to an event; the pair makes it idempotent. */
  notifications: (NotificationRequest & { eventId: string })[];
}

/** JSON with object keys sorted, so equal content hashes equally however it was built or stored. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const eventHash = (e: TicketEvent) => createHash('sha256').update(canonical(e)).digest('hex');

/** Another lineage wrote this ticket number's events: the same id with other content. */
export class LineageConflict extends Error {}

async function addressesOf(tx: Database, recipient: Recipient): Promise<string[]> {
  if ('user' in recipient) return [recipient.user];
  const rows = await tx
    .select({ email: users.email })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(eq(teamMembers.team, recipient.team));
  return rows.map((r) => r.email);
}

async function appendEvents(tx: Database, events: TicketEvent[]) {
  if (events.length === 0) return;
  const hashed = events.map((e) => ({ ...e, at: new Date(e.at), hash: eventHash(e) }));
  const inserted = await tx.insert(ticketEvents).values(hashed).onConflictDoNothing().returning({ id: ticketEvents.id });
  if (inserted.length === events.length) return;
  const fresh = new Set(inserted.map((r) => r.id));
  const replayed = hashed.filter((e) => !fresh.has(e.id));
  const stored = await tx.select({ id: ticketEvents.id, hash: ticketEvents.hash }).from(ticketEvents).where(inArray(ticketEvents.id, replayed.map((e) => e.id)));
  const storedHash = new Map(stored.map((r) => [r.id, r.hash]));
  for (const e of replayed) {
    const hash = storedHash.get(e.id);
    if (hash === null) await tx.update(ticketEvents).set({ hash: e.hash }).where(eq(ticketEvents.id, e.id));
    else if (hash !== e.hash) throw new LineageConflict(`event ${e.id} is already in the read model with other content: another ticket has had the number ${e.number}`);
  }
}

async function writeLinks(tx: Database, view: TicketView) {
  // Views from kernel v1 carry parent and children only; their links are not rows.
  if (!view.links) return;
  const targets = view.links.map((l) => `${l.relation}:${l.target}`);
  await tx
    .delete(ticketLinks)
    .where(and(eq(ticketLinks.number, view.number), targets.length ? notInArray(sql`${ticketLinks.relation} || ':' || ${ticketLinks.target}`, targets) : undefined));
  if (view.links.length) await tx.insert(ticketLinks).values(view.links.map((l) => ({ number: view.number, ...l }))).onConflictDoNothing();
}

async function writeCis(tx: Database, view: TicketView) {
  // Views projected before tickets named CIs say nothing about them.
  if (!view.ciIds) return;
  await tx.delete(ticketCis).where(and(eq(ticketCis.number, view.number), view.ciIds.length ? notInArray(ticketCis.ciId, view.ciIds) : undefined));
  if (view.ciIds.length) await tx.insert(ticketCis).values(view.ciIds.map((ciId) => ({ number: view.number, ciId }))).onConflictDoNothing();
}

/** A problem whose known error is published is in the KEDB, with its status, so a fixed one reads as fixed. */
async function writeKnownError(tx: Database, view: TicketView) {
  const details = view.details as { symptoms?: string; rootCause?: string; workaround?: string; knownErrorAt?: string | null } | undefined;
  if (view.type !== 'problem' || !details?.knownErrorAt) return;
  const row = {
    title: view.title,
    symptoms: details.symptoms ?? '',
    rootCause: details.rootCause ?? '',
    workaround: details.workaround ?? '',
    status: view.status,
    publishedAt: new Date(details.knownErrorAt),
    updatedAt: new Date(view.updatedAt),
  };
  await tx.insert(knownErrors).values({ number: view.number, ...row }).onConflictDoUpdate({ target: knownErrors.number, set: row });
}

/** A change's planned window, for conflict detection and the change calendar. */
async function writeChangeWindow(tx: Database, view: TicketView) {
  const details = view.details as { changeType?: string; plannedStart?: string; plannedEnd?: string } | undefined;
  if (view.type !== 'change' || !details?.plannedStart || !details.plannedEnd) return;
  const row = {
    title: view.title,
    changeType: details.changeType ?? 'normal',
    status: view.status,
    plannedStart: new Date(details.plannedStart),
    plannedEnd: new Date(details.plannedEnd),
    updatedAt: new Date(view.updatedAt),
  };
  await tx.insert(changeWindows).values({ number: view.number, ...row }).onConflictDoUpdate({ target: changeWindows.number, set: row });
}

/**
 * Writes one batch of a ticket's life to the read model in one transaction:
 * the row (only if this version is newer than the stored one, so a late
 * retry never overwrites newer state, unless `replace`: a reprojection from
 * the workflow), its events (keyed and hashed: a retry adds nothing, another
 * ticket's history under the same id is refused), its links and its
 * notifications. A ticket written is no longer failing.
 */
export async function writeTicketBatch(db: Database, { view, events, notifications }: TicketBatch, { replace = false } = {}): Promise<void> {
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
    organizationId: view.organizationId ?? null,
    serviceId: view.serviceId ?? null,
    escalationLevel: view.escalationLevel,
    view,
    version: view.version,
    createdAt: new Date(view.createdAt),
    updatedAt: new Date(view.updatedAt),
  };
  await db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const { number: _n, ...updatable } = row;
    const written = await tx
      .insert(tickets)
      .values(row)
      .onConflictDoUpdate({ target: tickets.number, set: updatable, ...(!replace && { setWhere: lt(tickets.version, sql`excluded.version`) }) })
      .returning({ number: tickets.number });
    await appendEvents(t, events);
    // Links and CIs are the row's: a late batch whose row lost to a newer version must not roll them back either.
    if (written.length > 0) {
      await writeLinks(t, view);
      await writeCis(t, view);
      await writeKnownError(t, view);
      await writeChangeWindow(t, view);
    }
    const outboxRows = [];
    for (const n of notifications) {
      for (const address of await addressesOf(t, n.recipient)) {
        outboxRows.push({ id: `${n.eventId}:${n.template}:${address}`, recipient: address, template: n.template, payload: n.payload });
      }
    }
    if (outboxRows.length > 0) await tx.insert(outbox).values(outboxRows).onConflictDoNothing();
    await tx.delete(projectionFailures).where(eq(projectionFailures.number, view.number));
  });
}
