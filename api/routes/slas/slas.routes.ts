import { createRoute, z } from '@hono/zod-openapi';
import { LIMITS } from '../../../domain/incident';
import { DEFAULT_WARN_AT_PERCENT, slaTargetsSchema } from '../../../domain/sla';
import { problemResponses } from '../../problem';
import { listOf, paginationQuery } from '../../schemas';

const tags = ['Service levels'];
const security = [{ bearer: [] }];

export const slaSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    targets: slaTargetsSchema,
    warnAtPercent: z.number().int(),
    calendar: z.object({ kind: z.literal('24x7') }),
    isDefault: z.boolean(),
  })
  .openapi('Sla');

export const createSlaBody = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.name),
    targets: slaTargetsSchema.meta({
      description: 'Per priority (1 critical … 5 planning): seconds to respond and to resolve; null for no target',
      example: {
        '1': { responseSeconds: 900, resolutionSeconds: 3600 },
        '2': { responseSeconds: 3600, resolutionSeconds: 28800 },
        '3': { responseSeconds: 14400, resolutionSeconds: 86400 },
        '4': { responseSeconds: 28800, resolutionSeconds: 172800 },
        '5': { responseSeconds: null, resolutionSeconds: null },
      },
    }),
    warnAtPercent: z.number().int().min(1).max(99).default(DEFAULT_WARN_AT_PERCENT),
    isDefault: z.boolean().default(false).openapi({ description: 'Make this the SLA of incidents that name none' }),
  })
  .openapi('NewSla');

export const create = createRoute({
  method: 'post',
  path: '/slas',
  tags,
  security,
  summary: 'Create an SLA',
  request: { body: { required: true, content: { 'application/json': { schema: createSlaBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: slaSchema } } }, ...problemResponses(400, 401, 403, 409) },
});

export const list = createRoute({
  method: 'get',
  path: '/slas',
  tags,
  security,
  summary: 'List SLAs',
  request: { query: z.strictObject(paginationQuery) },
  responses: { 200: { description: 'SLAs', content: { 'application/json': { schema: listOf(slaSchema, 'SlaList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/slas/{id}',
  tags,
  security,
  summary: 'One SLA',
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: { description: 'The SLA', content: { 'application/json': { schema: slaSchema } } }, ...problemResponses(400, 401, 403, 404) },
});
