import { requireStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import { calendars, slas } from '../../../db/schema';
import { calendarFor } from '../../../domain/calendar';
import type { AppEnv } from '../../context';
import { conflict, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { containing, historyHandler, refuseDuplicates, requireCatalogWriter, snapshot } from '../organizations/catalog';
import type * as routes from './calendars.routes';

type CalendarRow = typeof calendars.$inferSelect;

/** What a calendar's history records: everything but its id and timestamps. */
const FIELDS = ['name', 'timeZone', 'week', 'holidays'] as const;

const view = (row: CalendarRow) => ({ id: row.id, ...snapshot(row, FIELDS), createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() });

const taken = (name: string | undefined) => ({ calendars_name_unique: `a calendar named ${name} already exists` });

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const body = c.req.valid('json');
  const row = await refuseDuplicates(taken(body.name), () =>
    c.get('deps').db.transaction(async (tx) => {
      const [inserted] = await tx.insert(calendars).values(body).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'calendar', subjectId: inserted!.id, action: 'created', newValue: snapshot(inserted!, FIELDS) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, q } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) filters.push(gt(calendars.name, after));
  if (q !== undefined) filters.push(containing(calendars.name, q));
  const rows = await c.get('deps').db.select().from(calendars).where(and(...filters)).orderBy(asc(calendars.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (r) => r.name);
  return c.json({ items: items.map(view), nextCursor }, 200);
};

async function calendarRow(db: Database, id: string): Promise<CalendarRow> {
  const [row] = await db.select().from(calendars).where(eq(calendars.id, id));
  if (!row) throw notFound(`no calendar ${id}`);
  return row;
}

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  return c.json(view(await calendarRow(c.get('deps').db, c.req.valid('param').id)), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { id } = c.req.valid('param');
  const patch = c.req.valid('json');
  const row = await refuseDuplicates(taken(patch.name), () =>
    c.get('deps').db.transaction(async (tx) => {
      const [current] = await tx.select().from(calendars).where(eq(calendars.id, id)).for('update');
      if (!current) throw notFound(`no calendar ${id}`);
      const [updated] = await tx
        .update(calendars)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(calendars.id, id))
        .returning();
      await recordHistory(tx, me.email, updateEntries('calendar', id, attributeChanges(current, patch, FIELDS)));
      return updated!;
    }),
  );
  return c.json(view(row), 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    // Locked first: an SLA that names the calendar meanwhile waits, then finds it gone (422), or commits first and is seen here.
    const [current] = await tx.select().from(calendars).where(eq(calendars.id, id)).for('update');
    if (!current) throw notFound(`no calendar ${id}`);
    const using = await tx.select({ id: slas.id, name: slas.name }).from(slas).where(eq(slas.calendarId, id)).orderBy(asc(slas.name));
    if (using.length) {
      const names = using.map((s) => s.name);
      throw conflict(`${current.name} is the calendar of the SLA${names.length === 1 ? '' : 's'} ${names.join(', ')}; give ${names.length === 1 ? 'it' : 'them'} another calendar first`, {
        slas: using,
      });
    }
    await tx.delete(calendars).where(eq(calendars.id, id));
    await recordHistory(tx, me.email, [{ subjectType: 'calendar', subjectId: id, action: 'deleted', oldValue: snapshot(current, FIELDS) }]);
  });
  return c.body(null, 204);
};

export const history = historyHandler('calendar', 'calendar');

export const businessTime: RouteHandler<typeof routes.businessTime, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const row = await calendarRow(c.get('deps').db, c.req.valid('param').id);
  const { from, to, seconds } = c.req.valid('query');
  const calendar = calendarFor({ kind: 'business', ...row });
  const fromMs = Date.parse(from);
  const toMs = to === undefined ? calendar.addBusinessMs(fromMs, seconds! * 1000) : Date.parse(to);
  return c.json({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), businessSeconds: calendar.businessMsBetween(fromMs, toMs) / 1000 }, 200);
};
