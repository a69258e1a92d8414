import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { cis, contacts, serviceCis, services, users } from '../../db/schema';
import { CRITICALITIES } from '../../domain/cmdb';
import type { TicketCmdbFacts } from '../../domain/ticket';
import { unprocessable } from '../problem';

/** The organization a person belongs to: their user account's, else the contact's with their email. */
export async function organizationOf(db: Database, email: string | null): Promise<string | null> {
  if (email === null) return null;
  const [user] = await db.select({ organizationId: users.organizationId }).from(users).where(eq(users.email, email));
  if (user?.organizationId) return user.organizationId;
  const [contact] = await db.select({ organizationId: contacts.organizationId }).from(contacts).where(eq(contacts.email, email));
  return contact?.organizationId ?? null;
}

/** Every id names a CI, or the request is refused naming the first that does not. */
export async function checkCis(db: Database, ciIds: string[]): Promise<void> {
  if (ciIds.length === 0) return;
  const found = new Set((await db.select({ id: cis.id }).from(cis).where(inArray(cis.id, ciIds))).map((r) => r.id));
  const missing = ciIds.findIndex((id) => !found.has(id));
  if (missing >= 0) throw unprocessable(`ciIds.${missing}`, `no configuration item ${ciIds[missing]}`);
}

export async function checkService(db: Database, serviceId: string): Promise<void> {
  const [row] = await db.select({ id: services.id }).from(services).where(eq(services.id, serviceId));
  if (!row) throw unprocessable('serviceId', `no service ${serviceId}`);
}

const criticalityRank = sql`array_position(array[${sql.join(
  [...CRITICALITIES].reverse().map((c) => sql`${c}`),
  sql`, `,
)}]::text[], ${services.criticality})`;

/**
 * The service a ticket on these CIs is about, when it names none: a service
 * the CIs deliver, the most critical first (then by name, so the choice is
 * stable); none when the CIs deliver no service.
 */
export async function serviceOfCis(db: Database, ciIds: string[]): Promise<string | null> {
  if (ciIds.length === 0) return null;
  const [row] = await db
    .select({ id: services.id })
    .from(serviceCis)
    .innerJoin(services, eq(services.id, serviceCis.serviceId))
    .where(inArray(serviceCis.ciId, ciIds))
    .orderBy(asc(criticalityRank), asc(services.name))
    .limit(1);
  return row?.id ?? null;
}

/** What a new ticket records of the CMDB: its caller's organization, its CIs, and its service (given or derived). */
export async function ticketCmdbFacts(db: Database, input: { caller: string | null; serviceId?: string; ciIds?: string[] }): Promise<TicketCmdbFacts> {
  const ciIds = input.ciIds ?? [];
  await checkCis(db, ciIds);
  if (input.serviceId !== undefined) await checkService(db, input.serviceId);
  return {
    organizationId: await organizationOf(db, input.caller),
    serviceId: input.serviceId ?? (await serviceOfCis(db, ciIds)),
    ciIds,
  };
}
