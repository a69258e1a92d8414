import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { reach, servicesByIds } from '../../db/impact';
import { cis, contacts, services, users } from '../../db/schema';
import { CRITICALITIES, RELATION_TYPES, type Criticality } from '../../domain/cmdb';
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

/** How far a ticket's CIs are followed to the services they affect: as far as impact analysis looks by default. */
const SERVICE_DEPTH = 6;

export interface ImpactedService {
  id: string;
  name: string;
  criticality: string;
  status: string;
  /** The ticket's CI whose failure reaches the service, the CI of the service it reaches it through, and how many hops apart. */
  from: string;
  through: string;
  depth: number;
}

/**
 * The services a ticket on these CIs affects: those the CIs deliver, and
 * those of every CI that depends on them (impact analysis, db/impact.ts),
 * nearest first, then the most critical, then by name.
 */
export async function servicesImpactedBy(db: Database, ciIds: string[]): Promise<ImpactedService[]> {
  const reaches = await Promise.all(
    ciIds.map(async (ciId) => ({ ciId, reach: await reach(db, ciId, { direction: 'impact', maxDepth: SERVICE_DEPTH, types: RELATION_TYPES, limit: 0, withServices: true }) })),
  );
  const nearest = new Map<string, { from: string; through: string; depth: number }>();
  for (const { ciId, reach: { rows } } of reaches) {
    for (const row of rows) {
      for (const serviceId of row.serviceIds) {
        const known = nearest.get(serviceId);
        if (!known || row.depth < known.depth) nearest.set(serviceId, { from: ciId, through: row.id, depth: row.depth });
      }
    }
  }
  const found = await servicesByIds(db, [...nearest.keys()]);
  const rank = (criticality: string) => CRITICALITIES.indexOf(criticality as Criticality);
  return found
    .map((service) => ({ ...service, ...nearest.get(service.id)! }))
    .sort((a, b) => a.depth - b.depth || rank(b.criticality) - rank(a.criticality) || a.name.localeCompare(b.name));
}

/** The service a ticket on these CIs is about when it names none: the nearest, most critical one they affect. */
export async function serviceOfCis(db: Database, ciIds: string[]): Promise<string | null> {
  return (await servicesImpactedBy(db, ciIds))[0]?.id ?? null;
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
