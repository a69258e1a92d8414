import { createRoute, z } from '@hono/zod-openapi';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, textQuery } from './catalog';

const tags = ['Organizations and contacts'];
const security = [{ bearer: [] }];

export const organizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    code: z.string().nullable().openapi({ description: 'A short code, unique among organizations (imports, email routing)' }),
    description: z.string(),
    parentId: z.uuid().nullable().openapi({ description: 'The organization this one is part of' }),
    active: z.boolean().openapi({ description: 'False once deactivated: kept for history, offered to nothing new' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Organization');

const name = requiredText(LIMITS.name);
const code = requiredText(LIMITS.name).openapi({ description: 'Unique among organizations' });
const description = storableString().max(LIMITS.description);

export const createOrganizationBody = z
  .strictObject({
    name,
    code: code.optional(),
    description: description.default(''),
    parentId: z.uuid().optional().openapi({ description: 'An active organization this one is part of' }),
  })
  .openapi('NewOrganization');

export const updateOrganizationBody = z
  .strictObject({
    name: name.optional(),
    code: code.nullable().optional(),
    description: description.optional(),
    parentId: z.uuid().nullable().optional().openapi({ description: 'null detaches it; a parent that is this organization or one below it is refused (422)' }),
    active: z.boolean().optional().openapi({ description: 'true reactivates; false deactivates, as DELETE does' }),
  })
  .refine(atLeastOneField, 'name at least one of name, code, description, parentId, active')
  .meta({ minProperties: 1 })
  .openapi('OrganizationChanges');

const organizationResponse = (description: string) => ({ description, content: { 'application/json': { schema: organizationSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/organizations',
  tags,
  security,
  operationId: 'createOrganization',
  summary: 'Create an organization: a customer, a provider, or the one running the desk',
  request: { body: { required: true, content: { 'application/json': { schema: createOrganizationBody } } } },
  responses: { 201: organizationResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/organizations',
  tags,
  security,
  operationId: 'listOrganizations',
  summary: 'List organizations by name',
  request: {
    query: z.strictObject({ ...paginationQuery, q: textQuery.openapi({ description: 'Text in the name or the code' }), active: activeQuery }),
  },
  responses: {
    200: { description: 'Organizations', content: { 'application/json': { schema: listOf(organizationSchema, 'OrganizationList') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/organizations/{id}',
  tags,
  security,
  operationId: 'getOrganization',
  summary: 'One organization (staff; any user may read their own)',
  request: { params: idParam },
  responses: { 200: organizationResponse('The organization'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/organizations/{id}',
  tags,
  security,
  operationId: 'updateOrganization',
  summary: 'Change an organization',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateOrganizationBody } } } },
  responses: { 200: organizationResponse('The organization as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/organizations/{id}',
  tags,
  security,
  operationId: 'deactivateOrganization',
  summary: 'Deactivate an organization, kept for history; refused (409) while active sub-organizations or active contracts name it',
  request: { params: idParam },
  responses: { 200: organizationResponse('The organization, deactivated'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const history = historyRoute('organizations', 'organization', tags, 'getOrganizationHistory', 'OrganizationHistory');
