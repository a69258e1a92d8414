import { createRoute, z } from '@hono/zod-openapi';
import { CI_CLASSES, RELATION_DEPENDENT_END, RELATION_TYPES, type RelationType } from '../../../domain/cmdb';
import { problemResponses } from '../../problem';
import { listOf, paginationQuery } from '../../schemas';

const tags = ['Configuration items'];
const security = [{ bearer: [] }];

const typeList = RELATION_TYPES.map((t) => `${t} (${RELATION_DEPENDENT_END[t]} depends on the other end)`).join(', ');
export const relationTypeSchema = z.enum(RELATION_TYPES as [RelationType, ...RelationType[]]).openapi({
  description: `Read "source <type> target": ${typeList}`,
});

export const relationEndSchema = z.object({ id: z.uuid(), name: z.string(), class: z.enum(CI_CLASSES) }).openapi('CiRelationEnd');

export const relationSchema = z
  .object({
    id: z.uuid(),
    source: relationEndSchema,
    type: relationTypeSchema,
    target: relationEndSchema,
    dependentId: z.uuid().openapi({ description: 'The end that depends on the other: impact flows from the provider to it' }),
    providerId: z.uuid().openapi({ description: 'The end the other depends on' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    createdBy: z.string().openapi({ description: 'Email of the user who created it' }),
  })
  .openapi('CiRelation');

export const createRelationBody = z
  .strictObject({
    sourceId: z.uuid().openapi({ description: 'The CI the sentence starts with' }),
    type: relationTypeSchema,
    targetId: z.uuid().openapi({ description: 'The CI the sentence ends with; not the source' }),
  })
  .openapi('NewCiRelation');

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const relationContent = { 'application/json': { schema: relationSchema } };

export const create = createRoute({
  method: 'post',
  path: '/ci-relations',
  tags,
  security,
  operationId: 'createCiRelation',
  summary: 'Relate two configuration items ("source type target"); the same relation twice is a 409 naming the existing one',
  description:
    'Both CIs record the relation as linked in their history. Cycles are allowed: impact analysis visits each CI once. ' +
    'A relation to the CI itself, or to a CI that does not exist, is a 422 naming the field.',
  request: { body: { required: true, content: { 'application/json': { schema: createRelationBody } } } },
  responses: { 201: { description: 'Created', content: relationContent }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/ci-relations',
  tags,
  security,
  operationId: 'listCiRelations',
  summary: 'Relations, of one CI (either end) and of one type when asked',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      ciId: z.uuid().optional().openapi({ description: 'Only relations with this CI at either end' }),
      type: relationTypeSchema.optional(),
    }),
  },
  responses: { 200: { description: 'Relations', content: { 'application/json': { schema: listOf(relationSchema, 'CiRelationList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/ci-relations/{id}',
  tags,
  security,
  operationId: 'getCiRelation',
  summary: 'One relation',
  request: { params: idParam },
  responses: { 200: { description: 'The relation', content: relationContent }, ...problemResponses(400, 401, 403, 404) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/ci-relations/{id}',
  tags,
  security,
  operationId: 'deleteCiRelation',
  summary: 'Remove a relation; both CIs record it as unlinked in their history',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});
