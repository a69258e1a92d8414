import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import type { ChangeTemplate } from '../../../db/changeRules';
import type { Database } from '../../../db/client';
import { changeTemplates } from '../../../db/schema';
import type { RISKS } from '../../../domain/change';
import type { AppEnv } from '../../context';
import { requireStaff } from '../../middleware/auth';
import { badRequest, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { containingAny, historyHandler, refuseDuplicates, snapshot } from '../organizations/catalog';
import { requireChangeConfigWriter } from './changeConfiguration';
import type * as routes from './changeTemplates.routes';

type TemplateChanges = Partial<Omit<ChangeTemplate, 'id' | 'createdAt' | 'updatedAt'>>;

/** What a template's history records as attributes. */
const FIELDS = ['name', 'description', 'risk', 'impact', 'urgency', 'implementationPlan', 'backoutPlan', 'maxDurationMinutes', 'active'] as const;

const view = (row: ChangeTemplate) => ({
  id: row.id,
  ...snapshot(row, FIELDS),
  risk: row.risk as (typeof RISKS)[number],
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const taken = ({ name }: { name?: string }) => ({ change_templates_name_unique: `a change template named ${name} already exists` });

/** Applies a change to a template with its history; 404 when there is no such template. */
function changeTemplate(db: Database, actor: string, id: string, patch: TemplateChanges) {
  return refuseDuplicates(taken(patch), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(changeTemplates).where(eq(changeTemplates.id, id)).for('update');
      if (!current) throw notFound(`no change template ${id}`);
      const [row] = await tx
        .update(changeTemplates)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(changeTemplates.id, id))
        .returning();
      await recordHistory(tx, actor, updateEntries('change_template', id, attributeChanges(current, patch, FIELDS)));
      return row!;
    }),
  );
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  const body = c.req.valid('json');
  const row = await refuseDuplicates(taken(body), () =>
    c.get('deps').db.transaction(async (tx) => {
      const [inserted] = await tx.insert(changeTemplates).values(body).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'change_template', subjectId: inserted!.id, action: 'created', newValue: snapshot(inserted!, FIELDS) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

/**
 * A list page ends at a template's id, not its name: a name (up to 120
 * characters of any script) can outgrow a cursor. Templates are deactivated,
 * never deleted, so the id always finds the name to go on from.
 */
const cursorId = z.uuid();

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, q, active } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) {
    if (!cursorId.safeParse(after).success) throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
    filters.push(gt(changeTemplates.name, sql`(select name from ${changeTemplates} where id = ${after})`));
  }
  if (q !== undefined) filters.push(containingAny([changeTemplates.name, changeTemplates.description], q));
  if (active !== undefined) filters.push(eq(changeTemplates.active, active));
  const rows = await c.get('deps').db.select().from(changeTemplates).where(and(...filters)).orderBy(asc(changeTemplates.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (t) => t.id);
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(changeTemplates).where(eq(changeTemplates.id, id));
  if (!row) throw notFound(`no change template ${id}`);
  return c.json(view(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  return c.json(view(await changeTemplate(c.get('deps').db, me.email, c.req.valid('param').id, c.req.valid('json'))), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  return c.json(view(await changeTemplate(c.get('deps').db, me.email, c.req.valid('param').id, { active: false })), 200);
};

export const history = historyHandler('change_template', 'change template');
