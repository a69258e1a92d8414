import { createRoute, z } from '@hono/zod-openapi';
import { createIncidentSchema, incidentCommandSchemas } from '../../../domain/incident';
import { INCIDENT_COMMANDS, INCIDENT_STATUSES, type IncidentCommand } from '../../../domain/incidentLifecycle';
import { requiredText } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { listOf, numberParam, paginationQuery, ticketEventSchema, ticketSchema } from '../../schemas';

const tags = ['Incidents'];
const idempotencyHeader = z.object({
  'idempotency-key': requiredText(255)
    .optional()
    .openapi({ description: 'Makes a retry of this request apply once', example: '3f0c9a52-5d1e-4a43-9b8e-2f4c7b3f9d10' }),
});
const acceptedResponse = {
  description: 'Accepted: the ticket has the request and applies it once a worker runs it (none answered in time). Retry with the same Idempotency-Key to get the outcome.',
  content: {
    'application/json': {
      schema: z
        .object({ number: z.string(), status: z.literal('accepted'), location: z.string(), idempotencyKey: z.string().optional() })
        .openapi('Accepted'),
    },
  },
};
const security = [{ bearer: [] }];
const ticketContent = { 'application/json': { schema: ticketSchema } };

export const create = createRoute({
  method: 'post',
  path: '/incidents',
  tags,
  security,
  summary: 'Log an incident',
  description:
    'Send an `Idempotency-Key` header to make retries safe: the same key returns the same incident (200) instead of a second one, for 24 hours. ' +
    'The answer comes from the workflow itself; lists and search follow within a second.',
  request: {
    headers: idempotencyHeader,
    body: { required: true, content: { 'application/json': { schema: createIncidentSchema.meta({ id: 'NewIncident' }) } } },
  },
  responses: {
    201: { description: 'Logged', content: ticketContent },
    200: { description: 'Already logged with this Idempotency-Key', content: ticketContent },
    202: acceptedResponse,
    ...problemResponses(400, 401, 403, 409, 422, 503),
  },
});

const statusList = z
  .string()
  .max(200)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
  .pipe(z.array(z.enum(INCIDENT_STATUSES)).min(1));

export const list = createRoute({
  method: 'get',
  path: '/incidents',
  tags,
  security,
  summary: 'List incidents, newest first',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      status: statusList.optional().openapi({ description: 'One status or several, comma-separated', example: 'new,assigned' }),
      priority: z.coerce.number().int().min(1).max(5).optional(),
      assignmentGroup: z.string().max(120).optional(),
      assignee: z.string().max(254).optional(),
      caller: z.string().max(254).optional(),
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Words to find in title and description' }),
    }),
  },
  responses: { 200: { description: 'Incidents', content: { 'application/json': { schema: listOf(ticketSchema, 'TicketList') } } }, ...problemResponses(400, 401) },
});

export const get = createRoute({
  method: 'get',
  path: '/incidents/{number}',
  tags,
  security,
  summary: 'One incident',
  request: { params: numberParam },
  responses: { 200: { description: 'The incident', content: ticketContent }, ...problemResponses(400, 401, 404) },
});

export const history = createRoute({
  method: 'get',
  path: '/incidents/{number}/history',
  tags,
  security,
  summary: "An incident's audit trail: who did what, when, with old and new values",
  request: { params: numberParam },
  responses: {
    200: { description: 'Events, oldest first', content: { 'application/json': { schema: z.object({ items: z.array(ticketEventSchema) }).openapi('TicketHistory') } } },
    ...problemResponses(400, 401, 404),
  },
});

const COMMAND_SUMMARIES: Record<IncidentCommand, string> = {
  assign: 'Assign to a group and/or a person',
  acknowledge: 'Start work (in_progress); meets the response SLA',
  pend: 'Wait on the caller; pauses the resolution clock',
  resume: 'Resume work after pending',
  resolve: 'Resolve; resolves open child incidents too',
  reopen: 'Reopen a resolved incident',
  close: 'Close a resolved incident (the caller confirms)',
  cancel: 'Cancel an open incident',
  comment: 'Add a work note (internal) or a comment the caller sees (public)',
  escalate: 'Escalate to the assignment group’s escalation team',
  'set-priority': 'Change impact and urgency; SLA clocks keep elapsed time',
  'link-parent': 'Make this incident a child of another; it follows the parent’s resolution',
  update: 'Correct the report: title, description, category, caller, service and CIs (the SLA stays the one the incident opened with)',
};

/** What a client sends: the command's payload less what the API fills in itself (the escalation target). */
const requestSchema = (command: IncidentCommand) => (command === 'escalate' ? incidentCommandSchemas.escalate.omit({ to: true, from: true }) : incidentCommandSchemas[command]);

/** One route per command, generated from the command schemas so the document lists each payload; correcting the report is a PATCH of the incident. */
export const commands = INCIDENT_COMMANDS.map((command) => ({
  command,
  route: createRoute({
    method: command === 'update' ? 'patch' : 'post',
    path: command === 'update' ? '/incidents/{number}' : `/incidents/{number}/${command}`,
    tags,
    security,
    summary: COMMAND_SUMMARIES[command],
    request: {
      params: numberParam,
      headers: idempotencyHeader,
      body: { required: true, content: { 'application/json': { schema: requestSchema(command) as z.ZodType<Record<string, unknown>> } } },
    },
    responses: {
      200: { description: 'The incident after the command, as its workflow sees it', content: ticketContent },
      202: acceptedResponse,
      ...problemResponses(400, 401, 403, 404, 409, 422, 503),
    },
  }),
}));
