import { requireStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import { contacts } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { badRequest, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import {
  changedFrom,
  containingAny,
  historyHandler,
  ORGANIZATION,
  refuseDuplicates,
  requireCatalogWriter,
  requireReferences,
  snapshot,
  USER,
} from '../organizations/catalog';
import type * as routes from './contacts.routes';

type ContactRow = typeof contacts.$inferSelect;
type ContactChanges = Partial<Pick<ContactRow, 'name' | 'email' | 'phone' | 'function' | 'organizationId' | 'userId' | 'active'>>;

const FIELDS = ['name', 'email', 'phone', 'function', 'organizationId', 'userId', 'active'] as const;

const view = (row: ContactRow) => ({
  id: row.id,
  ...snapshot(row, FIELDS),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const taken = ({ email, userId }: { email?: string | null; userId?: string | null }) => ({
  contacts_email_unique: `a contact with email ${email} already exists`,
  contacts_user_id_unique: `user ${userId} is already linked to another contact`,
});

/** Checks what a write newly points at: an active organization, an active user. */
async function checkReferences(tx: Database, next: { organizationId?: string; userId?: string | null }) {
  if (next.organizationId !== undefined) await requireReferences(tx, ORGANIZATION, next.organizationId, 'organizationId');
  if (next.userId) await requireReferences(tx, USER, next.userId, 'userId');
}

/** Names are not unique: pages are keyed on (name, id), carried in the cursor as a JSON pair. */
function afterKey(cursor: string | undefined): [string, string] | null {
  const after = cursorAfter(cursor, 'string');
  if (after === null) return null;
  try {
    const key: unknown = JSON.parse(after);
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')) return key as [string, string];
  } catch {
    // Falls through to the 400 below.
  }
  throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const body = c.req.valid('json');
  const row = await refuseDuplicates(taken(body), () =>
    c.get('deps').db.transaction(async (tx) => {
      await checkReferences(tx, body);
      const [inserted] = await tx.insert(contacts).values(body).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'contact', subjectId: inserted!.id, action: 'created', newValue: snapshot(inserted!, FIELDS) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, organizationId, q, active } = c.req.valid('query');
  const after = afterKey(cursor);
  const filters: SQL[] = [];
  if (after !== null) filters.push(sql`(${contacts.name}, ${contacts.id}) > (${after[0]}, ${after[1]}::uuid)`);
  if (organizationId !== undefined) filters.push(eq(contacts.organizationId, organizationId));
  if (q !== undefined) filters.push(containingAny([contacts.name, contacts.email], q));
  if (active !== undefined) filters.push(eq(contacts.active, active));
  const rows = await c.get('deps').db.select().from(contacts).where(and(...filters)).orderBy(asc(contacts.name), asc(contacts.id)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (r) => JSON.stringify([r.name, r.id]));
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(contacts).where(eq(contacts.id, id));
  if (!row) throw notFound(`no contact ${id}`);
  return c.json(view(row), 200);
};

/** Applies a change to a contact with its history; 404 when there is no such contact. */
async function changeContact(db: Database, actor: string, id: string, patch: ContactChanges) {
  return refuseDuplicates(taken(patch), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(contacts).where(eq(contacts.id, id)).for('update');
      if (!current) throw notFound(`no contact ${id}`);
      // Only what changes is checked: a deactivated organization still holds the contacts it had.
      await checkReferences(tx, changedFrom(current, patch));
      const [row] = await tx
        .update(contacts)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(contacts.id, id))
        .returning();
      await recordHistory(tx, actor, updateEntries('contact', id, attributeChanges(current, patch, FIELDS)));
      return row!;
    }),
  );
}

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(view(await changeContact(c.get('deps').db, me.email, c.req.valid('param').id, c.req.valid('json'))), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(view(await changeContact(c.get('deps').db, me.email, c.req.valid('param').id, { active: false })), 200);
};

export const history = historyHandler('contact', 'contact');
