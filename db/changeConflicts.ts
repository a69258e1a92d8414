import { and, asc, gt, lt, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './client';
import { freezeWindows } from './schema';
import { CHANGE_FINAL_STATUSES } from '../domain/changeLifecycle';

/**
 * Conflict detection for changes, on the change windows the projection
 * writes: another live change planned over the same time on the same CIs or
 * on CIs one relation away from them, and the freeze windows a change falls
 * into. Assessment asks about one change (findConflicts); the change calendar
 * asks about every change it lists at once (changeCalendar). Both answer from
 * the same queries, so a change's conflicts read the same wherever they show.
 */

/** A change in one of these is over: it conflicts with nothing. Every other status is live. */


export interface ConflictingChange {
  number: string;
  title: string;
  changeType: string;
  status: string;
  plannedStart: Date;
  plannedEnd: Date;
  /** CIs both changes name, in id order. */
  sharedCiIds: string[];
  /** CIs the other change names that are one relation (either direction) from a CI of this one, and not themselves shared; in id order. */
  relatedCiIds: string[];
}

export interface ApplicableFreeze {
  id: string;
  name: string;
  reason: string;
  startsAt: Date;
  endsAt: Date;
}

export interface Conflicts {
  /** By planned start, then number. */
  changes: ConflictingChange[];
  /** By start, then name. */
  freezes: ApplicableFreeze[];
}

/** What a change would touch, and when: its window is half-open, [start, end). */
export interface ChangePlan {
  /** The change itself, never its own conflict; none for a change not yet numbered. */
  number?: string;
  ciIds: readonly string[];
  /** Services the change touches besides those listing one of its CIs (service_cis adds those). */
  serviceIds: readonly string[];
  start: Date;
  end: Date;
}

export interface CalendarChange {
  number: string;
  title: string;
  changeType: string;
  status: string;
  plannedStart: Date;
  plannedEnd: Date;
  /** The CIs the change names, in id order. */
  ciIds: string[];
  /** Live changes in its way (the same answer as findConflicts for it); none for a closed change, which is history. */
  conflicts: ConflictingChange[];
  /** The freeze windows its window falls into (by start, then name): closed changes included, to show what ran during a freeze. */
  freezeIds: string[];
}

export interface CalendarFreeze extends ApplicableFreeze {
  /** Empty lists: the freeze covers everything. */
  serviceIds: string[];
  ciIds: string[];
}

export interface ChangeCalendar {
  /** Changes whose window overlaps the period, live and closed, by planned start then number; at most `limit`. */
  changes: CalendarChange[];
  /** Whether more changes overlap the period than `limit`. */
  truncated: boolean;
  /** Freeze windows overlapping the period, by start then name. */
  freezes: CalendarFreeze[];
}

/**
 * A PostgreSQL array as one bind parameter (drizzle would expand a JS array
 * into a list of them). The values are UUIDs and ticket numbers, which hold
 * no character the array syntax gives a meaning to.
 */
const arrayOf = (values: readonly string[], type: 'uuid' | 'text') => sql`${`{${values.join(',')}}`}::${sql.raw(type)}[]`;

const CLOSED = arrayOf(CHANGE_FINAL_STATUSES, 'text');

/**
 * Whom a search is about, as SQL producing rows: `windows` (subject text,
 * starts timestamptz, ends timestamptz), `cis` (subject, ci_id) and
 * `services` (subject, service_id), the services named besides those that
 * list one of the subject's CIs. A subject is a change number, or '' for a
 * plan not yet numbered (no change has that number).
 */
interface Subjects {
  windows: SQL;
  cis: SQL;
  services: SQL;
}

interface ChangeRow {
  subject: string;
  number: string;
  title: string;
  changeType: string;
  status: string;
  plannedStart: Date | string;
  plannedEnd: Date | string;
  sharedCiIds: string[];
  relatedCiIds: string[];
}

interface FreezeRow {
  subject: string;
  id: string;
  name: string;
  reason: string;
  startsAt: Date | string;
  endsAt: Date | string;
}

/** Rows grouped by subject, each made into what the answer holds (raw rows carry timestamps as strings or dates, by driver), in row order. */
function bySubject<R extends { subject: string }, T>(rows: R[], make: (row: Omit<R, 'subject'>) => T): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const { subject, ...row } of rows) {
    const group = groups.get(subject) ?? [];
    group.push(make(row));
    groups.set(subject, group);
  }
  return groups;
}

