import { requireStaff } from '../../middleware/auth';
import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, getTableColumns, gt, inArray, not, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries, type HistoryEntry } from '../../../db/cmdbHistory';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../../db/client';
import { contractCis, contractContacts, contracts, contractServices, contractTeams } from '../../../db/schema';
import type { ContractKind } from '../../../domain/cmdb';
import type { AppEnv } from '../../context';
import { notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import {
  changedFrom,
  CI,
  CONTACT,
  contractIsCurrent,
  historyHandler,
  linksOf,
  ORGANIZATION,
  refuseDuplicates,
  replaceLinks,
  requireCatalogWriter,
  requireReferences,
  SERVICE,
  SLA,
  snapshot,
  TEAM,
  type LinkTable,
} from '../organizations/catalog';
import type * as routes from './contracts.routes';
import type { COST_PERIODS } from './contracts.routes';

type ContractRow = typeof contracts.$inferSelect;
type ContractFields = Partial<
  Pick<ContractRow, 'name' | 'organizationId' | 'slaId' | 'cost' | 'currency' | 'costPeriod' | 'startsOn' | 'endsOn' | 'description' | 'documents' | 'active'>
>;
interface ContractSets {
  serviceIds?: string[];
  ciIds?: string[];
  contactIds?: string[];
  teams?: string[];
}

const FIELDS = ['name', 'organizationId', 'slaId', 'cost', 'currency', 'costPeriod', 'startsOn', 'endsOn', 'description', 'documents', 'active'] as const;

/** The sets a contract links to, each under the name its body and view give it. */
const LINKS = {
  serviceIds: {
    table: contractServices,
    owner: contractServices.contractId,
    key: contractServices.serviceId,
    row: (contractId, serviceId) => ({ contractId, serviceId }),
    subject: 'contract',
    attribute: 'service',
  } satisfies LinkTable<typeof contractServices>,
  ciIds: {
    table: contractCis,
    owner: contractCis.contractId,
    key: contractCis.ciId,
    row: (contractId, ciId) => ({ contractId, ciId }),
    subject: 'contract',
    attribute: 'ci',
  } satisfies LinkTable<typeof contractCis>,
  contactIds: {
    table: contractContacts,
    owner: contractContacts.contractId,
    key: contractContacts.contactId,
    row: (contractId, contactId) => ({ contractId, contactId }),
    subject: 'contract',
    attribute: 'contact',
  } satisfies LinkTable<typeof contractContacts>,
  teams: {
    table: contractTeams,
    owner: contractTeams.contractId,
    key: contractTeams.team,
    row: (contractId, team) => ({ contractId, team }),
    subject: 'contract',
    attribute: 'team',
  } satisfies LinkTable<typeof contractTeams>,
};
const SET_NAMES = Object.keys(LINKS) as (keyof typeof LINKS)[];

/** Sets a write gives, each replacing the contract's; the history rows of what changed. */
async function replaceSets(tx: Database, id: string, sets: ContractSets): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const name of SET_NAMES) {
    const keys = sets[name];
    if (keys) entries.push(...(await replaceLinks(tx, LINKS[name] as LinkTable<PgTable>, id, keys)));
  }
  return entries;
}

