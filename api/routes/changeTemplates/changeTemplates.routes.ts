import { createRoute, z } from '@hono/zod-openapi';
import { RISKS } from '../../../domain/change';
import { LIMITS, levelSchema } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, textQuery } from '../organizations/catalog';
import { security, tags, WRITERS } from './changeConfiguration';

/** The longest window a standard change may plan: a week. */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;

export const changeTemplateSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    risk: z.enum(RISKS),
    impact: z.number().int().min(1).max(3).openapi({ description: '1 high, 2 medium, 3 low' }),
    urgency: z.number().int().min(1).max(3).openapi({ description: '1 high, 2 medium, 3 low' }),
    implementationPlan: z.string(),
    backoutPlan: z.string(),
    maxDurationMinutes: z.number().int().openapi({ description: 'The longest window a change raised from the template may plan' }),
    active: z.boolean().openapi({ description: 'False once deactivated: kept for the changes raised from it, offered to no new one' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ChangeTemplate');

const name = requiredText(LIMITS.name).openapi({ example: 'Restart an application server' });
const description = storableString().max(LIMITS.description);
const plan = requiredText(LIMITS.description);
const maxDurationMinutes = z.number().int().min(1).max(MAX_DURATION_MINUTES).openapi({ description: `Minutes, 1 to ${MAX_DURATION_MINUTES} (a week)`, example: 30 });

export const createChangeTemplateBody = z
  .strictObject({
    name,
    description: description.default(''),
    risk: z.enum(RISKS),
    impact: levelSchema,
    urgency: levelSchema,
    implementationPlan: plan.openapi({ example: 'Drain the node, restart the service, check the health endpoint' }),
    backoutPlan: plan.openapi({ example: 'Put the node back in the pool as it was' }),
    maxDurationMinutes,
  })
  .openapi('NewChangeTemplate');

export const updateChangeTemplateBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    risk: z.enum(RISKS).optional(),
    impact: levelSchema.optional(),
    urgency: levelSchema.optional(),
    implementationPlan: plan.optional(),
    backoutPlan: plan.optional(),
    maxDurationMinutes: maxDurationMinutes.optional(),
    active: z.boolean().optional().openapi({ description: 'true reactivates; false deactivates, as DELETE does' }),
  })
  .refine(atLeastOneField, 'name at least one of name, description, risk, impact, urgency, implementationPlan, backoutPlan, maxDurationMinutes, active')
  .meta({ minProperties: 1 })
  .openapi('ChangeTemplateChanges');

const changeTemplateResponse = (description: string) => ({ description, content: { 'application/json': { schema: changeTemplateSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/change-templates',
  tags,
  security,
  operationId: 'createChangeTemplate',
  summary: 'Create a change template: a pre-approved standard change, raised as often as needed',
  description: `${WRITERS} A taken name is a 409.`,
  request: { body: { required: true, content: { 'application/json': { schema: createChangeTemplateBody } } } },
  responses: { 201: changeTemplateResponse('Created'), ...problemResponses(400, 401, 403, 409) },
});

export const list = createRoute({
  method: 'get',
  path: '/change-templates',
  tags,
  security,
  operationId: 'listChangeTemplates',
  summary: 'List change templates by name',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      q: textQuery.openapi({ description: 'Text in the name or the description' }),
      active: activeQuery.openapi({ description: 'true: only those offered for new changes; false: only deactivated ones' }),
    }),
  },
  responses: {
    200: { description: 'Change templates', content: { 'application/json': { schema: listOf(changeTemplateSchema, 'ChangeTemplateList') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/change-templates/{id}',
  tags,
  security,
  operationId: 'getChangeTemplate',
  summary: 'One change template, active or not',
  request: { params: idParam },
  responses: { 200: changeTemplateResponse('The change template'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/change-templates/{id}',
  tags,
  security,
  operationId: 'updateChangeTemplate',
  summary: 'Change a change template; changes already raised from it keep what they copied',
  description: `${WRITERS} A taken name is a 409.`,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateChangeTemplateBody } } } },
  responses: { 200: changeTemplateResponse('The change template as changed'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/change-templates/{id}',
  tags,
  security,
  operationId: 'deactivateChangeTemplate',
  summary: 'Deactivate a change template: kept for the changes raised from it, offered to no new one',
  description: WRITERS,
  request: { params: idParam },
  responses: { 200: changeTemplateResponse('The change template, deactivated'), ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('change-templates', 'change template', tags, 'getChangeTemplateHistory', 'ChangeTemplateHistory');
