import { sql, type SQL } from 'drizzle-orm';
import type { HistorySubject } from '../domain/cmdb';
import { rowsOf, type Database } from './client';
import { microsOf } from './keyset';
import { cmdbHistory, ticketCis, ticketEvents, tickets } from './schema';

/** The moments of a ticket's life a configuration item's or service's timeline shows. */
const MILESTONES = ['created', 'resolved', 'reopened', 'closed', 'auto_closed', 'cancelled', 'sla_breached'];

/** Where a page ends: microseconds, as stored, so entries within one millisecond are neither skipped nor repeated. */
export interface TimelineCursor {
  atMicros: string;
  key: string;
}

export interface TimelineEntry {
  at: Date;
  cursor: TimelineCursor;
  /** A configuration change, or a milestone of a ticket that names the subject. */
  source: 'configuration' | 'ticket';
  /** Unique within a timeline. */
  key: string;
  actor: string;
  action: string;
  attribute: string | null;
  oldValue: unknown;
  newValue: unknown;
  ticket: { number: string; type: string; title: string; status: string; priority: number } | null;
}

interface Row {
  at: Date | string;
  at_us: string | number | bigint;
  source: 'configuration' | 'ticket';
  key: string;
  actor: string;
  action: string;
  attribute: string | null;
  old_value: unknown;
  new_value: unknown;
  number: string | null;
  type: string | null;
  title: string | null;
  status: string | null;
  priority: number | null;
}

/** Which tickets a subject's timeline shows: those naming the CI, or those about the service. */
function ticketsOf(subjectType: HistorySubject, subjectId: string): SQL {
  if (subjectType === 'ci') return sql`select ${ticketCis.number} as number from ${ticketCis} where ${ticketCis.ciId} = ${subjectId}`;
  return sql`select ${tickets.number} as number from ${tickets} where ${tickets.serviceId} = ${subjectId}`;
}

/**
 * A CI's or a service's story, newest first: every change to its
 * configuration and the milestones of the tickets about it (incidents today,
 * changes and problems as they name CIs), in one query keyed on (at, key).
 */
export async function timelineOf(
  db: Database,
  subjectType: 'ci' | 'service',
  subjectId: string,
  { limit, before }: { limit: number; before: TimelineCursor | null },
): Promise<TimelineEntry[]> {
  const page = before === null ? sql`true` : sql`(at_us::bigint, key) < (${before.atMicros}::bigint, ${before.key})`;
  const rows = rowsOf<Row>(
    await db.execute(sql`
      select * from (
        select h.at, ${microsOf(sql`h.at`)} as at_us, 'configuration' as source, 'h' || lpad(h.id::text, 20, '0') as key, h.actor, h.action, h.attribute,
               h.old_value, h.new_value, null as number, null as type, null as title, null as status, null::int as priority
          from ${cmdbHistory} h
         where h.subject_type = ${subjectType} and h.subject_id = ${subjectId}
        union all
        select e.at, ${microsOf(sql`e.at`)}, 'ticket', 't' || e.id, e.actor, e.kind, null, null, null, t.number, t.type, t.title, t.status, t.priority
          from ${ticketEvents} e
          join ${tickets} t on t.number = e.number
         where e.number in (${ticketsOf(subjectType, subjectId)})
           and e.kind in (${sql.join(
             MILESTONES.map((m) => sql`${m}`),
             sql`, `,
           )})
      ) entries
      where ${page}
      order by at_us::bigint desc, key desc
      limit ${limit + 1}`),
  );
  return rows.map((r) => ({
    at: new Date(r.at),
    cursor: { atMicros: String(r.at_us), key: r.key },
    source: r.source,
    key: r.key,
    actor: r.actor,
    action: r.action,
    attribute: r.attribute,
    oldValue: r.old_value,
    newValue: r.new_value,
    ticket: r.number === null ? null : { number: r.number, type: r.type!, title: r.title!, status: r.status!, priority: Number(r.priority) },
  }));
}
