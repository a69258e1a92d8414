import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries, type HistoryEntry } from '../../../db/cmdbHistory';
import type { Database } from '../../../db/client';
import type { User } from '../../../db/people';
import { freezeWindows } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { requireRole, requireStaff } from '../../middleware/auth';
import { notFound, unprocessable } from '../../problem';
import { instantCursor, page, UUID_KEY } from '../../schemas';
import { microsOf } from '../../../db/keyset';
import { CI, historyHandler, refuseDuplicates, requireReferences, SERVICE, snapshot } from '../organizations/catalog';
import type * as routes from './freezeWindows.routes';

type FreezeRow = typeof freezeWindows.$inferSelect;

/** Change managers (and admins) declare freezes: they are the ones who schedule changes around them. */
const requireFreezeWriter = (user: User) => requireRole(user, 'change_manager');

/** What a freeze window's history records as attributes; its sets are recorded member by member (linked, unlinked). */
const FIELDS = ['name', 'reason', 'startsAt', 'endsAt'] as const;
const SETS = [
  { field: 'serviceIds', attribute: 'service' },
  { field: 'ciIds', attribute: 'ci' },
] as const;

const view = (row: FreezeRow) => ({
  id: row.id,
  name: row.name,
  reason: row.reason,
  startsAt: row.startsAt.toISOString(),
  endsAt: row.endsAt.toISOString(),
  serviceIds: row.serviceIds,
  ciIds: row.ciIds,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const taken = (name: string | undefined) => ({ freeze_windows_name_unique: `a freeze window named ${name} already exists` });

/** A set as stored: each id once, in id order, so the same set always reads (and compares) the same. */
const stored = (ids: readonly string[]) => [...new Set(ids)].sort();

interface FreezeInput {
  name?: string;
  reason?: string;
  startsAt?: string;
  endsAt?: string;
  serviceIds?: string[];
  ciIds?: string[];
}

/** A body as columns: instants as dates, sets as stored. */
const columns = ({ startsAt, endsAt, serviceIds, ciIds, ...rest }: FreezeInput): Partial<FreezeRow> => ({
  ...rest,
  ...(startsAt !== undefined && { startsAt: new Date(startsAt) }),
  ...(endsAt !== undefined && { endsAt: new Date(endsAt) }),
  ...(serviceIds !== undefined && { serviceIds: stored(serviceIds) }),
  ...(ciIds !== undefined && { ciIds: stored(ciIds) }),
});

/** Checks a write before it happens: the window the freeze will have is ordered, the services and CIs it names exist. */
async function checkFreeze(tx: Database, window: { startsAt: Date; endsAt: Date }, body: FreezeInput) {
  if (window.startsAt >= window.endsAt) throw unprocessable('endsAt', `must be after startsAt (${window.startsAt.toISOString()})`);
  if (body.serviceIds) await requireReferences(tx, SERVICE, body.serviceIds, 'serviceIds');
  if (body.ciIds) await requireReferences(tx, CI, body.ciIds, 'ciIds');
}

/** One linked or unlinked history row per member a set gained or lost. */
function setEntries(id: string, before: Partial<FreezeRow>, after: Partial<FreezeRow>): HistoryEntry[] {
  return SETS.flatMap(({ field, attribute }) => {
    const next = after[field];
    if (next === undefined) return [];
    const old = new Set(before[field] ?? []);
    const now = new Set(next);
    return [
      ...next.filter((k) => !old.has(k)).map((k): HistoryEntry => ({ subjectType: 'freeze_window', subjectId: id, action: 'linked', attribute, newValue: k })),
      ...[...old].filter((k) => !now.has(k)).map((k): HistoryEntry => ({ subjectType: 'freeze_window', subjectId: id, action: 'unlinked', attribute, oldValue: k })),
    ];
  });
}

const record = (row: FreezeRow) => ({ ...snapshot(row, FIELDS), serviceIds: row.serviceIds, ciIds: row.ciIds });

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireFreezeWriter(me);
  const body = c.req.valid('json');
  const values = columns(body) as typeof freezeWindows.$inferInsert;
  const row = await refuseDuplicates(taken(body.name), () =>
    c.get('deps').db.transaction(async (tx) => {
      await checkFreeze(tx, values, body);
      const [inserted] = await tx.insert(freezeWindows).values(values).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'freeze_window', subjectId: inserted!.id, action: 'created', newValue: record(inserted!) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

/**
 * A list page ends at a (start in microseconds, id) pair: the start as stored,
 * so freezes starting within one millisecond are neither skipped nor
 * repeated; the id, not the name, breaks ties, since a name can outgrow a cursor.
 */
const startMicros = microsOf(freezeWindows.startsAt);

const listCursor = (cursor: string | undefined) => instantCursor(cursor, UUID_KEY);

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, from, to } = c.req.valid('query');
  const after = listCursor(cursor);
  const filters: SQL[] = [];
  if (after !== null) filters.push(sql`(${startMicros}::bigint, ${freezeWindows.id}) > (${after.micros}::bigint, ${after.key}::uuid)`);
  if (from !== undefined) filters.push(gt(freezeWindows.endsAt, new Date(from)));
  if (to !== undefined) filters.push(lt(freezeWindows.startsAt, new Date(to)));
  const rows = await c
    .get('deps')
    .db.select({ row: freezeWindows, micros: startMicros })
    .from(freezeWindows)
    .where(and(...filters))
    .orderBy(asc(freezeWindows.startsAt), asc(freezeWindows.id))
    .limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (r) => `${r.micros}_${r.row.id}`);
  return c.json({ items: items.map((r) => view(r.row)), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(freezeWindows).where(eq(freezeWindows.id, id));
  if (!row) throw notFound(`no freeze window ${id}`);
  return c.json(view(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireFreezeWriter(me);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const patch = columns(body);
  const row = await refuseDuplicates(taken(body.name), () =>
    c.get('deps').db.transaction(async (tx) => {
      const [current] = await tx.select().from(freezeWindows).where(eq(freezeWindows.id, id)).for('update');
      if (!current) throw notFound(`no freeze window ${id}`);
      await checkFreeze(tx, { ...current, ...patch }, body);
      const [updated] = await tx
        .update(freezeWindows)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(freezeWindows.id, id))
        .returning();
      await recordHistory(tx, me.email, [...updateEntries('freeze_window', id, attributeChanges(current, patch, FIELDS)), ...setEntries(id, current, patch)]);
      return updated!;
    }),
  );
  return c.json(view(row), 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const me = c.get('user');
  requireFreezeWriter(me);
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    const [deleted] = await tx.delete(freezeWindows).where(eq(freezeWindows.id, id)).returning();
    if (!deleted) throw notFound(`no freeze window ${id}`);
    await recordHistory(tx, me.email, [{ subjectType: 'freeze_window', subjectId: id, action: 'deleted', oldValue: record(deleted) }]);
  });
  return c.body(null, 204);
};

export const history = historyHandler('freeze_window', 'freeze window');
