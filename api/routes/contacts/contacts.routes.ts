import { createRoute, z } from '@hono/zod-openapi';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, emailSchema, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, textQuery } from '../organizations/catalog';

const tags = ['Organizations and contacts'];
const security = [{ bearer: [] }];

export const contactSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable().openapi({ description: 'Lower-cased; unique among contacts' }),
    phone: z.string(),
    function: z.string().openapi({ description: 'What the person does, such as "IT manager"' }),
    organizationId: z.uuid(),
    userId: z.uuid().nullable().openapi({ description: 'The user account the person signs in with, if any' }),
    active: z.boolean().openapi({ description: 'False once deactivated: kept for history, named on nothing new' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Contact');

const name = requiredText(LIMITS.name);
const shortText = storableString().trim().max(LIMITS.name);
const organizationId = z.uuid().openapi({ description: 'The active organization the person belongs to' });
const userId = z.uuid().openapi({ description: 'An active user account, linked to no other contact' });

export const createContactBody = z
  .strictObject({
    name,
    email: emailSchema.optional(),
    phone: shortText.default(''),
    function: shortText.default(''),
    organizationId,
    userId: userId.optional(),
  })
  .openapi('NewContact');

export const updateContactBody = z
  .strictObject({
    name: name.optional(),
    email: emailSchema.nullable().optional(),
    phone: shortText.optional(),
    function: shortText.optional(),
    organizationId: organizationId.optional(),
    userId: userId.nullable().optional(),
    active: z.boolean().optional().openapi({ description: 'true reactivates; false deactivates, as DELETE does' }),
  })
  .refine(atLeastOneField, 'name at least one of name, email, phone, function, organizationId, userId, active')
  .meta({ minProperties: 1 })
  .openapi('ContactChanges');

const contactResponse = (description: string) => ({ description, content: { 'application/json': { schema: contactSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/contacts',
  tags,
  security,
  operationId: 'createContact',
  summary: 'Record a person the desk knows of, who may or may not be a user',
  request: { body: { required: true, content: { 'application/json': { schema: createContactBody } } } },
  responses: { 201: contactResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/contacts',
  tags,
  security,
  operationId: 'listContacts',
  summary: 'List contacts by name',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      organizationId: z.uuid().optional(),
      q: textQuery.openapi({ description: 'Text in the name or the email' }),
      active: activeQuery,
    }),
  },
  responses: { 200: { description: 'Contacts', content: { 'application/json': { schema: listOf(contactSchema, 'ContactList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/contacts/{id}',
  tags,
  security,
  operationId: 'getContact',
  summary: 'One contact',
  request: { params: idParam },
  responses: { 200: contactResponse('The contact'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/contacts/{id}',
  tags,
  security,
  operationId: 'updateContact',
  summary: 'Change a contact',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateContactBody } } } },
  responses: { 200: contactResponse('The contact as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/contacts/{id}',
  tags,
  security,
  operationId: 'deactivateContact',
  summary: 'Deactivate a contact, kept for history',
  request: { params: idParam },
  responses: { 200: contactResponse('The contact, deactivated'), ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('contacts', 'contact', tags, 'getContactHistory', 'ContactHistory');
