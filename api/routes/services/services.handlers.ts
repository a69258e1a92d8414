import { requireStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries, type HistoryEntry } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import { cis, contracts, contractServices, serviceCis, services, tickets } from '../../../db/schema';
import type { CiClass, CiStatus, Criticality } from '../../../domain/cmdb';
import type { AppEnv } from '../../context';
import { conflict, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import {
  changedFrom,
  CI,
  containingAny,
  contractIsCurrent,
  historyHandler,
  linksOf,
  ORGANIZATION,
  refuseDuplicates,
  replaceLinks,
  requireCatalogWriter,
  requireReferences,
  SLA,
  snapshot,
  TEAM,
  type LinkTable,
} from '../organizations/catalog';
import type * as routes from './services.routes';
import type { SERVICE_STATUSES } from './services.routes';

type ServiceRow = typeof services.$inferSelect;
type ServiceFields = Partial<Pick<ServiceRow, 'name' | 'description' | 'criticality' | 'status' | 'organizationId' | 'supportTeam' | 'slaId'>>;

const FIELDS = ['name', 'description', 'criticality', 'status', 'organizationId', 'supportTeam', 'slaId'] as const;

const CI_LINKS: LinkTable<typeof serviceCis> = {
  table: serviceCis,
  owner: serviceCis.serviceId,
  key: serviceCis.ciId,
  row: (serviceId, ciId) => ({ serviceId, ciId }),
  subject: 'service',
  attribute: 'ci',
};

const summary = (row: ServiceRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  criticality: row.criticality as Criticality,
  status: row.status as (typeof SERVICE_STATUSES)[number],
  organizationId: row.organizationId,
});

/** The whole service, as staff see it: its CIs and the customer contracts covering it, by name. */
async function detailed(db: Database, row: ServiceRow) {
  const delivering = await db
    .select({ id: cis.id, name: cis.name, class: cis.class, status: cis.status })
    .from(serviceCis)
    .innerJoin(cis, eq(cis.id, serviceCis.ciId))
    .where(eq(serviceCis.serviceId, row.id))
    .orderBy(asc(cis.name), asc(cis.id));
  const covering = await db
    .select({ id: contracts.id, name: contracts.name, organizationId: contracts.organizationId, active: contracts.active, current: contractIsCurrent })
    .from(contractServices)
    .innerJoin(contracts, eq(contracts.id, contractServices.contractId))
    .where(eq(contractServices.serviceId, row.id))
    .orderBy(asc(contracts.name));
  return {
    ...summary(row),
    supportTeam: row.supportTeam,
    slaId: row.slaId,
    cis: delivering.map((ci) => ({ ...ci, class: ci.class as CiClass, status: ci.status as CiStatus })),
    contracts: covering,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const taken = ({ name }: { name?: string }) => ({ services_name_unique: `a service named ${name} already exists` });

/** Checks what a write newly points at: an active provider and SLA, a team, CIs. */
async function checkReferences(tx: Database, next: ServiceFields & { ciIds?: readonly string[] }) {
  if (next.organizationId) await requireReferences(tx, ORGANIZATION, next.organizationId, 'organizationId');
  if (next.supportTeam) await requireReferences(tx, TEAM, next.supportTeam, 'supportTeam');
  if (next.slaId) await requireReferences(tx, SLA, next.slaId, 'slaId');
  if (next.ciIds) await requireReferences(tx, CI, next.ciIds, 'ciIds');
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { db } = c.get('deps');
  const { ciIds, ...fields } = c.req.valid('json');
  const row = await refuseDuplicates(taken(fields), () =>
    db.transaction(async (tx) => {
      await checkReferences(tx, { ...fields, ciIds });
      const [inserted] = await tx.insert(services).values(fields).returning();
      await replaceLinks(tx, CI_LINKS, inserted!.id, ciIds);
      await recordHistory(tx, me.email, [{ subjectType: 'service', subjectId: inserted!.id, action: 'created', newValue: { ...snapshot(inserted!, FIELDS), ciIds } }]);
      return inserted!;
    }),
  );
  return c.json(await detailed(db, row), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const { limit, cursor, status, criticality, organizationId, q } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) filters.push(gt(services.name, after));
  if (status !== undefined) filters.push(eq(services.status, status));
  if (criticality !== undefined) filters.push(eq(services.criticality, criticality));
  if (organizationId !== undefined) filters.push(eq(services.organizationId, organizationId));
  if (q !== undefined) filters.push(containingAny([services.name, services.description], q));
  const rows = await c.get('deps').db.select().from(services).where(and(...filters)).orderBy(asc(services.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (s) => s.name);
  return c.json({ items: items.map(summary), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { db } = c.get('deps');
  const { id } = c.req.valid('param');
  const [row] = await db.select().from(services).where(eq(services.id, id));
  if (!row) throw notFound(`no service ${id}`);
  return c.json(await detailed(db, row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { db } = c.get('deps');
  const { id } = c.req.valid('param');
  const { ciIds, ...fields } = c.req.valid('json');
  const row = await refuseDuplicates(taken(fields), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(services).where(eq(services.id, id)).for('update');
      if (!current) throw notFound(`no service ${id}`);
      await checkReferences(tx, { ...changedFrom(current, fields), ciIds });
      const [updated] = await tx
        .update(services)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(eq(services.id, id))
        .returning();
      const entries: HistoryEntry[] = updateEntries('service', id, attributeChanges(current, fields, FIELDS));
      if (ciIds) entries.push(...(await replaceLinks(tx, CI_LINKS, id, ciIds)));
      await recordHistory(tx, me.email, entries);
      return updated!;
    }),
  );
  return c.json(await detailed(db, row), 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    const [current] = await tx.select().from(services).where(eq(services.id, id)).for('update');
    if (!current) throw notFound(`no service ${id}`);
    const covering = await tx
      .select({ id: contracts.id, name: contracts.name, active: contracts.active })
      .from(contractServices)
      .innerJoin(contracts, eq(contracts.id, contractServices.contractId))
      .where(eq(contractServices.serviceId, id))
      .orderBy(asc(contracts.name));
    const active = covering.filter((k) => k.active).map((k) => k.name);
    if (active.length) {
      throw conflict(`${current.name} is covered by the active contracts ${active.join(', ')}; take it off them or deactivate them first`, { contracts: active });
    }
    // Tickets keep the id of their service: one they name is retired (status retired), never deleted.
    const named = await tx.select({ number: tickets.number }).from(tickets).where(eq(tickets.serviceId, id)).orderBy(asc(tickets.number)).limit(10);
    if (named.length) {
      const numbers = named.map((t) => t.number);
      throw conflict(`tickets name ${current.name} (${numbers.join(', ')}); retire it (status retired) instead`, { tickets: numbers });
    }
    const ciIds = (await linksOf(tx, CI_LINKS, [id])).get(id)!;
    await tx.delete(services).where(eq(services.id, id));
    // The inactive contracts that covered it lose it with it: their histories say so.
    await recordHistory(tx, me.email, [
      { subjectType: 'service', subjectId: id, action: 'deleted', oldValue: { ...snapshot(current, FIELDS), ciIds } },
      ...covering.map((k): HistoryEntry => ({ subjectType: 'contract', subjectId: k.id, action: 'unlinked', attribute: 'service', oldValue: id })),
    ]);
  });
  return c.body(null, 204);
};

export const history = historyHandler('service', 'service');
