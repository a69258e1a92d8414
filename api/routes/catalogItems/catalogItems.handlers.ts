import type { RouteHandler } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import type { User } from '../../../db/people';
import { catalogItems, teams } from '../../../db/schema';
import type { ApprovalLevel, TaskOrder, TaskTemplate } from '../../../domain/catalog';
import { definitionProblems } from '../../../domain/catalogForm';
import type { AppEnv } from '../../context';
import { isStaff, requireRole } from '../../middleware/auth';
import { badRequest, notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { containingAny, historyHandler, refuseDuplicates, requireReferences, SLA } from '../organizations/catalog';
import type * as routes from './catalogItems.routes';

type CatalogItemRow = typeof catalogItems.$inferSelect;
type ItemFields = ReturnType<typeof fieldsOf>;
type ItemChanges = Partial<ItemFields>;

/** Catalog managers (and admins) keep the catalog. */
const requireCatalogWriter = (user: User) => requireRole(user, 'catalog_manager');

/** What an item's history records as attributes. */
const FIELDS = ['name', 'category', 'description', 'form', 'approvals', 'costField', 'price', 'tasks', 'taskOrder', 'slaId', 'active'] as const;
const DEFINITION = ['form', 'approvals', 'costField', 'price', 'tasks', 'taskOrder'] as const;

/** A row as the domain types it: the price a number (numeric columns read as text). */
const fieldsOf = (row: CatalogItemRow) => ({
  name: row.name,
  category: row.category,
  description: row.description,
  form: row.form,
  approvals: row.approvals,
  costField: row.costField,
  price: row.price === null ? null : Number(row.price),
  tasks: row.tasks,
  taskOrder: row.taskOrder as TaskOrder,
  slaId: row.slaId,
  active: row.active,
});

/** The column values of some fields: a price is written as numeric text. */
const columnsOf = <T extends { price?: number | null }>({ price, ...rest }: T) => ({ ...rest, ...(price !== undefined && { price: price === null ? null : String(price) }) });

/**
 * A value with every object's keys in order: jsonb gives back an object's
 * keys in its own order, so a form sent again unchanged would otherwise
 * compare as changed and write a history row.
 */
function canonical<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonical) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    ) as T;
  }
  return value;
}

const entryView = (row: CatalogItemRow) => {
  const { name, category, description, form, price } = fieldsOf(row);
  return { id: row.id, name, category, description, form, price };
};
const itemView = (row: CatalogItemRow) => ({ id: row.id, ...fieldsOf(row), createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() });
/** Staff see the whole item; end users what they need to order it. */
const viewFor = (user: User) => (isStaff(user) ? itemView : entryView);

const taken = ({ name }: { name?: string }) => ({ catalog_items_name_unique: `a catalog item named ${name} already exists` });

/**
 * Every team the levels and tasks name exists, else 422 naming where
 * (approvals.0.approver.team, tasks.2.team); checked in one query, the rows
 * key-share locked so none is deleted before the write commits.
 */
async function requireTeams(db: Database, approvals: readonly ApprovalLevel[], tasks: readonly TaskTemplate[]) {
  const named = [
    ...approvals.flatMap((level, i) => (level.approver.kind === 'team' ? [{ team: level.approver.team, field: `approvals.${i}.approver.team` }] : [])),
    ...tasks.map((task, i) => ({ team: task.team, field: `tasks.${i}.team` })),
  ];
  if (named.length === 0) return;
  const rows = await db
    .select({ name: teams.name })
    .from(teams)
    .where(inArray(teams.name, [...new Set(named.map((n) => n.team))]))
    .for('key share');
  const found = new Set(rows.map((r) => r.name));
  const missing = named.find((n) => !found.has(n.team));
  if (missing) throw unprocessable(missing.field, `no team ${missing.team}`);
}

/** Checks what a write newly points at: teams of the levels and tasks it sends, an active SLA. */
async function checkReferences(db: Database, changes: ItemChanges) {
  await requireTeams(db, changes.approvals ?? [], changes.tasks ?? []);
  if (changes.slaId) await requireReferences(db, SLA, changes.slaId, 'slaId');
}

/**
 * Applies a change to an item with its history; 404 when there is no such
 * item. The definition is checked whole (a new form against the kept cost
 * field, new tasks against the kept order): 400 naming each field.
 */
function changeItem(db: Database, actor: string, id: string, changes: ItemChanges) {
  return refuseDuplicates(taken(changes), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(catalogItems).where(eq(catalogItems.id, id)).for('update');
      if (!current) throw notFound(`no catalog item ${id}`);
      const before = fieldsOf(current);
      if (DEFINITION.some((part) => part in changes)) {
        const problems = definitionProblems({ ...before, ...changes });
        const errors = problems.map((p) => ({ field: p.path.join('.'), message: p.message }));
        if (errors.length) throw badRequest(`invalid definition: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
      }
      await checkReferences(tx, changes);
      const [row] = await tx
        .update(catalogItems)
        .set({ ...columnsOf(changes), updatedAt: sql`now()` })
        .where(eq(catalogItems.id, id))
        .returning();
      await recordHistory(tx, actor, updateEntries('catalog_item', id, attributeChanges(canonical(before), canonical(changes), FIELDS)));
      return row!;
    }),
  );
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const body = c.req.valid('json');
  const row = await refuseDuplicates(taken(body), () =>
    c.get('deps').db.transaction(async (tx) => {
      await checkReferences(tx, body);
      const [inserted] = await tx.insert(catalogItems).values(columnsOf(body)).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'catalog_item', subjectId: inserted!.id, action: 'created', newValue: canonical(fieldsOf(inserted!)) }]);
      return inserted!;
    }),
  );
  return c.json(itemView(row), 201);
};

/**
 * A list page ends at an item's id, not its name: a name (up to 120
 * characters of any script) can outgrow a cursor. Items are deactivated,
 * never deleted, so the id always finds the name to go on from.
 */
const cursorId = z.uuid();

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const me = c.get('user');
  const { limit, cursor, q, category, active } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) {
    if (!cursorId.safeParse(after).success) throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
    filters.push(gt(catalogItems.name, sql`(select name from ${catalogItems} where id = ${after})`));
  }
  if (q !== undefined) filters.push(containingAny([catalogItems.name, catalogItems.category, catalogItems.description], q));
  if (category !== undefined) filters.push(eq(catalogItems.category, category));
  // Only staff see deactivated items: end users order from what is offered.
  if (!isStaff(me)) filters.push(eq(catalogItems.active, true));
  if (active !== undefined) filters.push(eq(catalogItems.active, active));
  const rows = await c.get('deps').db.select().from(catalogItems).where(and(...filters)).orderBy(asc(catalogItems.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (item) => item.id);
  return c.json({ items: items.map(viewFor(me)), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const me = c.get('user');
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(catalogItems).where(eq(catalogItems.id, id));
  // A deactivated item is none to an end user: nothing they may order.
  if (!row || (!row.active && !isStaff(me))) throw notFound(`no catalog item ${id}`);
  return c.json(viewFor(me)(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(itemView(await changeItem(c.get('deps').db, me.email, c.req.valid('param').id, c.req.valid('json'))), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(itemView(await changeItem(c.get('deps').db, me.email, c.req.valid('param').id, { active: false })), 200);
};

export const history = historyHandler('catalog_item', 'catalog item');
