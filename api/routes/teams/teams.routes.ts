import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../problem';
import { atLeastOneField, emailSchema, listOf, paginationQuery, teamNameSchema } from '../../schemas';

const tags = ['People'];
const security = [{ bearer: [] }];

export const teamSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    members: z.array(z.string()),
    escalationTeam: z.string().nullable(),
    organizationId: z.uuid().nullable().openapi({ description: 'The organization the team belongs to' }),
  })
  .openapi('Team');

export const createTeamBody = z
  .strictObject({
    name: teamNameSchema,
    description: z.string().max(2000).default(''),
    members: z.array(emailSchema).max(500).default([]),
    escalationTeam: teamNameSchema.optional().openapi({ description: 'The team tickets go to when this one escalates them' }),
    organizationId: z.uuid().optional().openapi({ description: 'The active organization the team belongs to' }),
  })
  .openapi('NewTeam');

const nameParam = z.object({ name: teamNameSchema.openapi({ param: { name: 'name', in: 'path' } }) });

export const create = createRoute({
  method: 'post',
  path: '/teams',
  tags,
  security,
  operationId: 'createTeam',
  summary: 'Create a team (assignment group)',
  request: { body: { required: true, content: { 'application/json': { schema: createTeamBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: teamSchema } } }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/teams',
  tags,
  security,
  operationId: 'listTeams',
  summary: 'List teams',
  request: { query: z.strictObject(paginationQuery) },
  responses: { 200: { description: 'Teams', content: { 'application/json': { schema: listOf(teamSchema, 'TeamList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/teams/{name}',
  tags,
  security,
  operationId: 'getTeam',
  summary: 'One team',
  request: { params: nameParam },
  responses: { 200: { description: 'The team', content: { 'application/json': { schema: teamSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

export const updateTeamBody = z
  .strictObject({
    description: z.string().max(2000).optional(),
    escalationTeam: teamNameSchema.nullable().optional().openapi({ description: 'The team tickets go to when this one escalates them; null for none' }),
    organizationId: z.uuid().nullable().optional().openapi({ description: 'An active organization, or null for none' }),
  })
  .refine(atLeastOneField, 'name at least one of description, escalationTeam, organizationId')
  .meta({ minProperties: 1 })
  .openapi('TeamChanges');

const memberParams = nameParam.extend({ email: emailSchema.openapi({ param: { name: 'email', in: 'path' } }) });
const teamResponse = (description: string) => ({ description, content: { 'application/json': { schema: teamSchema } } });

export const update = createRoute({
  method: 'patch',
  path: '/teams/{name}',
  tags,
  security,
  operationId: 'updateTeam',
  summary: 'Change a team’s description, escalation team or organization; an escalation loop is refused (422)',
  request: { params: nameParam, body: { required: true, content: { 'application/json': { schema: updateTeamBody } } } },
  responses: { 200: teamResponse('The team as changed'), ...problemResponses(400, 401, 403, 404, 422) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/teams/{name}',
  tags,
  security,
  operationId: 'deleteTeam',
  summary: 'Delete a team and its memberships; refused (409) while other teams escalate to it',
  request: { params: nameParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const addMember = createRoute({
  method: 'put',
  path: '/teams/{name}/members/{email}',
  tags,
  security,
  operationId: 'addTeamMember',
  summary: 'Make an active user a member of the team (201), or confirm they are one (200)',
  request: { params: memberParams },
  responses: { 200: teamResponse('Already a member'), 201: teamResponse('Added'), ...problemResponses(400, 401, 403, 404, 422) },
});

export const removeMember = createRoute({
  method: 'delete',
  path: '/teams/{name}/members/{email}',
  tags,
  security,
  operationId: 'removeTeamMember',
  summary: 'Remove a member from the team',
  request: { params: memberParams },
  responses: { 200: teamResponse('The team without them'), ...problemResponses(400, 401, 403, 404) },
});
