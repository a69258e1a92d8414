import { requireStaff, isStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import { rowsOf, type Database } from '../../../db/client';
import { contracts, organizations } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { conflict, forbidden, notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import {
  containingAny,
  historyHandler,
  ORGANIZATION,
  refuseDuplicates,
  requireCatalogWriter,
  requireReferences,
  snapshot,
} from './catalog';
import type * as routes from './organizations.routes';

type OrganizationRow = typeof organizations.$inferSelect;
type OrganizationChanges = Partial<Pick<OrganizationRow, 'name' | 'code' | 'description' | 'parentId' | 'active'>>;

const FIELDS = ['name', 'code', 'description', 'parentId', 'active'] as const;

const view = (row: OrganizationRow) => ({
  id: row.id,
  ...snapshot(row, FIELDS),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const taken = ({ name, code }: { name?: string; code?: string | null }) => ({
  organizations_name_unique: `an organization named ${name} already exists`,
  organizations_code_unique: `an organization with code ${code} already exists`,
});

/** Serialises changes of parent, so two moves that each look fine alone cannot close a loop together. */
const HIERARCHY_LOCK = 7_402_120;
const lockHierarchy = (tx: Database) => tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(HIERARCHY_LOCK))})`);

/** Refuses `parentId` as the parent of `id` when it is `id` itself or below it (walks up from the parent; existing loops end the walk). */
async function refuseLoop(tx: Database, id: string, parentId: string) {
  const rows = await tx.execute(sql`
    with recursive above(id, parent_id) as (
      select id, parent_id from ${organizations} where id = ${parentId}
      union
      select o.id, o.parent_id from ${organizations} o join above on o.id = above.parent_id
    )
    select 1 from above where id = ${id} limit 1`);
  if (rowsOf(rows).length > 0) throw unprocessable('parentId', `${parentId} is this organization or one of its sub-organizations: that would make a loop`);
}

/** Deactivating would leave active sub-organizations or active contracts under an inactive organization. */
async function refuseDeactivation(tx: Database, current: OrganizationRow) {
  const children = await tx
    .select({ name: organizations.name })
    .from(organizations)
    .where(and(eq(organizations.parentId, current.id), eq(organizations.active, true)))
    .orderBy(asc(organizations.name));
  const contracted = await tx
    .select({ name: contracts.name })
    .from(contracts)
    .where(and(eq(contracts.organizationId, current.id), eq(contracts.active, true)))
    .orderBy(asc(contracts.name));
  if (children.length === 0 && contracted.length === 0) return;
  const subOrganizations = children.map((c) => c.name);
  const activeContracts = contracted.map((c) => c.name);
  const what = [
    ...(subOrganizations.length ? [`active sub-organizations (${subOrganizations.join(', ')})`] : []),
    ...(activeContracts.length ? [`active contracts (${activeContracts.join(', ')})`] : []),
  ];
  throw conflict(`${current.name} still has ${what.join(' and ')}; deactivate them first`, { subOrganizations, contracts: activeContracts });
}

/** Applies a change to an organization with its history; 404 when there is no such organization. */
async function changeOrganization(db: Database, actor: string, id: string, patch: OrganizationChanges) {
  return refuseDuplicates(taken(patch), () =>
    db.transaction(async (tx) => {
      if (patch.parentId) await lockHierarchy(tx);
      const [current] = await tx.select().from(organizations).where(eq(organizations.id, id)).for('update');
      if (!current) throw notFound(`no organization ${id}`);
      const next = { ...current, ...patch };
      if (patch.parentId && patch.parentId !== current.parentId) await refuseLoop(tx, id, patch.parentId);
      // An active organization sits under an active parent: a new parent, or a reactivation, checks it.
      if (next.active && next.parentId && (next.parentId !== current.parentId || !current.active)) {
        await requireReferences(tx, ORGANIZATION, next.parentId, 'parentId');
      } else if (!next.active && patch.parentId && patch.parentId !== current.parentId) {
        // A deactivated organization may sit under a deactivated parent, but under one that exists.
        const [parent] = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, patch.parentId)).for('key share');
        if (!parent) throw unprocessable('parentId', `no organization ${patch.parentId}`);
      }
      if (current.active && !next.active) await refuseDeactivation(tx, current);
      const [row] = await tx
        .update(organizations)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(organizations.id, id))
        .returning();
      await recordHistory(tx, actor, updateEntries('organization', id, attributeChanges(current, patch, FIELDS)));
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
      if (body.parentId) await requireReferences(tx, ORGANIZATION, body.parentId, 'parentId');
      const [inserted] = await tx.insert(organizations).values(body).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'organization', subjectId: inserted!.id, action: 'created', newValue: snapshot(inserted!, FIELDS) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, q, active } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) filters.push(gt(organizations.name, after));
  if (q !== undefined) filters.push(containingAny([organizations.name, organizations.code], q));
  if (active !== undefined) filters.push(eq(organizations.active, active));
  const rows = await c.get('deps').db.select().from(organizations).where(and(...filters)).orderBy(asc(organizations.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (o) => o.name);
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const me = c.get('user');
  const { id } = c.req.valid('param');
  // Anyone may read the organization they belong to: the portal shows it.
  if (!isStaff(me) && me.organizationId !== id) throw forbidden('you may read only your own organization');
  const [row] = await c.get('deps').db.select().from(organizations).where(eq(organizations.id, id));
  if (!row) throw notFound(`no organization ${id}`);
  return c.json(view(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(view(await changeOrganization(c.get('deps').db, me.email, c.req.valid('param').id, c.req.valid('json'))), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(view(await changeOrganization(c.get('deps').db, me.email, c.req.valid('param').id, { active: false })), 200);
};

export const history = historyHandler('organization', 'organization');
