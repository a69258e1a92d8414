import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../problem';
import { emailSchema, listOf, paginationQuery, teamNameSchema } from '../../schemas';

const tags = ['People'];
const security = [{ bearer: [] }];

export const teamSchema = z
  .object({ name: z.string(), description: z.string(), members: z.array(z.string()), escalationTeam: z.string().nullable() })
  .openapi('Team');

export const createTeamBody = z
  .strictObject({
    name: teamNameSchema,
    description: z.string().max(2000).default(''),
    members: z.array(emailSchema).max(500).default([]),
    escalationTeam: teamNameSchema.optional().openapi({ description: 'The team tickets go to when this one escalates them' }),
  })
  .openapi('NewTeam');

const nameParam = z.object({ name: teamNameSchema.openapi({ param: { name: 'name', in: 'path' } }) });

export const create = createRoute({
  method: 'post',
  path: '/teams',
  tags,
  security,
  summary: 'Create a team (assignment group)',
  request: { body: { required: true, content: { 'application/json': { schema: createTeamBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: teamSchema } } }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/teams',
  tags,
  security,
  summary: 'List teams',
  request: { query: z.strictObject(paginationQuery) },
  responses: { 200: { description: 'Teams', content: { 'application/json': { schema: listOf(teamSchema, 'TeamList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/teams/{name}',
  tags,
  security,
  summary: 'One team',
  request: { params: nameParam },
  responses: { 200: { description: 'The team', content: { 'application/json': { schema: teamSchema } } }, ...problemResponses(400, 401, 403, 404) },
});
