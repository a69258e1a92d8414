import type { RouteHandler } from '@hono/zod-openapi';
import { asc, eq, gt } from 'drizzle-orm';
import { slas } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { isStaff, requireRole } from '../../middleware/auth';
import { conflict, forbidden, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import type * as routes from './slas.routes';

const view = ({ id, name, targets, warnAtPercent, calendar, isDefault }: typeof slas.$inferSelect) => ({ id, name, targets, warnAtPercent, calendar, isDefault });

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const body = c.req.valid('json');
  const row = await c.get('deps').db.transaction(async (tx) => {
    // One default at a time: naming a new default demotes the old one.
    if (body.isDefault) await tx.update(slas).set({ isDefault: false }).where(eq(slas.isDefault, true));
    const [inserted] = await tx.insert(slas).values({ ...body, calendar: { kind: '24x7' } }).onConflictDoNothing().returning();
    if (!inserted) throw conflict(`an SLA named ${body.name} already exists`);
    return inserted;
  });
  return c.json(view(row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  if (!isStaff(c.get('user'))) throw forbidden();
  const { limit, cursor } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const rows = await c.get('deps').db.select().from(slas).where(after === null ? undefined : gt(slas.name, after)).orderBy(asc(slas.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (s) => s.name);
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  if (!isStaff(c.get('user'))) throw forbidden();
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(slas).where(eq(slas.id, id));
  if (!row) throw notFound(`no SLA ${id}`);
  return c.json(view(row), 200);
};
