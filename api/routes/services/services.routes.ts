import { createRoute, z } from '@hono/zod-openapi';
import { CI_CLASSES, CI_STATUSES, CRITICALITIES } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { atLeastOneField, listOf, paginationQuery, teamNameSchema } from '../../schemas';
import { historyRoute, idParam, idSet, textQuery } from '../organizations/catalog';

const tags = ['Services and contracts'];
const security = [{ bearer: [] }];

/** A service is designed, then in production, then retired; only production services are expected to serve. */
export const SERVICE_STATUSES = ['design', 'production', 'retired'] as const;

/** What every signed-in user may see of a service: the portal lists services by name and status. */
export const serviceSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    criticality: z.enum(CRITICALITIES),
    status: z.enum(SERVICE_STATUSES),
    organizationId: z.uuid().nullable().openapi({ description: 'The provider organization' }),
  })
  .openapi('ServiceSummary');

export const serviceSchema = serviceSummarySchema
  .extend({
    supportTeam: z.string().nullable(),
    slaId: z.uuid().nullable().openapi({ description: 'The SLA of an incident on the service when no customer contract covering it names one' }),
    cis: z
      .array(z.object({ id: z.uuid(), name: z.string(), class: z.enum(CI_CLASSES), status: z.enum(CI_STATUSES) }))
      .openapi({ description: 'The configuration items that deliver the service, by name' }),
    contracts: z
      .array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          organizationId: z.uuid().openapi({ description: 'The customer' }),
          active: z.boolean(),
          current: z.boolean().openapi({ description: 'Active, and today is within its start and end' }),
        }),
      )
      .openapi({ description: 'The customer contracts covering the service, by name' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Service');

const name = requiredText(LIMITS.name);
const description = storableString().max(LIMITS.description);
const ciIds = idSet('configuration item').openapi({ description: 'The configuration items that deliver the service; replaces the set' });

export const createServiceBody = z
  .strictObject({
    name,
    description: description.default(''),
    criticality: z.enum(CRITICALITIES),
    status: z.enum(SERVICE_STATUSES).default('production'),
    organizationId: z.uuid().optional().openapi({ description: 'The active provider organization' }),
    supportTeam: teamNameSchema.optional(),
    slaId: z.uuid().optional().openapi({ description: 'An active SLA: the default of incidents on this service' }),
    ciIds: ciIds.default([]),
  })
  .openapi('NewService');

export const updateServiceBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    criticality: z.enum(CRITICALITIES).optional(),
    status: z.enum(SERVICE_STATUSES).optional(),
    organizationId: z.uuid().nullable().optional(),
    supportTeam: teamNameSchema.nullable().optional(),
    slaId: z.uuid().nullable().optional(),
    ciIds: ciIds.optional(),
  })
  .refine(atLeastOneField, 'name at least one of name, description, criticality, status, organizationId, supportTeam, slaId, ciIds')
  .meta({ minProperties: 1 })
  .openapi('ServiceChanges');

const serviceResponse = (description: string) => ({ description, content: { 'application/json': { schema: serviceSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/services',
  tags,
  security,
  operationId: 'createService',
  summary: 'Create a service with the configuration items that deliver it',
  request: { body: { required: true, content: { 'application/json': { schema: createServiceBody } } } },
  responses: { 201: serviceResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/services',
  tags,
  security,
  operationId: 'listServices',
  summary: 'List services by name, as summaries: any signed-in user may (the portal offers them)',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      status: z.enum(SERVICE_STATUSES).optional(),
      criticality: z.enum(CRITICALITIES).optional(),
      organizationId: z.uuid().optional().openapi({ description: 'The provider' }),
      q: textQuery.openapi({ description: 'Text in the name or the description' }),
    }),
  },
  responses: {
    200: { description: 'Services', content: { 'application/json': { schema: listOf(serviceSummarySchema, 'ServiceList') } } },
    ...problemResponses(400, 401),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/services/{id}',
  tags,
  security,
  operationId: 'getService',
  summary: 'One service with its support team, SLA, configuration items and the customer contracts covering it (staff)',
  request: { params: idParam },
  responses: { 200: serviceResponse('The service'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/services/{id}',
  tags,
  security,
  operationId: 'updateService',
  summary: 'Change a service; ciIds replaces its configuration items',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateServiceBody } } } },
  responses: { 200: serviceResponse('The service as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/services/{id}',
  tags,
  security,
  operationId: 'deleteService',
  summary: 'Delete a service (its history stays); refused (409) while an active contract covers it or a ticket names it: retire it instead',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const history = historyRoute('services', 'service', tags, 'getServiceHistory', 'ServiceHistory');
