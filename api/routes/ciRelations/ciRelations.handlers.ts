import { z, type RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, or, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../../db/client';
import { recordHistory, type HistoryAction, type HistoryEntry } from '../../../db/cmdbHistory';
import { ciRelations, cis } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { requireRole, requireStaff } from '../../middleware/auth';
import { badRequest, conflict, notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import type * as routes from './ciRelations.routes';

type RelationJson = z.infer<typeof routes.relationSchema>;
type End = RelationJson['source'];

const source = alias(cis, 'source');
const target = alias(cis, 'target');

/** Relations with both ends named, by id (the keyset order of lists). */
async function relationsWhere(db: Database, where: SQL | undefined, limit: number): Promise<RelationJson[]> {
  const rows = await db
    .select({
      id: ciRelations.id,
      source: { id: source.id, name: source.name, class: source.class },
      type: ciRelations.type,
      target: { id: target.id, name: target.name, class: target.class },
      dependentId: ciRelations.dependentId,
      providerId: ciRelations.providerId,
      createdAt: ciRelations.createdAt,
      createdBy: ciRelations.createdBy,
    })
    .from(ciRelations)
    .innerJoin(source, eq(source.id, ciRelations.sourceId))
    .innerJoin(target, eq(target.id, ciRelations.targetId))
    .where(where)
    .orderBy(asc(ciRelations.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }) as RelationJson);
}

/**
 * One history row under each end, naming the relation and both CIs, so either
 * CI's history tells the whole story (the same value CI deletion records).
 */
function relationHistory(action: Extract<HistoryAction, 'linked' | 'unlinked'>, r: { id: string; type: string; source: Pick<End, 'id' | 'name'>; target: Pick<End, 'id' | 'name'> }): HistoryEntry[] {
  const value = { relationId: r.id, source: { id: r.source.id, name: r.source.name }, type: r.type, target: { id: r.target.id, name: r.target.name } };
  return [r.source.id, r.target.id].map((subjectId) => ({
    subjectType: 'ci',
    subjectId,
    action,
    attribute: `relation:${r.type}`,
    ...(action === 'linked' ? { newValue: value } : { oldValue: value }),
  }));
}

/**
 * The CIs with these ids, locked FOR KEY SHARE until the transaction ends: a
 * concurrent deletion of either (which locks it FOR UPDATE and lists its
 * relations) waits for this change, so it never misses or repeats a relation.
 */
const lockedEnds = (tx: Database, ids: string[]) =>
  tx.select({ id: cis.id, name: cis.name, class: cis.class }).from(cis).where(inArray(cis.id, ids)).orderBy(asc(cis.id)).for('key share');

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  requireRole(user, 'configuration_manager');
  const body = c.req.valid('json');
  const sourceId = body.sourceId.toLowerCase();
  const targetId = body.targetId.toLowerCase();
  if (sourceId === targetId) throw unprocessable('targetId', 'a configuration item cannot be related to itself');
  const relation = await c.get('deps').db.transaction(async (tx) => {
    const ends = (await lockedEnds(tx, [sourceId, targetId])) as End[];
    const sourceCi = ends.find((e) => e.id === sourceId);
    if (!sourceCi) throw unprocessable('sourceId', `no configuration item ${body.sourceId}`);
    const targetCi = ends.find((e) => e.id === targetId);
    if (!targetCi) throw unprocessable('targetId', `no configuration item ${body.targetId}`);
    const [row] = await tx
      .insert(ciRelations)
      .values({ sourceId, type: body.type, targetId, createdBy: user.email })
      .onConflictDoNothing()
      .returning({ id: ciRelations.id, dependentId: ciRelations.dependentId, providerId: ciRelations.providerId, createdAt: ciRelations.createdAt });
    if (!row) {
      const [existing] = await tx
        .select({ id: ciRelations.id })
        .from(ciRelations)
        .where(and(eq(ciRelations.sourceId, sourceId), eq(ciRelations.type, body.type), eq(ciRelations.targetId, targetId)));
      throw conflict(`${sourceCi.name} ${body.type} ${targetCi.name} already exists`, { relationId: existing!.id });
    }
    const created = { ...row, source: sourceCi, type: body.type, target: targetCi };
    await recordHistory(tx, user.email, relationHistory('linked', created));
    return { ...created, createdAt: row.createdAt.toISOString(), createdBy: user.email };
  });
  return c.json(relation, 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, ciId, type } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  // The cursor is a relation id; anything else would reach PostgreSQL as a malformed uuid.
  if (after !== null && !z.uuid().safeParse(after).success) throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  const rows = await relationsWhere(
    c.get('deps').db,
    and(
      ciId === undefined ? undefined : or(eq(ciRelations.sourceId, ciId), eq(ciRelations.targetId, ciId)),
      type === undefined ? undefined : eq(ciRelations.type, type),
      after === null ? undefined : gt(ciRelations.id, after),
    ),
    limit + 1,
  );
  return c.json(page(rows, limit, (r) => r.id), 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [relation] = await relationsWhere(c.get('deps').db, eq(ciRelations.id, id), 1);
  if (!relation) throw notFound(`no relation ${id}`);
  return c.json(relation, 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const user = c.get('user');
  requireRole(user, 'configuration_manager');
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    const [found] = await tx.select({ sourceId: ciRelations.sourceId, targetId: ciRelations.targetId }).from(ciRelations).where(eq(ciRelations.id, id));
    if (!found) throw notFound(`no relation ${id}`);
    // Ends first, then the row: the order a CI's deletion takes its locks in, so the two cannot deadlock.
    const ends = await lockedEnds(tx, [found.sourceId, found.targetId]);
    const [gone] = await tx.delete(ciRelations).where(eq(ciRelations.id, id)).returning({ id: ciRelations.id, type: ciRelations.type });
    // Deleted meanwhile, alone or with one of its CIs.
    if (!gone) throw notFound(`no relation ${id}`);
    const end = (ciId: string) => ends.find((e) => e.id === ciId)!;
    await recordHistory(tx, user.email, relationHistory('unlinked', { ...gone, source: end(found.sourceId), target: end(found.targetId) }));
  });
  return c.body(null, 204);
};
