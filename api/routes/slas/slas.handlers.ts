import { requireStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { calendars, slas } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { conflict, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { requireCatalogWriter, requireReferences } from '../organizations/catalog';
import type * as routes from './slas.routes';

type SlaRow = typeof slas.$inferSelect;
const view = ({ id, name, targets, warnAtPercent, calendarId, isDefault, active }: SlaRow) => ({ id, name, targets, warnAtPercent, calendarId, isDefault, active });

/**
 * Serialises changes to SLAs, so that moving the default flag never meets
 * another move half-way (one default, always) and a deactivation never meets
 * a promotion of the same SLA.
 */
const SLAS_LOCK = 7_402_116;
const lockSlas = (tx: Database) => tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(SLAS_LOCK))})`);

/** Calendars an SLA may name: any that exists (a calendar is never deactivated, only deleted once unused). */
const CALENDAR = { table: calendars, key: calendars.id, noun: 'calendar' };

const UNIQUE_VIOLATION = '23505';
function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** A name already taken is a conflict, whichever request got there first. */
async function nameTaken<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && sqlState(error) === UNIQUE_VIOLATION) throw conflict(`an SLA named ${name} already exists`);
    throw error;
  }
}

/** Applies a change to an SLA under the SLA lock; null when there is no such SLA. */
async function changeSla(db: Database, id: string, patch: Partial<Pick<SlaRow, 'name' | 'targets' | 'warnAtPercent' | 'calendarId' | 'isDefault' | 'active'>>) {
  return nameTaken(patch.name, () =>
    db.transaction(async (tx) => {
      await lockSlas(tx);
      const [current] = await tx.select().from(slas).where(eq(slas.id, id));
      if (!current) return null;
      const next = { ...current, ...patch };
      if (current.isDefault && !next.isDefault) {
        throw conflict(`${current.name} is the default SLA; make another SLA the default first`);
      }
      if (current.isDefault && !next.active) {
        throw conflict(`${current.name} is the default SLA and cannot be deactivated; make another SLA the default first`);
      }
      if (next.isDefault && !next.active) throw conflict(`${current.name} is deactivated; reactivate it (active: true) to make it the default`);
      if (patch.calendarId) await requireReferences(tx, CALENDAR, patch.calendarId, 'calendarId');
      if (patch.name !== undefined) {
        const [taken] = await tx.select({ id: slas.id }).from(slas).where(and(eq(slas.name, patch.name), ne(slas.id, id)));
        if (taken) throw conflict(`an SLA named ${patch.name} already exists`);
      }
      // Moving the default: the old one is demoted in the same transaction, so there is always exactly one.
      if (next.isDefault && !current.isDefault) await tx.update(slas).set({ isDefault: false }).where(eq(slas.isDefault, true));
      const [row] = await tx.update(slas).set(patch).where(eq(slas.id, id)).returning();
      return row!;
    }),
  );
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireCatalogWriter(c.get('user'));
  const body = c.req.valid('json');
  const row = await c.get('deps').db.transaction(async (tx) => {
    await lockSlas(tx);
    if (body.calendarId) await requireReferences(tx, CALENDAR, body.calendarId, 'calendarId');
    // One default at a time: naming a new default demotes the old one.
    if (body.isDefault) await tx.update(slas).set({ isDefault: false }).where(eq(slas.isDefault, true));
    const [inserted] = await tx.insert(slas).values(body).onConflictDoNothing().returning();
    if (!inserted) throw conflict(`an SLA named ${body.name} already exists`);
    return inserted;
  });
  return c.json(view(row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, active } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) filters.push(gt(slas.name, after));
  if (active !== undefined) filters.push(eq(slas.active, active));
  const rows = await c.get('deps').db.select().from(slas).where(and(...filters)).orderBy(asc(slas.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (s) => s.name);
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(slas).where(eq(slas.id, id));
  if (!row) throw notFound(`no SLA ${id}`);
  return c.json(view(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  requireCatalogWriter(c.get('user'));
  const { id } = c.req.valid('param');
  const row = await changeSla(c.get('deps').db, id, c.req.valid('json'));
  if (!row) throw notFound(`no SLA ${id}`);
  return c.json(view(row), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  requireCatalogWriter(c.get('user'));
  const { id } = c.req.valid('param');
  const row = await changeSla(c.get('deps').db, id, { active: false });
  if (!row) throw notFound(`no SLA ${id}`);
  return c.json(view(row), 200);
};
