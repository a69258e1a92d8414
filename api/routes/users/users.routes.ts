import { createRoute, z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/people';
import { LIMITS } from '../../../domain/incident';
import { problemResponses } from '../../problem';
import { emailSchema, listOf, paginationQuery, userSchema } from '../../schemas';

const tags = ['People'];
const security = [{ bearer: [] }];

export const createUserBody = z
  .strictObject({
    email: emailSchema,
    name: z.string().trim().min(1).max(LIMITS.name),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  })
  .openapi('NewUser');

export const create = createRoute({
  method: 'post',
  path: '/users',
  tags,
  security,
  summary: 'Create a user; the response carries its API token, shown this once',
  request: { body: { required: true, content: { 'application/json': { schema: createUserBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ user: userSchema, token: z.string() }).openapi('CreatedUser') } } },
    ...problemResponses(400, 401, 403, 409),
  },
});

export const list = createRoute({
  method: 'get',
  path: '/users',
  tags,
  security,
  summary: 'List users',
  request: { query: z.strictObject({ ...paginationQuery, role: z.enum(ROLES).optional(), email: emailSchema.optional() }) },
  responses: { 200: { description: 'Users', content: { 'application/json': { schema: listOf(userSchema, 'UserList') } } }, ...problemResponses(400, 401, 403) },
});

export const me = createRoute({
  method: 'get',
  path: '/users/me',
  tags,
  security,
  summary: 'The user the bearer token belongs to',
  responses: { 200: { description: 'You', content: { 'application/json': { schema: userSchema } } }, ...problemResponses(401) },
});

export const issueToken = createRoute({
  method: 'post',
  path: '/users/{id}/tokens',
  tags,
  security,
  summary: 'Issue another API token for a user (admins, or the user for themselves); shown this once',
  request: {
    params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
    body: { required: true, content: { 'application/json': { schema: z.strictObject({ label: z.string().trim().max(LIMITS.name).default('') }).openapi('NewToken') } } },
  },
  responses: {
    201: { description: 'Issued', content: { 'application/json': { schema: z.object({ token: z.string() }).openapi('IssuedToken') } } },
    ...problemResponses(400, 401, 403, 404),
  },
});
