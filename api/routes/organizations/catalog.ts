/**
 * What the organization, contact, service and contract routes share: who may
 * read and write them, references checked before a write, 409s for taken
 * unique values, and the history of each.
 */
import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { historyOf, type HistoryAction, type HistoryEntry } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import type { User } from '../../../db/people';
import { cis, contacts, contracts, organizations, services, slas, teams, users } from '../../../db/schema';
import type { HistorySubject } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { storableString } from '../../../domain/text';
import type { AppEnv } from '../../context';
import { requireRole, requireStaff } from '../../middleware/auth';
import { conflict, notFound, problemResponses, unprocessable } from '../../problem';
import { cursorAfter, historyEntrySchema, listOf, page, paginationQuery } from '../../schemas';

/** Staff read the catalogue (isStaff, requireStaff); service managers keep it. */
/** Service managers (and admins) keep organizations, contacts, services and contracts. */
export const requireCatalogWriter = (user: User) => requireRole(user, 'service_manager');

export const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** `?q=`: a piece of text to look for, case-insensitively. */
export const textQuery = storableString().trim().min(1).max(LIMITS.name).optional();

/** `column` contains `text`, case-insensitively; LIKE's wildcards in `text` are taken literally. */
export const containing = (column: PgColumn, text: string) => ilike(column, `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
export const containingAny = (columns: PgColumn[], text: string) => or(...columns.map((c) => containing(c, text))) as SQL;

/** A list of ids in a body: no repeats, bounded. */
export const idSet = (noun: string, max = 500) =>
  z
    .array(z.uuid())
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, `names a ${noun} twice`)
    .meta({ uniqueItems: true });

/** A table other records point at: how to find a row, and whether it can be deactivated. */
interface Referenced {
  table: PgTable;
  key: PgColumn;
  active?: PgColumn;
  noun: string;
}
export const ORGANIZATION: Referenced = { table: organizations, key: organizations.id, active: organizations.active, noun: 'organization' };
export const CONTACT: Referenced = { table: contacts, key: contacts.id, active: contacts.active, noun: 'contact' };
export const USER: Referenced = { table: users, key: users.id, active: users.active, noun: 'user' };
export const SLA: Referenced = { table: slas, key: slas.id, active: slas.active, noun: 'SLA' };
export const TEAM: Referenced = { table: teams, key: teams.name, noun: 'team' };
export const SERVICE: Referenced = { table: services, key: services.id, noun: 'service' };
export const CI: Referenced = { table: cis, key: cis.id, noun: 'configuration item' };

/**
 * Every key names a row of `target`, an active one where rows can be
 * deactivated: otherwise 422 naming `field` (`field.<index>` for a list).
 * The rows found stay locked until the transaction ends, so none is deleted
 * (or deactivated) between this check and the write that points at it.
 */
export async function requireReferences(db: Database, target: Referenced, keys: string | readonly string[], field: string): Promise<void> {
  const list = typeof keys === 'string' ? [keys] : keys;
  if (list.length === 0) return;
  const rows = await db
    .select({ key: target.key, active: target.active ?? sql<boolean>`true` })
    .from(target.table)
    .where(inArray(target.key, [...list]))
    .for(target.active ? 'share' : 'key share');
  const found = new Map(rows.map((r) => [r.key as string, r.active as boolean]));
  list.forEach((key, index) => {
    const at = typeof keys === 'string' ? field : `${field}.${index}`;
    if (!found.has(key)) throw unprocessable(at, `no ${target.noun} ${key}`);
    if (!found.get(key)) throw unprocessable(at, `${target.noun} ${key} is deactivated`);
  });
}

const UNIQUE_VIOLATION = '23505';

/** The unique constraint an error broke, if it is a unique violation ('' when the driver does not name it). */
function brokenUniqueConstraint(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code, constraint, constraint_name } = e as { code?: unknown; constraint?: string; constraint_name?: string };
    if (code === UNIQUE_VIOLATION) return constraint_name ?? constraint ?? '';
  }
  return undefined;
}

/**
 * Runs a write, answering 409 when it takes a unique value already taken
 * (whichever request got there first); `taken` says, per constraint, which.
 */
export async function refuseDuplicates<T>(taken: Record<string, string>, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const constraint = brokenUniqueConstraint(error);
    if (constraint !== undefined) throw conflict(taken[constraint] ?? 'a value that must be unique is already taken');
    throw error;
  }
}

/** `GET /<resource>/{id}/history`: every change to one record, oldest first. */
export const historyRoute = (resource: string, noun: string, tags: string[], operationId: string, listName: string) =>
  createRoute({
    method: 'get',
    path: `/${resource}/{id}/history`,
    tags,
    security: [{ bearer: [] }],
    operationId,
    summary: `Every change to a ${noun}, oldest first: who, when, what, from what to what`,
    request: { params: idParam, query: z.strictObject(paginationQuery) },
    responses: {
      200: { description: 'History', content: { 'application/json': { schema: listOf(historyEntrySchema, listName) } } },
      ...problemResponses(400, 401, 403, 404),
    },
  });

export const historyHandler =
  (subject: HistorySubject, noun: string): RouteHandler<ReturnType<typeof historyRoute>, AppEnv> =>
  async (c) => {
    requireStaff(c.get('user'));
    const { id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const after = cursorAfter(cursor, 'number');
    const rows = await historyOf(c.get('deps').db, subject, id, { limit, after });
    // Every record's history starts with its creation: none at all means no such record, ever.
    if (after === null && rows.length === 0) throw notFound(`no ${noun} ${id}`);
    const { items, nextCursor } = page(rows, limit, (r) => r.id);
    return c.json(
      {
        items: items.map((r) => ({ at: r.at.toISOString(), actor: r.actor, action: r.action as HistoryAction, attribute: r.attribute, oldValue: r.oldValue, newValue: r.newValue })),
        nextCursor,
      },
      200,
    );
  };

/** The named fields of a record, as its history shows it when created or deleted. */
export const snapshot = <T extends object, K extends keyof T>(row: T, fields: readonly K[]) => Object.fromEntries(fields.map((f) => [f, row[f]])) as Pick<T, K>;

/** A contract in force: active, and today within its start and end (an open end runs on). */
export const contractIsCurrent = sql<boolean>`(${contracts.active} and ${contracts.startsOn} <= current_date and (${contracts.endsOn} is null or ${contracts.endsOn} >= current_date))`;

/** A table linking a record (the owner) to a set of others, and how its changes read in the owner's history. */
export interface LinkTable<T extends PgTable> {
  table: T;
  owner: PgColumn;
  key: PgColumn;
  row: (owner: string, key: string) => T['$inferInsert'];
  subject: HistorySubject;
  attribute: string;
}

/** The keys each owner links to, in key order. */
export async function linksOf<T extends PgTable>(db: Database, link: LinkTable<T>, owners: readonly string[]): Promise<Map<string, string[]>> {
  const links = new Map(owners.map((o) => [o, [] as string[]]));
  if (owners.length === 0) return links;
  const rows = await db
    .select({ owner: link.owner, key: link.key })
    .from(link.table as PgTable)
    .where(inArray(link.owner, [...owners]))
    .orderBy(asc(link.owner), asc(link.key));
  for (const r of rows) links.get(r.owner as string)!.push(r.key as string);
  return links;
}

/** Makes `owner` link to exactly `keys`, touching only what changes; the history rows of what did. */
export async function replaceLinks<T extends PgTable>(db: Database, link: LinkTable<T>, owner: string, keys: readonly string[]): Promise<HistoryEntry[]> {
  const before = (await linksOf(db, link, [owner])).get(owner)!;
  const had = new Set(before);
  const kept = new Set(keys);
  const removed = before.filter((k) => !kept.has(k));
  const added = keys.filter((k) => !had.has(k));
  if (removed.length) await db.delete(link.table).where(and(eq(link.owner, owner), inArray(link.key, removed)));
  if (added.length) await db.insert(link.table).values(added.map((k) => link.row(owner, k)) as never);
  const { subject: subjectType, attribute } = link;
  return [
    ...added.map((k): HistoryEntry => ({ subjectType, subjectId: owner, action: 'linked', attribute, newValue: k })),
    ...removed.map((k): HistoryEntry => ({ subjectType, subjectId: owner, action: 'unlinked', attribute, oldValue: k })),
  ];
}

/** The fields of `patch` whose values differ from `current`'s: what a write newly points at, and so what it must check. */
export const changedFrom = <T extends object>(current: T, patch: Partial<T>): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([field, value]) => current[field as keyof T] !== value)) as Partial<T>;