/**
 * Each subject's conflicting changes, in one statement whatever the number of
 * subjects and CIs: the CIs a subject names and their direct neighbours
 * through the indexed dependent/provider columns (`near`, a CI marked `own`
 * when the subject names it, even if it is also a neighbour), joined to the
 * CIs of the live changes whose windows overlap the subject's.
 */
async function conflictingChanges(db: Database, subjects: Subjects): Promise<Map<string, ConflictingChange[]>> {
  const rows = rowsOf<ChangeRow>(
    await db.execute(sql`
      with subjects as (${subjects.windows}),
      subject_cis as (${subjects.cis}),
      near as (
        select subject, ci_id, bool_or(own) as own
        from (
          select c.subject, c.ci_id, true as own from subject_cis c
          union all
          select c.subject, r.provider_id, false from subject_cis c join ci_relations r on r.dependent_id = c.ci_id
          union all
          select c.subject, r.dependent_id, false from subject_cis c join ci_relations r on r.provider_id = c.ci_id
        ) reached
        group by subject, ci_id
      )
      select s.subject, w.number, w.title, w.change_type as "changeType", w.status,
             w.planned_start as "plannedStart", w.planned_end as "plannedEnd",
             coalesce(array_agg(tc.ci_id order by tc.ci_id) filter (where n.own), '{}') as "sharedCiIds",
             coalesce(array_agg(tc.ci_id order by tc.ci_id) filter (where not n.own), '{}') as "relatedCiIds"
      from subjects s
      join change_windows w
        on w.number <> s.subject
       and w.status <> all(${CLOSED})
       and w.planned_start < s.ends and w.planned_end > s.starts
      join ticket_cis tc on tc.number = w.number
      join near n on n.subject = s.subject and n.ci_id = tc.ci_id
      group by s.subject, w.number
      order by s.subject, w.planned_start, w.number`),
  );
  return bySubject(rows, ({ plannedStart, plannedEnd, ...change }) => ({ ...change, plannedStart: new Date(plannedStart), plannedEnd: new Date(plannedEnd) }));
}

/**
 * Each subject's freeze windows, in one statement: those overlapping its
 * window that cover everything, name one of its CIs, or name one of its
 * services (those given, and those listing one of its CIs).
 */
async function applicableFreezes(db: Database, subjects: Subjects): Promise<Map<string, ApplicableFreeze[]>> {
  const rows = rowsOf<FreezeRow>(
    await db.execute(sql`
      with subjects as (${subjects.windows}),
      subject_cis as (${subjects.cis}),
      subject_services as (
        ${subjects.services}
        union
        select c.subject, sc.service_id from subject_cis c join service_cis sc on sc.ci_id = c.ci_id
      )
      select s.subject, f.id, f.name, f.reason, f.starts_at as "startsAt", f.ends_at as "endsAt"
      from subjects s
      join freeze_windows f on f.starts_at < s.ends and f.ends_at > s.starts
      where (cardinality(f.service_ids) = 0 and cardinality(f.ci_ids) = 0)
         or exists (select 1 from subject_cis c where c.subject = s.subject and c.ci_id = any(f.ci_ids))
         or exists (select 1 from subject_services v where v.subject = s.subject and v.service_id = any(f.service_ids))
      order by s.subject, f.starts_at, f.name`),
  );
  return bySubject(rows, ({ startsAt, endsAt, ...freeze }) => ({ ...freeze, startsAt: new Date(startsAt), endsAt: new Date(endsAt) }));
}

/**
 * What stands in the way of a planned change: other live changes overlapping
 * [start, end) on the same CIs or on CIs directly related to them, and the
 * freeze windows overlapping it that cover everything, one of its CIs or one
 * of its services. Windows that only touch do not overlap. Two queries,
 * whatever the number of CIs. `ciIds` and `serviceIds` must be UUIDs.
 */
