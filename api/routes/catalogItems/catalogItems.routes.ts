import { createRoute, z } from '@hono/zod-openapi';
import { TASK_ORDERS } from '../../../domain/catalog';
import { approvalLevelSchema, catalogDefinitionFields, catalogItemSpecSchema, formFieldSchema, taskTemplateSchema } from '../../../domain/catalogForm';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, textQuery } from '../organizations/catalog';

const tags = ['Service catalog'];
const security = [{ bearer: [] }];
const WRITERS = 'Needs the catalog_manager or admin role.';
const DEFINITION_ERRORS =
  'A bad definition is a 400 naming each field (form.2.options, costField, tasks.1.after.0); a team (approvals.0.approver.team, tasks.1.team) or SLA (slaId) that does not exist is a 422 naming it; a taken name is a 409.';

/** What every signed-in user sees of an item: enough to order it. */
export const catalogEntrySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.string(),
    description: z.string(),
    form: z.array(formFieldSchema),
    price: z.number().nullable().openapi({ description: 'The cost of an order when its form does not give it' }),
  })
  .openapi('CatalogEntry');

/** The whole item, as staff see it: who approves, what fulfils it, under which SLA. */
export const catalogItemSchema = catalogEntrySchema
  .extend({
    approvals: z.array(approvalLevelSchema),
    costField: z.string().nullable().openapi({ description: 'The number field of the form whose answer is an order’s cost' }),
    tasks: z.array(taskTemplateSchema),
    taskOrder: z.enum(TASK_ORDERS),
    slaId: z.uuid().nullable().openapi({ description: 'The fulfilment SLA; null: the default SLA' }),
    active: z.boolean().openapi({ description: 'False once deactivated: offered to no new order, kept for the requests made of it' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('CatalogItem');

const asSeen = z
  .union([catalogItemSchema, catalogEntrySchema])
  .openapi({ description: 'Staff see the whole CatalogItem; other users the CatalogEntry of an active item' });

const name = requiredText(LIMITS.name).openapi({ example: 'New laptop' });
const category = requiredText(LIMITS.category).openapi({ example: 'Hardware' });
const description = storableString().max(LIMITS.description);

export const createCatalogItemBody = catalogItemSpecSchema
  .safeExtend({
    name,
    category,
    description: description.default(''),
    slaId: z.uuid().optional().openapi({ description: 'An active SLA for fulfilment; without it, the default SLA' }),
  })
  .openapi('NewCatalogItem');

export const updateCatalogItemBody = z
  .strictObject({
    name: name.optional(),
    category: category.optional(),
    description: description.optional(),
    form: catalogDefinitionFields.form.optional(),
    approvals: catalogDefinitionFields.approvals.optional(),
    costField: catalogDefinitionFields.costField.optional(),
    price: catalogDefinitionFields.price.optional(),
    tasks: catalogDefinitionFields.tasks.optional(),
    taskOrder: catalogDefinitionFields.taskOrder.optional(),
    slaId: z.uuid().nullable().optional().openapi({ description: 'An active SLA, or null for the default SLA' }),
    active: z.boolean().optional().openapi({ description: 'true reactivates; false deactivates, as DELETE does' }),
  })
  .refine(atLeastOneField, 'name at least one field to change')
  .meta({ minProperties: 1 })
  .openapi('CatalogItemChanges');

const itemResponse = (description: string) => ({ description, content: { 'application/json': { schema: catalogItemSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/catalog-items',
  tags,
  security,
  operationId: 'createCatalogItem',
  summary: 'Add an item to the service catalog: its form, approval levels, fulfilment tasks and SLA',
  description: `${WRITERS} ${DEFINITION_ERRORS}`,
  request: { body: { required: true, content: { 'application/json': { schema: createCatalogItemBody } } } },
  responses: { 201: itemResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/catalog-items',
  tags,
  security,
  operationId: 'listCatalogItems',
  summary: 'List the catalog by name: staff see whole items, active or not; other users the active items’ entries',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      q: textQuery.openapi({ description: 'Text in the name, the category or the description' }),
      category: requiredText(LIMITS.category).optional().openapi({ description: 'Only items of this category (exactly)' }),
      active: activeQuery.openapi({ description: 'true: only items offered for new orders; false: only deactivated ones (staff)' }),
    }),
  },
  responses: {
    200: { description: 'Catalog items', content: { 'application/json': { schema: listOf(asSeen, 'CatalogItemList') } } },
    ...problemResponses(400, 401),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/catalog-items/{id}',
  tags,
  security,
  operationId: 'getCatalogItem',
  summary: 'One catalog item: the whole item for staff, active or not; the entry of an active item for other users',
  request: { params: idParam },
  responses: {
    200: { description: 'The catalog item', content: { 'application/json': { schema: asSeen } } },
    ...problemResponses(400, 401, 404),
  },
});

export const update = createRoute({
  method: 'patch',
  path: '/catalog-items/{id}',
  tags,
  security,
  operationId: 'updateCatalogItem',
  summary: 'Change a catalog item; requests already made keep what they took of it',
  description: `${WRITERS} The definition is checked whole, what is sent with what is kept (a form without the costField's number field is a 400 naming costField). ${DEFINITION_ERRORS}`,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateCatalogItemBody } } } },
  responses: { 200: itemResponse('The catalog item as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/catalog-items/{id}',
  tags,
  security,
  operationId: 'deactivateCatalogItem',
  summary: 'Deactivate a catalog item: offered to no new order, kept for the requests made of it',
  description: WRITERS,
  request: { params: idParam },
  responses: { 200: itemResponse('The catalog item, deactivated'), ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('catalog-items', 'catalog item', tags, 'getCatalogItemHistory', 'CatalogItemHistory');
