import type { RouteHandler, z } from '@hono/zod-openapi';
import {
  ciById,
  createdEntries,
  deletedEntries,
  deleteCi,
  insertCi,
  isUniqueViolation,
  linksOf,
  listCis,
  organizationsMatching,
  teamsNamed,
  updateCi,
  updatedEntries,
  type Ci,
} from '../../../db/cis';
import type { Database } from '../../../db/client';
import { historyOf, recordHistory, type HistoryAction, type HistoryEntry } from '../../../db/cmdbHistory';
import type { User } from '../../../db/people';
import { CI_ATTRIBUTE_CHANGE_SCHEMAS, CI_ATTRIBUTE_SCHEMAS, mergeAttributes } from '../../../domain/ciClasses';
import type { AppEnv } from '../../context';
import { requireRole, requireStaff } from '../../middleware/auth';
import { badRequest, conflict, notFound, ProblemError, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { attributeProblem } from './ciFields';
import { csvCandidates, jsonCandidates, runImport } from './ciImport';
import type * as routes from './cis.routes';

/** Staff read the CMDB; configuration managers (and admins) keep it. */
const requireWriter = (user: User) => requireRole(user, 'configuration_manager');

type CiJson = z.infer<typeof routes.ciSchema>;
const view = (ci: Ci): CiJson =>
  ({
    id: ci.id,
    class: ci.class,
    name: ci.name,
    status: ci.status,
    criticality: ci.criticality,
    organizationId: ci.organizationId,
    supportTeam: ci.supportTeam,
    description: ci.description,
    // Stored only after the class schema accepted them, so they are what that schema describes.
    attributes: ci.attributes,
    createdAt: ci.createdAt.toISOString(),
    updatedAt: ci.updatedAt.toISOString(),
  }) as CiJson;

const taken = (ci: Pick<Ci, 'class' | 'name'>) => conflict(`a ${ci.class} named ${ci.name} already exists`);

/** Refuses an organization or team that does not exist (422), and keeps those that do until the write commits. */
async function checkReferences(db: Database, refs: { organizationId?: string | null; supportTeam?: string | null }) {
  if (refs.organizationId) {
    const id = refs.organizationId.toLowerCase();
    const found = await organizationsMatching(db, [id]);
    if (!found.some((o) => o.id === id)) throw unprocessable('organizationId', `no organization with id ${refs.organizationId}`);
  }
  if (refs.supportTeam && !(await teamsNamed(db, [refs.supportTeam])).has(refs.supportTeam)) {
    throw unprocessable('supportTeam', `no team named ${refs.supportTeam}`);
  }
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  requireWriter(user);
  const body = c.req.valid('json');
  const ci = await c.get('deps').db.transaction(async (tx) => {
    await checkReferences(tx, body);
    const row = await insertCi(tx, {
      class: body.class,
      name: body.name,
      status: body.status,
      criticality: body.criticality,
      organizationId: body.organizationId ?? null,
      supportTeam: body.supportTeam ?? null,
      description: body.description,
      attributes: body.attributes,
    });
    if (!row) throw taken(body);
    await recordHistory(tx, user.email, createdEntries(row));
    return row;
  });
  return c.json(view(ci), 201);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The (name, id) a list cursor stands for: the order of the list, so a page starts right after the last CI of the one before. */
function listAfter(cursor: string | undefined): [string, string] | null {
  const after = cursorAfter(cursor, 'string');
  if (after === null) return null;
  try {
    const [name, id] = JSON.parse(after) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && UUID.test(id)) return [name, id];
  } catch {
    // Falls through to the refusal below.
  }
  throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
}

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, class: classes, status, criticality, organizationId, supportTeam, q } = c.req.valid('query');
  const rows = await listCis(c.get('deps').db, {
    classes,
    statuses: status,
    criticalities: criticality,
    organizationId,
    supportTeam,
    q,
    after: listAfter(cursor),
    limit,
  });
  const { items, nextCursor } = page(rows, limit, (ci) => JSON.stringify([ci.name, ci.id]));
  return c.json({ items: items.map(view), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { id } = c.req.valid('param');
  const ci = await ciById(c.get('deps').db, id);
  if (!ci) throw notFound(`no configuration item ${id}`);
  return c.json(view(ci), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const user = c.get('user');
  requireWriter(user);
  const { id } = c.req.valid('param');
  const { attributes: attributeChanges, ...fields } = c.req.valid('json');
  const ci = await c.get('deps').db.transaction(async (tx) => {
    const before = await ciById(tx, id, { forUpdate: true });
    if (!before) throw notFound(`no configuration item ${id}`);
    const next: Parameters<typeof updateCi>[2] = fields;
    if (attributeChanges) {
      // The changes must suit the CI's class, and so must what they leave (a required attribute cannot be removed).
      const changes = CI_ATTRIBUTE_CHANGE_SCHEMAS[before.class].safeParse(attributeChanges);
      if (!changes.success) throw attributeProblem(changes.error.issues, ['attributes']);
      const merged = CI_ATTRIBUTE_SCHEMAS[before.class].safeParse(mergeAttributes(before.attributes, changes.data));
      if (!merged.success) throw attributeProblem(merged.error.issues, ['attributes']);
      next.attributes = merged.data as Record<string, unknown>;
    }
    const history = updatedEntries(before, { ...before, ...next });
    if (!history.length) return before;
    await checkReferences(tx, next);
    const row = await updateCi(tx, id, next).catch((error: unknown) => {
      throw isUniqueViolation(error) ? taken({ class: before.class, name: next.name ?? before.name }) : error;
    });
    await recordHistory(tx, user.email, history);
    return row;
  });
  return c.json(view(ci), 200);
};

/** The history rows a deletion leaves on what the CI was linked to: each relation under both its ends, each service and contract that listed it. */
function unlinkedEntries(ci: Ci, links: Awaited<ReturnType<typeof linksOf>>): HistoryEntry[] {
  const gone = { id: ci.id, class: ci.class, name: ci.name };
  return [
    ...links.relations.flatMap((r) => {
      const oldValue = { relationId: r.id, source: { id: r.sourceId, name: r.sourceName }, type: r.type, target: { id: r.targetId, name: r.targetName } };
      return [r.sourceId, r.targetId].map((end): HistoryEntry => ({ subjectType: 'ci', subjectId: end, action: 'unlinked', attribute: `relation:${r.type}`, oldValue }));
    }),
    ...links.services.map((s): HistoryEntry => ({ subjectType: 'service', subjectId: s.id, action: 'unlinked', attribute: 'ci', oldValue: gone })),
    ...links.contracts.map((k): HistoryEntry => ({ subjectType: 'contract', subjectId: k.id, action: 'unlinked', attribute: 'ci', oldValue: gone })),
  ];
}

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  const user = c.get('user');
  requireWriter(user);
  const { id } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    const ci = await ciById(tx, id, { forUpdate: true });
    if (!ci) throw notFound(`no configuration item ${id}`);
    const links = await linksOf(tx, id);
    // Relations and memberships go by cascade; their history is written here, in the same transaction.
    await deleteCi(tx, id);
    await recordHistory(tx, user.email, [...deletedEntries(ci), ...unlinkedEntries(ci, links)]);
  });
  return c.body(null, 204);
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { db } = c.get('deps');
  const { id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  const after = cursorAfter(cursor, 'number');
  const rows = await historyOf(db, 'ci', id, { limit, after });
  // A deleted CI keeps its history; only a CI never heard of is unknown.
  if (!rows.length && after === null && !(await ciById(db, id))) throw notFound(`no configuration item ${id}`);
  const { items, nextCursor } = page(rows, limit, (r) => r.id);
  return c.json({ items: items.map(({ id: _, at, action, ...entry }) => ({ at: at.toISOString(), action: action as HistoryAction, ...entry })), nextCursor }, 200);
};

const JSON_TYPE = /^application\/([a-z.+-]*\+)?json\s*(;|$)/i;
const CSV_TYPE = /^text\/csv\s*(;|$)/i;

export const importCis: RouteHandler<typeof routes.importCis, AppEnv> = async (c) => {
  const user = c.get('user');
  requireWriter(user);
  const { dryRun = false } = c.req.valid('query');
  const type = c.req.header('content-type') ?? '';
  let candidates;
  if (JSON_TYPE.test(type)) {
    const body = await c.req.json().catch(() => {
      throw badRequest('the body is not valid JSON', [{ field: '(body)', message: 'not valid JSON' }]);
    });
    candidates = jsonCandidates(body);
  } else if (CSV_TYPE.test(type)) {
    candidates = csvCandidates(await c.req.text());
  } else {
    throw new ProblemError(415, 'send the rows as application/json ({"rows": [...]}) or as text/csv with a header row');
  }
  return c.json(await runImport(c.get('deps').db, user.email, candidates, dryRun), 200);
};