/** Contracts matching `where`, as the API shows them: with their sets and whether they are in force today. */
async function contractsWhere(db: Database, where: SQL | undefined, limit?: number) {
  const query = db
    .select({ ...getTableColumns(contracts), current: contractIsCurrent })
    .from(contracts)
    .where(where)
    .orderBy(asc(contracts.name));
  const rows = limit === undefined ? await query : await query.limit(limit);
  const ids = rows.map((r) => r.id);
  const sets = Object.fromEntries(
    await Promise.all(SET_NAMES.map(async (name) => [name, await linksOf(db, LINKS[name] as LinkTable<PgTable>, ids)] as const)),
  ) as Record<keyof typeof LINKS, Map<string, string[]>>;
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as ContractKind,
    name: r.name,
    organizationId: r.organizationId,
    serviceIds: sets.serviceIds.get(r.id)!,
    slaId: r.slaId,
    ciIds: sets.ciIds.get(r.id)!,
    contactIds: sets.contactIds.get(r.id)!,
    teams: sets.teams.get(r.id)!,
    cost: r.cost,
    currency: r.currency,
    costPeriod: r.costPeriod as (typeof COST_PERIODS)[number] | null,
    startsOn: r.startsOn,
    endsOn: r.endsOn,
    description: r.description,
    documents: r.documents,
    active: r.active,
    current: r.current,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

async function contractView(db: Database, id: string) {
  const [view] = await contractsWhere(db, eq(contracts.id, id));
  if (!view) throw notFound(`no contract ${id}`);
  return view;
}

const taken = ({ name }: { name?: string }) => ({ contracts_name_unique: `a contract named ${name} already exists` });

/** What only one kind of contract has, the cost's currency, and dates in order: checked on the contract as it would be. */
function checkRules(kind: string, next: ContractFields & ContractSets) {
  if (kind === 'provider') {
    if (next.serviceIds?.length) throw unprocessable('serviceIds', 'only a customer contract covers services; a provider contract covers configuration items (ciIds)');
    if (next.slaId) throw unprocessable('slaId', 'only a customer contract has an SLA');
  } else if (next.ciIds?.length) {
    throw unprocessable('ciIds', 'only a provider contract covers configuration items; a customer contract covers services (serviceIds)');
  }
  if (next.cost != null && next.currency == null) throw unprocessable('currency', 'a cost needs its currency');
  if (next.startsOn && next.endsOn && next.endsOn < next.startsOn) throw unprocessable('endsOn', `must be on or after startsOn (${next.startsOn})`);
}

/** Checks what a write newly points at: active organization, SLA and contacts; services, CIs and teams that exist. */
async function checkReferences(tx: Database, next: Pick<ContractFields, 'organizationId' | 'slaId'> & ContractSets) {
  if (next.organizationId) await requireReferences(tx, ORGANIZATION, next.organizationId, 'organizationId');
  if (next.slaId) await requireReferences(tx, SLA, next.slaId, 'slaId');
  if (next.serviceIds) await requireReferences(tx, SERVICE, next.serviceIds, 'serviceIds');
  if (next.ciIds) await requireReferences(tx, CI, next.ciIds, 'ciIds');
  if (next.contactIds) await requireReferences(tx, CONTACT, next.contactIds, 'contactIds');
  if (next.teams) await requireReferences(tx, TEAM, next.teams, 'teams');
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  const { db } = c.get('deps');
  const body = c.req.valid('json');
  const { serviceIds = [], ciIds = [], contactIds, teams, ...fields } = body;
  checkRules(body.kind, body);
  const id = await refuseDuplicates(taken(fields), () =>
    db.transaction(async (tx) => {
      await checkReferences(tx, body);
      const [row] = await tx.insert(contracts).values(fields).returning();
      const sets = { serviceIds, ciIds, contactIds, teams };
      await replaceSets(tx, row!.id, sets);
      await recordHistory(tx, me.email, [
        { subjectType: 'contract', subjectId: row!.id, action: 'created', newValue: { kind: row!.kind, ...snapshot(row!, FIELDS), ...sets } },
      ]);
      return row!.id;
    }),
  );
  return c.json(await contractView(db, id), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, kind, organizationId, serviceId, active, current } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const filters: SQL[] = [];
  if (after !== null) filters.push(gt(contracts.name, after));
  if (kind !== undefined) filters.push(eq(contracts.kind, kind));
  if (organizationId !== undefined) filters.push(eq(contracts.organizationId, organizationId));
  if (serviceId !== undefined) {
    filters.push(inArray(contracts.id, c.get('deps').db.select({ id: contractServices.contractId }).from(contractServices).where(eq(contractServices.serviceId, serviceId))));
  }
  if (active !== undefined) filters.push(eq(contracts.active, active));
  if (current !== undefined) filters.push(current ? contractIsCurrent : not(contractIsCurrent));
  const rows = await contractsWhere(c.get('deps').db, and(...filters), limit + 1);
  const { items, nextCursor } = page(rows, limit, (k) => k.name);
  return c.json({ items, nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  return c.json(await contractView(c.get('deps').db, c.req.valid('param').id), 200);
};

/** Applies a change to a contract, its sets and its history; 404 when there is no such contract. */
async function changeContract(db: Database, actor: string, id: string, patch: ContractFields & ContractSets) {
  const { serviceIds, ciIds, contactIds, teams, ...fields } = patch;
  await refuseDuplicates(taken(fields), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(contracts).where(eq(contracts.id, id)).for('update');
      if (!current) throw notFound(`no contract ${id}`);
      const next = { ...current, ...fields };
      checkRules(current.kind, { ...next, serviceIds, ciIds });
      const changed = changedFrom(current, fields);
      // An active contract names an active organization: reactivating one checks it again.
      const reactivated = next.active && !current.active;
      await checkReferences(tx, {
        organizationId: changed.organizationId ?? (reactivated ? next.organizationId : undefined),
        slaId: changed.slaId,
        serviceIds,
        ciIds,
        contactIds,
        teams,
      });
      const [updated] = await tx
        .update(contracts)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(eq(contracts.id, id))
        .returning();
      // Compared as stored (cost 12.5 is 12.50, documents' keys in jsonb's order), so only real changes are recorded.
      const stored = snapshot(updated!, Object.keys(fields) as (typeof FIELDS)[number][]);
      await recordHistory(tx, actor, [...updateEntries('contract', id, attributeChanges(current, stored, FIELDS)), ...(await replaceSets(tx, id, patch))]);
    }),
  );
  return contractView(db, id);
}

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(await changeContract(c.get('deps').db, me.email, c.req.valid('param').id, c.req.valid('json')), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  const me = c.get('user');
  requireCatalogWriter(me);
  return c.json(await changeContract(c.get('deps').db, me.email, c.req.valid('param').id, { active: false }), 200);
};

export const history = historyHandler('contract', 'contract');
