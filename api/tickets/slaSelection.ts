import { eq } from 'drizzle-orm';
import type { CalendarSpec } from '../../domain/calendar';
import type { SlaPolicy } from '../../domain/sla';
import type { Database } from '../../db/client';
import { calendars, slas } from '../../db/schema';
import { unprocessable } from '../problem';

/** The calendar an SLA counts on, as the plain data a ticket carries. */
async function calendarSpec(db: Database, calendarId: string | null): Promise<CalendarSpec> {
  if (calendarId === null) return { kind: '24x7' };
  const [row] = await db.select().from(calendars).where(eq(calendars.id, calendarId));
  if (!row) throw new Error(`calendar ${calendarId} of an SLA is gone`);
  return { kind: 'business', id: row.id, name: row.name, timeZone: row.timeZone, week: row.week, holidays: row.holidays };
}

/** The SLA a new ticket runs on: the one named, else the default; a snapshot, so later edits never rewrite running clocks. */
export async function slaPolicy(db: Database, slaId: string | undefined): Promise<SlaPolicy> {
  const [row] = await db
    .select()
    .from(slas)
    .where(slaId ? eq(slas.id, slaId) : eq(slas.isDefault, true));
  if (!row) throw slaId ? unprocessable('slaId', `no SLA ${slaId}`) : unprocessable('slaId', 'no default SLA is configured; name one');
  if (!row.active) throw unprocessable('slaId', `SLA ${row.name} is deactivated`);
  return { id: row.id, name: row.name, targets: row.targets, warnAtPercent: row.warnAtPercent, calendar: await calendarSpec(db, row.calendarId) };
}
