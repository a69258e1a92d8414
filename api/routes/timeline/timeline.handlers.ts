import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { cis, cmdbHistory, services } from '../../../db/schema';
import { timelineOf, type TimelineCursor } from '../../../db/timeline';
import type { AppEnv } from '../../context';
import { isStaff } from '../../middleware/auth';
import { forbidden, notFound } from '../../problem';
import { instantCursor, instantCursorOf } from '../../schemas';
import type * as routes from './timeline.routes';

type Subject = 'ci' | 'service';

const SUBJECTS = {
  ci: { name: 'configuration item', exists: (db: Database, id: string) => db.select({ id: cis.id }).from(cis).where(eq(cis.id, id)) },
  service: { name: 'service', exists: (db: Database, id: string) => db.select({ id: services.id }).from(services).where(eq(services.id, id)) },
} satisfies Record<Subject, unknown>;

/** A subject exists, or once existed: a deleted CI's story stays readable from its history. */
async function known(db: Database, subject: Subject, id: string): Promise<boolean> {
  if ((await SUBJECTS[subject].exists(db, id)).length > 0) return true;
  const trace = await db
    .select({ id: cmdbHistory.id })
    .from(cmdbHistory)
    .where(and(eq(cmdbHistory.subjectType, subject), eq(cmdbHistory.subjectId, id)))
    .limit(1);
  return trace.length > 0;
}

/** Cursors are the microseconds and the key of the last entry given. */
function decode(cursor: string | undefined): TimelineCursor | null {
  const after = instantCursor(cursor, /[ht].+/);
  return after && { atMicros: after.micros, key: after.key };
}

function timeline(subject: Subject): RouteHandler<typeof routes.ciTimeline | typeof routes.serviceTimeline, AppEnv> {
  const { name } = SUBJECTS[subject];
  return async (c) => {
    if (!isStaff(c.get('user'))) throw forbidden(`the timeline of a ${name} is for staff`);
    const { db } = c.get('deps');
    const { id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const before = decode(cursor);
    if (!(await known(db, subject, id))) throw notFound(`no ${name} ${id}`);
    const rows = await timelineOf(db, subject, id, { limit, before });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map(({ cursor: _cursor, key: _key, at, ...entry }) => ({ at: at.toISOString(), ...entry })),
        nextCursor: rows.length > limit && last ? instantCursorOf(last.cursor.atMicros, last.cursor.key) : null,
      },
      200,
    );
  };
}

export const ciTimeline = timeline('ci');
export const serviceTimeline = timeline('service');
