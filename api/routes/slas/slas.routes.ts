import { createRoute, z } from '@hono/zod-openapi';
import { LIMITS } from '../../../domain/incident';
import { DEFAULT_WARN_AT_PERCENT, slaTargetsSchema } from '../../../domain/sla';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, listOf, paginationQuery } from '../../schemas';

const tags = ['Service levels'];
const security = [{ bearer: [] }];

export const slaSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    targets: slaTargetsSchema,
    warnAtPercent: z.number().int(),
    calendarId: z.uuid().nullable().openapi({ description: 'The business-hours calendar the clocks count; null for 24×7' }),
    isDefault: z.boolean(),
    active: z.boolean().openapi({ description: 'False once deactivated: kept for the tickets that carry it, offered to no new one' }),
  })
  .openapi('Sla');

const calendarId = z
  .uuid()
  .nullable()
  .openapi({
    description:
      'The business-hours calendar (GET /calendars) whose open time the clocks count; null or absent for 24×7. An unknown calendar is refused (422). Tickets take a snapshot of the calendar when they open',
  });

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
    calendarId: calendarId.default(null),
    isDefault: z.boolean().default(false).openapi({ description: 'Make this the SLA of incidents that name none' }),
  })
  .openapi('NewSla');

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const slaResponse = (description: string) => ({ description, content: { 'application/json': { schema: slaSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/slas',
  tags,
  security,
  operationId: 'createSla',
  summary: 'Create an SLA',
  description: 'Needs the admin or service_manager role.',
  request: { body: { required: true, content: { 'application/json': { schema: createSlaBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: slaSchema } } }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/slas',
  tags,
  security,
  operationId: 'listSlas',
  summary: 'List SLAs',
  request: { query: z.strictObject({ ...paginationQuery, active: activeQuery }) },
  responses: { 200: { description: 'SLAs', content: { 'application/json': { schema: listOf(slaSchema, 'SlaList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/slas/{id}',
  tags,
  security,
  operationId: 'getSla',
  summary: 'One SLA',
  request: { params: idParam },
  responses: { 200: { description: 'The SLA', content: { 'application/json': { schema: slaSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

export const updateSlaBody = z
  .strictObject({
    name: createSlaBody.shape.name.optional(),
    targets: slaTargetsSchema.optional(),
    warnAtPercent: z.number().int().min(1).max(99).optional(),
    calendarId: calendarId.optional(),
    isDefault: z
      .boolean()
      .optional()
      .openapi({ description: 'true makes this the default SLA, and the previous default stops being one; the default cannot be unset, only moved (409)' }),
    active: z.boolean().optional().openapi({ description: 'true reactivates a deactivated SLA; false deactivates, as DELETE does (409 for the default)' }),
  })
  .refine(atLeastOneField, 'name at least one of name, targets, warnAtPercent, calendarId, isDefault, active')
  .meta({ minProperties: 1 })
  .openapi('SlaChanges');

export const update = createRoute({
  method: 'patch',
  path: '/slas/{id}',
  tags,
  security,
  operationId: 'updateSla',
  summary: 'Change an SLA; tickets already running keep the targets and calendar they started with',
  description: 'Needs the admin or service_manager role.',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateSlaBody } } } },
  responses: { 200: slaResponse('The SLA as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/slas/{id}',
  tags,
  security,
  operationId: 'deactivateSla',
  summary: 'Deactivate an SLA: offered to no new ticket, kept for those that carry it; never the default (409)',
  description: 'Needs the admin or service_manager role.',
  request: { params: idParam },
  responses: { 200: slaResponse('The SLA, deactivated'), ...problemResponses(400, 401, 403, 404, 409) },
});
