import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { attributeChanges, recordHistory, updateEntries } from '../../../db/cmdbHistory';
import { changeApprovalRules } from '../../../db/schema';
import type { CiClass } from '../../../domain/cmdb';
import type { AppEnv } from '../../context';
import { requireStaff } from '../../middleware/auth';
import { notFound } from '../../problem';
import { instantCursor, page, UUID_KEY } from '../../schemas';
import { microsOf } from '../../../db/keyset';
import { requireChangeConfigWriter } from '../changeTemplates/changeConfiguration';
import { historyHandler, refuseDuplicates, requireReferences, SERVICE, snapshot, TEAM } from '../organizations/catalog';
import type * as routes from './changeApprovalRules.routes';

type RuleRow = typeof changeApprovalRules.$inferSelect;

/** What a rule's history records: its subject (one of ciClass and serviceId), the team and the rule. */
const FIELDS = ['ciClass', 'serviceId', 'team', 'rule'] as const;

const view = (row: RuleRow) => ({
  id: row.id,
  ...snapshot(row, FIELDS),
  ciClass: row.ciClass as CiClass | null,
  createdAt: row.createdAt.toISOString(),
});

/** A 409 for a subject (in words) that already has a rule for the team. */
const taken = (subject: string, team: string | undefined) => ({
  change_approval_rules_subject_team: `${subject} already has a rule for team ${team}; change that one`,
});

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  const body = c.req.valid('json');
  const row = await refuseDuplicates(taken(body.ciClass ? `CI class ${body.ciClass}` : `service ${body.serviceId}`, body.team), () =>
    c.get('deps').db.transaction(async (tx) => {
      await requireReferences(tx, TEAM, body.team, 'team');
      if (body.serviceId) await requireReferences(tx, SERVICE, body.serviceId, 'serviceId');
      const [inserted] = await tx.insert(changeApprovalRules).values(body).returning();
      await recordHistory(tx, me.email, [{ subjectType: 'change_approval_rule', subjectId: inserted!.id, action: 'created', newValue: snapshot(inserted!, FIELDS) }]);
      return inserted!;
    }),
  );
  return c.json(view(row), 201);
};

/**
 * A list page ends at a (creation in microseconds, id) pair: the creation as
 * stored, so rules made in one transaction (one now()) are neither skipped
 * nor repeated, and a page goes on even when the rule it ended at is deleted.
 */
const createdMicros = microsOf(changeApprovalRules.createdAt);

const listCursor = (cursor: string | undefined) => instantCursor(cursor, UUID_KEY);

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, ciClass, serviceId, team } = c.req.valid('query');
  const after = listCursor(cursor);
  const filters: SQL[] = [];
  if (after !== null) filters.push(sql`(${createdMicros}::bigint, ${changeApprovalRules.id}) > (${after.micros}::bigint, ${after.key}::uuid)`);
  if (ciClass !== undefined) filters.push(eq(changeApprovalRules.ciClass, ciClass));
  if (serviceId !== undefined) filters.push(eq(changeApprovalRules.serviceId, serviceId));
  if (team !== undefined) filters.push(eq(changeApprovalRules.team, team));
  const rows = await c
    .get('deps')
    .db.select({ row: changeApprovalRules, micros: createdMicros })
    .from(changeApprovalRules)
    .where(and(...filters))
    .orderBy(asc(changeApprovalRules.createdAt), asc(changeApprovalRules.id))
    .limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (r) => `${r.micros}_${r.row.id}`);
  return c.json({ items: items.map((r) => view(r.row)), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const [row] = await c.get('deps').db.select().from(changeApprovalRules).where(eq(changeApprovalRules.id, id));
  if (!row) throw notFound(`no change approval rule ${id}`);
  return c.json(view(row), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  const { id } = c.req.valid('param');
  const patch = c.req.valid('json');
  const { db } = c.get('deps');
  const row = await refuseDuplicates(taken('its CI class or service', patch.team), () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(changeApprovalRules).where(eq(changeApprovalRules.id, id)).for('update');
      if (!current) throw notFound(`no change approval rule ${id}`);
      if (patch.team !== undefined && patch.team !== current.team) await requireReferences(tx, TEAM, patch.team, 'team');
      const [updated] = await tx.update(changeApprovalRules).set(patch).where(eq(changeApprovalRules.id, id)).returning();
      await recordHistory(tx, me.email, updateEntries('change_approval_rule', id, attributeChanges(current, patch, FIELDS)));
      return updated!;
    }),
  );
  return c.json(view(row), 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const me = c.get('user');
  requireChangeConfigWriter(me);
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    const [deleted] = await tx.delete(changeApprovalRules).where(eq(changeApprovalRules.id, id)).returning();
    if (!deleted) throw notFound(`no change approval rule ${id}`);
    await recordHistory(tx, me.email, [{ subjectType: 'change_approval_rule', subjectId: id, action: 'deleted', oldValue: snapshot(deleted, FIELDS) }]);
  });
  return c.body(null, 204);
};

export const history = historyHandler('change_approval_rule', 'change approval rule');
