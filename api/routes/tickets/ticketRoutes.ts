import { createRoute, z } from '@hono/zod-openapi';
import type { TicketType } from '../../../domain/numbering';
import { numberPatternOf, TICKET_PREFIXES } from '../../../domain/numbering';
import { requiredText } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { listOf, paginationQuery, ticketEventSchema } from '../../schemas';

/**
 * The routes every ticket type has, from its schemas: open, list, read,
 * history, and one route per command (a PATCH for `update`). Each type's
 * routes file states only what is its own.
 */
export interface TicketRouteSpec<C extends string, B extends z.ZodType, V extends z.ZodType> {
  type: TicketType;
  /** The collection's path, such as /incidents. */
  path: string;
  /** The type's name in prose: "incident". */
  noun: string;
  tag: string;
  statuses: readonly [string, ...string[]];
  view: V;
  /** What opening answers: the view, or the view with more (an incident's suggested known errors). */
  create: { schema: B; id: string; summary: string; answer?: z.ZodType };
  /** What reading one ticket answers, when it is more than the view (an incident's impacted services). */
  detail?: z.ZodType;
  commands: readonly C[];
  summaries: Record<C, string>;
  /** Who may read: everyone signed in (end users see their own), or staff only (403 for the rest). */
  readers: 'everyone' | 'staff';
  /** What a client sends for a command (less what the API fills in itself). */
  requestSchema(command: C): z.ZodType;
}

const security = [{ bearer: [] }];

export const idempotencyHeader = z.object({
  'idempotency-key': requiredText(255)
    .optional()
    .openapi({ description: 'Makes a retry of this request apply once', example: '3f0c9a52-5d1e-4a43-9b8e-2f4c7b3f9d10' }),
});

const acceptedResponse = {
  description: 'Accepted: the ticket has the request and applies it once a worker runs it (none answered in time). Retry with the same Idempotency-Key to get the outcome.',
  content: {
    'application/json': {
      schema: z.object({ number: z.string(), status: z.literal('accepted'), location: z.string(), idempotencyKey: z.string().optional() }).openapi('Accepted'),
    },
  },
};

/** The routes of a ticket type whose tickets are opened by other tickets (fulfilment tasks): reading and commands. */
export function ticketReadRoutes<C extends string, V extends z.ZodType>(spec: Omit<TicketRouteSpec<C, z.ZodType, V>, 'create'> & { create?: TicketRouteSpec<C, z.ZodType, V>['create'] }) {
  const { path, noun, type } = spec;
  const tags = [spec.tag];
  const example = `${TICKET_PREFIXES[type]}000042`;
  const numberParam = z.object({
    number: z
      .string()
      .regex(numberPatternOf(type), `must be a ${noun} number such as ${example}`)
      .openapi({ param: { name: 'number', in: 'path' }, example }),
  });
  const content = { 'application/json': { schema: spec.view } };
  const readRefusals = spec.readers === 'staff' ? ([400, 401, 403] as const) : ([400, 401] as const);
  const statusList = z
    .string()
    .max(200)
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(spec.statuses)).min(1));

  const list = createRoute({
    method: 'get',
    path,
    tags,
    security,
    summary: `List ${noun}s, newest first`,
    request: {
      query: z.strictObject({
        ...paginationQuery,
        status: statusList.optional().openapi({ description: 'One status or several, comma-separated', example: spec.statuses.slice(0, 2).join(',') }),
        priority: z.coerce.number().int().min(1).max(5).optional(),
        assignmentGroup: z.string().max(120).optional(),
        assignee: z.string().max(254).optional(),
        caller: z.string().max(254).optional(),
        q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Words to find in title and description' }),
      }),
    },
    responses: {
      200: { description: `${noun}s`, content: { 'application/json': { schema: listOf(spec.view, `${noun[0]!.toUpperCase()}${noun.slice(1)}List`) } } },
      ...problemResponses(...readRefusals),
    },
  });

  const get = createRoute({
    method: 'get',
    path: `${path}/{number}`,
    tags,
    security,
    summary: `One ${noun}`,
    request: { params: numberParam },
    responses: { 200: { description: `The ${noun}`, content: { 'application/json': { schema: spec.detail ?? spec.view } } }, ...problemResponses(...readRefusals, 404) },
  });

  const history = createRoute({
    method: 'get',
    path: `${path}/{number}/history`,
    tags,
    security,
    summary: `A ${noun}'s audit trail: who did what, when, with old and new values`,
    request: { params: numberParam },
    responses: {
      200: { description: 'Events, oldest first', content: { 'application/json': { schema: z.object({ items: z.array(ticketEventSchema) }).openapi('TicketHistory') } } },
      ...problemResponses(...readRefusals, 404),
    },
  });

  const commands = spec.commands.map((command) => ({
    command,
    route: createRoute({
      method: command === 'update' ? 'patch' : 'post',
      path: command === 'update' ? `${path}/{number}` : `${path}/{number}/${command}`,
      tags,
      security,
      summary: spec.summaries[command],
      request: {
        params: numberParam,
        headers: idempotencyHeader,
        body: { required: true, content: { 'application/json': { schema: spec.requestSchema(command) as z.ZodType<Record<string, unknown>> } } },
      },
      responses: {
        200: { description: `The ${noun} after the command, as its workflow sees it`, content },
        202: acceptedResponse,
        ...problemResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
  }));

  return { list, get, history, commands };
}

/** Every route of a ticket type opened through the API. */
export function ticketRoutes<C extends string, B extends z.ZodType, V extends z.ZodType>(spec: TicketRouteSpec<C, B, V>) {
  const { path, noun } = spec;
  const tags = [spec.tag];
  const opened = { 'application/json': { schema: spec.create.answer ?? spec.view } };
  const create = createRoute({
    method: 'post',
    path,
    tags,
    security,
    summary: spec.create.summary,
    description:
      `Send an \`Idempotency-Key\` header to make retries safe: the same key returns the same ${noun} (200) instead of a second one, for 24 hours. ` +
      'The answer comes from the workflow itself; lists and search follow within a second.',
    request: { headers: idempotencyHeader, body: { required: true, content: { 'application/json': { schema: spec.create.schema.meta({ id: spec.create.id }) as B } } } },
    responses: {
      201: { description: 'Opened', content: opened },
      200: { description: 'Already opened with this Idempotency-Key', content: opened },
      202: acceptedResponse,
      ...problemResponses(400, 401, 403, 409, 422, 503),
    },
  });

  return { create, ...ticketReadRoutes(spec) };
}