export async function findConflicts(db: Database, plan: ChangePlan): Promise<Conflicts> {
  const subject = plan.number ?? '';
  const subjects: Subjects = {
    windows: sql`select ${subject}::text as subject, ${plan.start.toISOString()}::timestamptz as starts, ${plan.end.toISOString()}::timestamptz as ends`,
    cis: sql`select ${subject}::text as subject, unnest(${arrayOf(plan.ciIds, 'uuid')}) as ci_id`,
    services: sql`select ${subject}::text as subject, unnest(${arrayOf(plan.serviceIds, 'uuid')}) as service_id`,
  };
  const changes = await conflictingChanges(db, subjects);
  const freezes = await applicableFreezes(db, subjects);
  return { changes: changes.get(subject) ?? [], freezes: freezes.get(subject) ?? [] };
}

interface CalendarRow {
  number: string;
  title: string;
  changeType: string;
  status: string;
  plannedStart: Date | string;
  plannedEnd: Date | string;
  ciIds: string[];
}

/**
 * The change calendar of [from, to): the first `limit` change windows
 * overlapping it (live and closed: a calendar shows history too), each with
 * its conflicts and the freezes it falls into, and the freeze windows
 * overlapping the period. Four queries, whatever the number of changes: the
 * changes, their conflicts, their freezes, the period's freezes. A change's
 * services are those listing one of its CIs and the one its ticket names.
 */
export async function changeCalendar(db: Database, { from, to, limit }: { from: Date; to: Date; limit: number }): Promise<ChangeCalendar> {
  const [fromAt, toAt] = [from.toISOString(), to.toISOString()];
  const listed = rowsOf<CalendarRow>(
    await db.execute(sql`
      select w.number, w.title, w.change_type as "changeType", w.status, w.planned_start as "plannedStart", w.planned_end as "plannedEnd",
             array(select tc.ci_id from ticket_cis tc where tc.number = w.number order by tc.ci_id) as "ciIds"
      from change_windows w
      where w.planned_start < ${toAt}::timestamptz and w.planned_end > ${fromAt}::timestamptz
      order by w.planned_start, w.number
      limit ${limit + 1}`),
  );
  const truncated = listed.length > limit;
  const shown = listed.slice(0, limit);
  const numbers = arrayOf(
    shown.map((c) => c.number),
    'text',
  );
  const subjects = (liveOnly: boolean): Subjects => ({
    windows: sql`select w.number as subject, w.planned_start as starts, w.planned_end as ends from change_windows w
                 where w.number = any(${numbers}) ${liveOnly ? sql`and w.status <> all(${CLOSED})` : sql``}`,
    cis: sql`select tc.number as subject, tc.ci_id from ticket_cis tc where tc.number = any(${numbers})`,
    services: sql`select t.number as subject, t.service_id from tickets t where t.number = any(${numbers}) and t.service_id is not null`,
  });
  const conflicts = shown.length ? await conflictingChanges(db, subjects(true)) : new Map<string, ConflictingChange[]>();
  const freezesOf = shown.length ? await applicableFreezes(db, subjects(false)) : new Map<string, ApplicableFreeze[]>();
  const { id, name, reason, startsAt, endsAt, serviceIds, ciIds } = freezeWindows;
  const freezes = await db
    .select({ id, name, reason, startsAt, endsAt, serviceIds, ciIds })
    .from(freezeWindows)
    .where(and(lt(startsAt, to), gt(endsAt, from)))
    .orderBy(asc(startsAt), asc(name));
  return {
    changes: shown.map(({ plannedStart, plannedEnd, ...change }) => ({
      ...change,
      plannedStart: new Date(plannedStart),
      plannedEnd: new Date(plannedEnd),
      conflicts: conflicts.get(change.number) ?? [],
      freezeIds: (freezesOf.get(change.number) ?? []).map((f) => f.id),
    })),
    truncated,
    freezes,
  };
}
