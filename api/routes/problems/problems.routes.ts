import { createRoute, z } from '@hono/zod-openapi';
import { createProblemSchema, problemCommandSchemas } from '../../../domain/problem';
import { PROBLEM_COMMANDS, PROBLEM_STATUSES, type ProblemCommand } from '../../../domain/problemLifecycle';
import { raiseChangeBody } from '../../../domain/change';
import { problemResponses } from '../../problem';
import { problemSchema } from '../../schemas';
import { ticketRoutes } from '../tickets/ticketRoutes';

const COMMAND_SUMMARIES: Record<ProblemCommand, string> = {
  assign: 'Assign to a group and/or a person',
  investigate: 'Start the investigation',
  'publish-known-error': 'Publish the known error (symptoms, root cause, workaround) to the KEDB; its incidents get the workaround',
  'start-fix': 'Start the permanent fix',
  'raise-change': 'Raise the change that fixes this problem (it outlives the problem); its successful close resolves the problem',
  resolve: 'Resolve; its open incidents are resolved or told, per the incident policy',
  reopen: 'Reopen a resolved problem',
  close: 'Close a resolved problem',
  cancel: 'Cancel an open problem',
  comment: 'Add a work note (internal) or a public comment',
  'set-priority': 'Change impact and urgency',
  update: 'Correct the record or the analysis: title, description, symptoms, root cause, workaround, service, CIs, incident policy',
};

export const { create, list, get, history, commands } = ticketRoutes({
  type: 'problem',
  path: '/problems',
  noun: 'problem',
  tag: 'Problems',
  statuses: PROBLEM_STATUSES,
  view: problemSchema,
  create: { schema: createProblemSchema, id: 'NewProblem', summary: 'Open a problem, linked to the incidents it causes' },
  commands: PROBLEM_COMMANDS,
  summaries: COMMAND_SUMMARIES,
  readers: 'staff',
  requestSchema: (command) => (command === 'raise-change' ? raiseChangeBody : problemCommandSchemas[command]),
});

export const knownErrorSchema = z
  .object({
    number: z.string().openapi({ example: 'PRB000042' }),
    title: z.string(),
    symptoms: z.string(),
    rootCause: z.string(),
    workaround: z.string(),
    status: z.enum(PROBLEM_STATUSES).openapi({ description: "The problem's status: resolved and closed ones are fixed" }),
    publishedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('KnownError');

export const knownErrors = createRoute({
  method: 'get',
  path: '/known-errors',
  tags: ['Problems'],
  security: [{ bearer: [] }],
  operationId: 'listKnownErrors',
  summary: 'Search the known error database (symptoms, workaround, root cause), best match first',
  request: {
    query: z.strictObject({
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Words to find; without it, the latest published first' }),
      limit: z.coerce.number().int().min(1).max(100).default(25),
    }),
  },
  responses: {
    200: { description: 'Known errors', content: { 'application/json': { schema: z.object({ items: z.array(knownErrorSchema) }).openapi('KnownErrorList') } } },
    ...problemResponses(400, 401, 403),
  },
});
