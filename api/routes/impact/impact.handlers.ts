import type { RouteHandler, z } from '@hono/zod-openapi';
import type { Database } from '../../../db/client';
import { customersCovering, reach, servicesByIds, type Direction, type ReachedCi } from '../../../db/impact';
import { RELATION_TYPES, type RelationType } from '../../../domain/cmdb';
import type { AppEnv } from '../../context';
import { requireStaff } from '../../middleware/auth';
import { notFound } from '../../problem';
import type * as routes from './impact.routes';

type ReachedJson = z.infer<typeof routes.reachedCiSchema>;
type Query = z.infer<typeof routes.traversalQuery>;

/** A CI as listed, with the shortest path to it rebuilt from the predecessor links of the one result set. */
function lister(rows: ReachedCi[]) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return (row: ReachedCi): ReachedJson => {
    const path: ReachedJson['path'] = [];
    for (let at: ReachedCi | undefined = row; at?.viaId; at = byId.get(at.viaId)) {
      path.push({ relationId: at.relationId!, relationType: at.relationType!, ci: { id: at.id, name: at.name } });
    }
    return { id: row.id, name: row.name, class: row.class, status: row.status, criticality: row.criticality, depth: row.depth, path: path.reverse() };
  };
}

async function traverse(db: Database, id: string, direction: Direction, query: Query) {
  const types = query.types ?? (RELATION_TYPES as RelationType[]);
  const { rows, total } = await reach(db, id, { direction, maxDepth: query.depth, types, limit: query.limit, withServices: direction === 'impact' });
  const root = rows[0];
  if (!root) throw notFound(`no configuration item ${id}`);
  const list = lister(rows);
  return {
    rows,
    list,
    answer: {
      root: { id: root.id, name: root.name, class: root.class, status: root.status, criticality: root.criticality },
      depth: query.depth,
      types,
      total,
      truncated: total > query.limit,
      // Past the limit come only the CIs on the paths to services.
      items: rows.filter((r) => r.rank > 1 && r.rank <= query.limit + 1).map(list),
    },
  };
}

export const impact: RouteHandler<typeof routes.impact, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { db } = c.get('deps');
  const { rows, list, answer } = await traverse(db, c.req.valid('param').id, 'impact', c.req.valid('query'));
  const through = new Map<string, ReachedCi>();
  for (const row of rows) for (const serviceId of row.serviceIds) through.set(serviceId, row);
  const serviceIds = [...through.keys()];
  const services = await servicesByIds(db, serviceIds);
  const coverage = await customersCovering(db, serviceIds);
  const customers = new Map<string, z.infer<typeof routes.impactSchema>['customers'][number]>();
  for (const { organization, contract, service } of coverage) {
    const customer = customers.get(organization.id) ?? { ...organization, coverage: [] };
    customer.coverage.push({ contract, service });
    customers.set(organization.id, customer);
  }
  return c.json(
    {
      ...answer,
      services: services
        .map((s) => ({ ...s, criticality: s.criticality as ReachedCi['criticality'], through: list(through.get(s.id)!) }))
        .sort((a, b) => a.through.depth - b.through.depth || a.name.localeCompare(b.name)),
      customers: [...customers.values()],
    },
    200,
  );
};

export const dependencies: RouteHandler<typeof routes.dependencies, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { answer } = await traverse(c.get('deps').db, c.req.valid('param').id, 'dependencies', c.req.valid('query'));
  return c.json(answer, 200);
};
