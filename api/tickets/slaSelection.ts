import { and, desc, eq, gte, isNull, lte, or, sql } from 'drizzle-orm';
import type { CalendarSpec } from '../../domain/calendar';
import type { SlaPolicy } from '../../domain/sla';
import type { Database } from '../../db/client';
import { calendars, contracts, contractServices, services, slas } from '../../db/schema';
import { unprocessable } from '../problem';

/** The calendar an SLA counts on, as the plain data a ticket carries. */
async function calendarSpec(db: Database, calendarId: string | null): Promise<CalendarSpec> {
  if (calendarId === null) return { kind: '24x7' };
  const [row] = await db.select().from(calendars).where(eq(calendars.id, calendarId));
  if (!row) throw new Error(`calendar ${calendarId} of an SLA is gone`);
  return { kind: 'business', id: row.id, name: row.name, timeZone: row.timeZone, week: row.week, holidays: row.holidays };
}

export interface SlaChoice {
  /** What the ticket asked for: an SLA by id (agents only), and the facts the rule reads. */
  slaId?: string;
  organizationId: string | null;
  serviceId: string | null;
}

/**
 * The SLA of a new ticket, by rule: the one named; else the SLA of an active,
 * current customer contract of the caller's organization that covers the
 * ticket's service (the latest started, if several); else the service's own;
 * else the default. A rule that points at a deactivated SLA is passed over.
 */
async function chooseSla(db: Database, { slaId, organizationId, serviceId }: SlaChoice): Promise<string | null> {
  if (slaId) return slaId;
  if (serviceId && organizationId) {
    const today = sql`current_date`;
    const [contract] = await db
      .select({ slaId: contracts.slaId })
      .from(contracts)
      .innerJoin(contractServices, eq(contractServices.contractId, contracts.id))
      .innerJoin(slas, eq(slas.id, contracts.slaId))
      .where(
        and(
          eq(contracts.kind, 'customer'),
          eq(contracts.active, true),
          eq(contracts.organizationId, organizationId),
          eq(contractServices.serviceId, serviceId),
          lte(contracts.startsOn, today),
          or(isNull(contracts.endsOn), gte(contracts.endsOn, today)),
          eq(slas.active, true),
        ),
      )
      .orderBy(desc(contracts.startsOn), contracts.name)
      .limit(1);
    if (contract?.slaId) return contract.slaId;
  }
  if (serviceId) {
    const [service] = await db
      .select({ slaId: services.slaId })
      .from(services)
      .innerJoin(slas, eq(slas.id, services.slaId))
      .where(and(eq(services.id, serviceId), eq(slas.active, true)));
    if (service?.slaId) return service.slaId;
  }
  const [fallback] = await db.select({ id: slas.id }).from(slas).where(eq(slas.isDefault, true));
  return fallback?.id ?? null;
}

/** The SLA a new ticket runs on, as a snapshot: later edits to the SLA or its calendar never rewrite running clocks. */
export async function slaPolicy(db: Database, choice: SlaChoice): Promise<SlaPolicy> {
  const chosen = await chooseSla(db, choice);
  if (!chosen) throw unprocessable('slaId', 'no default SLA is configured; name one');
  const [row] = await db.select().from(slas).where(eq(slas.id, chosen));
  if (!row) throw unprocessable('slaId', `no SLA ${chosen}`);
  if (!row.active) throw unprocessable('slaId', `SLA ${row.name} is deactivated`);
  return { id: row.id, name: row.name, targets: row.targets, warnAtPercent: row.warnAtPercent, calendar: await calendarSpec(db, row.calendarId) };
}
