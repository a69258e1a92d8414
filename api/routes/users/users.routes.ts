import { createRoute, z } from '@hono/zod-openapi';
import { MAX_LIVE_TOKENS, MAX_TOKEN_DAYS, ROLES } from '../../../db/people';
import { LIMITS } from '../../../domain/incident';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, emailSchema, listOf, paginationQuery, userSchema } from '../../schemas';

const tags = ['People'];
const security = [{ bearer: [] }];

const managerIdSchema = z.uuid().openapi({ description: 'An active user who approves this user’s requests when a catalog item asks for their manager' });

export const createUserBody = z
  .strictObject({
    email: emailSchema,
    name: z.string().trim().min(1).max(LIMITS.name),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
    organizationId: z.uuid().optional().openapi({ description: 'The active organization the user belongs to: what their tickets are filed under' }),
    managerId: managerIdSchema.optional(),
  })
  .openapi('NewUser');

// A new object of the same fields, not an extension: an extension of the registered User would refer to itself.
const userView = z
  .object({
    ...userSchema.shape,
    organizationId: z.uuid().nullable().openapi({ description: 'The organization the user belongs to: what their tickets are filed under' }),
    managerId: z.uuid().nullable().openapi({ description: 'The user who approves this user’s requests when a catalog item asks for their manager' }),
  })
  .openapi('User');

export const create = createRoute({
  method: 'post',
  path: '/users',
  tags,
  security,
  operationId: 'createUser',
  summary: 'Create a user; the response carries its API token, shown this once',
  request: { body: { required: true, content: { 'application/json': { schema: createUserBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: z.object({ user: userView, token: z.string() }).openapi('CreatedUser') } } },
    ...problemResponses(400, 401, 403, 409, 422),
  },
});

export const list = createRoute({
  method: 'get',
  path: '/users',
  tags,
  security,
  operationId: 'listUsers',
  summary: 'List users',
  request: {
    query: z.strictObject({ ...paginationQuery, role: z.enum(ROLES).optional(), email: emailSchema.optional(), organizationId: z.uuid().optional(), active: activeQuery }),
  },
  responses: { 200: { description: 'Users', content: { 'application/json': { schema: listOf(userView, 'UserList') } } }, ...problemResponses(400, 401, 403) },
});

export const me = createRoute({
  method: 'get',
  path: '/users/me',
  tags,
  security,
  operationId: 'getCurrentUser',
  summary: 'The user the bearer token belongs to',
  responses: { 200: { description: 'You', content: { 'application/json': { schema: userView } } }, ...problemResponses(401) },
});

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const updateUserBody = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.name).optional(),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).optional().openapi({ description: 'Admins only' }),
    active: z.boolean().optional().openapi({ description: 'Admins only; false deactivates, as DELETE does' }),
    organizationId: z.uuid().nullable().optional().openapi({ description: 'Admins only; an active organization, or null for none' }),
    managerId: managerIdSchema.nullable().optional().openapi({ description: 'Admins only; an active user other than this one, or null for none' }),
  })
  .refine(atLeastOneField, 'name at least one of name, roles, active, organizationId, managerId')
  .meta({ minProperties: 1 })
  .openapi('UserChanges');

export const update = createRoute({
  method: 'patch',
  path: '/users/{id}',
  tags,
  security,
  operationId: 'updateUser',
  summary: 'Change a user: name, roles, active, organization, manager (admins); users may change their own name',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateUserBody } } } },
  responses: {
    200: { description: 'The user as changed', content: { 'application/json': { schema: userView } } },
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/users/{id}',
  tags,
  security,
  operationId: 'deactivateUser',
  summary: 'Deactivate a user: their tokens stop working at once, their history stays; never the last active admin (409)',
  request: { params: idParam },
  responses: {
    200: { description: 'The user, deactivated', content: { 'application/json': { schema: userView } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const tokenSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The handle to revoke the token by; not the token' }),
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('TokenInfo');

export const issueToken = createRoute({
  method: 'post',
  path: '/users/{id}/tokens',
  tags,
  security,
  operationId: 'issueToken',
  summary: `Issue another API token for a user (admins, or the user for themselves); shown this once; at most ${MAX_LIVE_TOKENS} live tokens per user`,
  request: {
    params: idParam,
    body: {
      // Every field is optional, so no body at all is a valid request.
      required: false,
      content: {
        'application/json': {
          schema: z
            .strictObject({
              label: z.string().trim().max(LIMITS.name).default(''),
              expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional().openapi({ description: 'Without it the token does not expire' }),
            })
            .openapi('NewToken'),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Issued',
      content: { 'application/json': { schema: tokenSchema.extend({ token: z.string() }).openapi('IssuedToken') } },
    },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const listTokens = createRoute({
  method: 'get',
  path: '/users/{id}/tokens',
  tags,
  security,
  operationId: 'listTokens',
  summary: "A user's tokens (admins, or the user for themselves): handles, labels and expiry, never the secrets",
  request: { params: idParam, query: z.strictObject(paginationQuery) },
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: listOf(tokenSchema, 'TokenList') } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const revokeToken = createRoute({
  method: 'delete',
  path: '/users/{id}/tokens/{tokenId}',
  tags,
  security,
  operationId: 'revokeToken',
  summary: 'Revoke one of a user\'s tokens (admins, or the user for themselves); it stops working at once',
  request: { params: idParam.extend({ tokenId: z.uuid().openapi({ param: { name: 'tokenId', in: 'path' } }) }) },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(400, 401, 403, 404) },
});
