import { createRoute, z } from '@hono/zod-openapi';
import { CI_CLASSES, CI_STATUSES, CRITICALITIES, RELATION_TYPES, type RelationType } from '../../../domain/cmdb';
import { problemResponses } from '../../problem';
import { relationTypeSchema } from '../ciRelations/ciRelations.routes';

const tags = ['Configuration items'];
const security = [{ bearer: [] }];

export const MAX_DEPTH = 20;
export const DEFAULT_DEPTH = 6;
export const MAX_ITEMS = 10_000;
export const DEFAULT_ITEMS = 1_000;

const typesQuery = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    const types = [...new Set(s.split(','))];
    const unknown = types.filter((t) => !(RELATION_TYPES as string[]).includes(t));
    if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown relation type ${unknown.join(', ')}; one or several of ${RELATION_TYPES.join(', ')}` });
    return types as RelationType[];
  })
  .optional()
  .openapi({
    description: `Relation types to follow, comma-separated (${RELATION_TYPES.join(', ')}); all when absent`,
    pattern: `^(${RELATION_TYPES.join('|')})(,(${RELATION_TYPES.join('|')}))*$`,
    example: 'runs_on,depends_on',
  });

export const traversalQuery = z.strictObject({
  depth: z.coerce.number().int().min(1).max(MAX_DEPTH).default(DEFAULT_DEPTH).openapi({ description: 'Hops to follow at most' }),
  types: typesQuery,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_ITEMS)
    .default(DEFAULT_ITEMS)
    .openapi({ description: 'CIs listed in items at most, nearest first; total counts them all' }),
});

const ciSummary = { id: z.uuid(), name: z.string(), class: z.enum(CI_CLASSES), status: z.enum(CI_STATUSES), criticality: z.enum(CRITICALITIES) };

const stepSchema = z
  .object({
    relationId: z.uuid(),
    relationType: relationTypeSchema,
    ci: z.object({ id: z.uuid(), name: z.string() }).openapi({ description: 'The CI this step reaches' }),
  })
  .openapi('TraversalStep');

export const reachedCiSchema = z
  .object({
    ...ciSummary,
    depth: z.int().openapi({ description: 'Hops from the root on a shortest path' }),
    path: z.array(stepSchema).openapi({ description: 'One shortest path from the root to this CI, a step per relation; empty for the root itself' }),
  })
  .openapi('ReachedCi');

const traversal = {
  root: z.object(ciSummary).openapi('TraversalRoot'),
  depth: z.int().openapi({ description: 'The depth limit applied' }),
  types: z.array(relationTypeSchema).openapi({ description: 'The relation types followed' }),
  total: z.int().openapi({ description: 'CIs reached, the root not counted' }),
  truncated: z.boolean().openapi({ description: 'True when items lists fewer than total (raise limit for more)' }),
  items: z.array(reachedCiSchema).openapi({ description: 'The CIs reached, nearest first, then by name; retired ones too, marked by their status' }),
};

const ref = z.object({ id: z.uuid(), name: z.string() });

export const impactSchema = z
  .object({
    ...traversal,
    services: z
      .array(
        z
          .object({
            id: z.uuid(),
            name: z.string(),
            status: z.string(),
            criticality: z.enum(CRITICALITIES),
            through: reachedCiSchema.openapi({ description: 'The nearest of the service’s CIs that is impacted (the root itself at depth 0)' }),
          })
          .openapi('ImpactedService'),
      )
      .openapi({ description: 'Services that list the root or an impacted CI, nearest first, then by name' }),
    customers: z
      .array(
        z
          .object({
            id: z.uuid(),
            name: z.string(),
            coverage: z
              .array(z.object({ contract: ref, service: ref }))
              .openapi({ description: 'Each of the customer’s contracts covering an impacted service, with that service' }),
          })
          .openapi('ImpactedCustomer'),
      )
      .openapi({ description: 'Organizations with an active customer contract in force that covers an impacted service' }),
  })
  .openapi('ImpactAnalysis');

export const dependenciesSchema = z.object(traversal).openapi('DependencyAnalysis');

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const impact = createRoute({
  method: 'get',
  path: '/cis/{id}/impact',
  tags,
  security,
  operationId: 'getCiImpact',
  summary: 'Everything that depends on a CI, transitively, with a shortest path to each, the services they deliver and the customers of those services',
  description:
    'Follows relations from provider to dependent (a VM is impacted by the server that hosts it, an application by the VM it runs on). ' +
    'Cycles are allowed: each CI is listed once, at its smallest depth.',
  request: { params: idParam, query: traversalQuery },
  responses: { 200: { description: 'The impact analysis', content: { 'application/json': { schema: impactSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

export const dependencies = createRoute({
  method: 'get',
  path: '/cis/{id}/dependencies',
  tags,
  security,
  operationId: 'getCiDependencies',
  summary: 'Everything a CI depends on, transitively, with a shortest path to each',
  description: 'Follows relations from dependent to provider: the servers, networks and databases the CI needs. Each CI is listed once, at its smallest depth.',
  request: { params: idParam, query: traversalQuery },
  responses: { 200: { description: 'The dependency analysis', content: { 'application/json': { schema: dependenciesSchema } } }, ...problemResponses(400, 401, 403, 404) },
});
