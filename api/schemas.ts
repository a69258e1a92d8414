import { z } from '@hono/zod-openapi';
import { ROLES } from '../db/people';
import { WEEKDAYS } from '../domain/calendar';
import { INCIDENT_STATUSES } from '../domain/incidentLifecycle';
import { INCIDENT_POLICIES } from '../domain/problem';
import { PROBLEM_STATUSES } from '../domain/problemLifecycle';
import { approvalRuleSchema } from '../domain/approvals';
import { CHANGE_OUTCOMES, RISKS } from '../domain/change';
import { CHANGE_STATUSES, CHANGE_TYPES } from '../domain/changeLifecycle';
import { REQUEST_STATUSES, TASK_STATUSES } from '../domain/requestLifecycle';
import { LIMITS } from '../domain/incident';
import { LINK_RELATIONS, type TicketView } from '../domain/ticket';
import { badRequest } from './problem';

export const emailSchema = z.email().max(LIMITS.email).transform((e) => e.toLowerCase()).openapi({ example: 'ada@example.com' });

/**
 * A character class, for a pattern without flags, of what `allowed` refuses
 * among U+0000–U+00FF (JSON Schema patterns are ECMA-262 without flags, so
 * `\p{…}` cannot be published): exact for Latin-1, and lets the rest of
 * Unicode through for the server to judge.
 */
function latin1Refused(allowed: RegExp): string {
  const hex = (cp: number) => `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
  let refused = '';
  for (let cp = 0; cp <= 0xff; cp++) {
    if (allowed.test(String.fromCharCode(cp))) continue;
    let last = cp;
    while (last < 0xff && !allowed.test(String.fromCharCode(last + 1))) last++;
    refused += last === cp ? hex(cp) : `${hex(cp)}-${hex(last)}`;
    cp = last;
  }
  return refused;
}

const TEAM_NAME_FIRST = /^[\p{L}\p{N}]$/u;
const TEAM_NAME_REST = /^[\p{L}\p{N} ._-]$/u;
/** The team name rule as a flagless pattern, for the OpenAPI document: exact over Latin-1, looser beyond. */
export const TEAM_NAME_DOCUMENTED_PATTERN = `^[^${latin1Refused(TEAM_NAME_FIRST)}][^${latin1Refused(TEAM_NAME_REST)}]*$`;

export const teamNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.name)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'letters, digits, spaces, dots, dashes and underscores')
  .openapi({
    example: 'service-desk',
    pattern: TEAM_NAME_DOCUMENTED_PATTERN,
    description: 'Starts with a letter or digit (any script); then letters, digits, spaces, dots, dashes and underscores',
  });

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(z.enum(ROLES)),
    active: z.boolean().openapi({ description: 'False once deactivated: the user keeps their history but cannot sign in or be assigned' }),
  })
  .openapi('User');

/** `?active=true|false` as a query filter; anything else is a 400 naming the parameter. */
export const activeQuery = z.enum(['true', 'false']).transform((v) => v === 'true').optional();

/** A PATCH body: at least one field, or there is nothing to change. */
export const atLeastOneField = <T extends Record<string, unknown>>(body: T) => Object.values(body).some((v) => v !== undefined);

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
};

const clockSchema = z.object({
  targetSeconds: z.number().nullable(),
  elapsedSeconds: z.number(),
  dueAt: z.string().nullable(),
  metAt: z.string().nullable(),
  breached: z.boolean(),
  paused: z.boolean(),
  pausedSeconds: z.number(),
});

/** The calendar a ticket's clocks count, as the ticket took it from its SLA when it opened: later edits to the calendar do not change it. */
const ticketCalendarSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('24x7') }),
    z.object({
      kind: z.literal('business'),
      id: z.uuid(),
      name: z.string(),
      timeZone: z.string().openapi({ example: 'Europe/Paris' }),
      week: z.object(Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(z.object({ start: z.string(), end: z.string() }))]))),
      holidays: z.array(z.object({ date: z.string().openapi({ format: 'date' }), name: z.string() })),
    }),
  ])
  .openapi('TicketCalendar');

/**
 * A ticket as the API answers it: the fields every type shares, its type's
 * statuses, and what only that type knows (`details`), under the type's own name.
 */
export function ticketViewSchema<S extends readonly [string, ...string[]], D extends z.ZodType>(name: string, example: string, statuses: S, details: D) {
  return z
    .object({
      number: z.string().openapi({ example }),
      type: z.enum(['incident', 'service_request', 'problem', 'change', 'task']),
      title: z.string(),
      description: z.string(),
      category: z.string().nullable(),
      status: z.enum(statuses),
      impact: z.number().int(),
      urgency: z.number().int(),
      priority: z.number().int(),
      caller: z.string().nullable(),
      assignmentGroup: z.string().nullable(),
      assignee: z.string().nullable(),
      parent: z.string().nullable(),
      children: z.array(z.string()),
      links: z
        .array(z.object({ relation: z.enum(LINK_RELATIONS), target: z.string().openapi({ example: 'INC000041' }) }))
        .openapi({ description: 'Every link of the ticket, each from this side (a child says parent, its parent says child)' }),
      organizationId: z.uuid().nullable().openapi({ description: "The caller's organization when the ticket opened" }),
      serviceId: z.uuid().nullable().openapi({ description: 'The affected service; given, or derived from the CIs' }),
      ciIds: z.array(z.uuid()).openapi({ description: 'The configuration items the ticket names' }),
      escalationLevel: z.number().int(),
      slaId: z.string(),
      sla: z.object({ calendar: ticketCalendarSchema, response: clockSchema, resolution: clockSchema }),
      resolutionCode: z.string().nullable(),
      resolutionNotes: z.string().nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
      resolvedAt: z.string().nullable(),
      closedAt: z.string().nullable(),
      version: z.number().int(),
      details,
    })
    .openapi(name);
}

// 'Problem' is RFC 9457's error body; a problem ticket is ITIL's problem record.
export const problemSchema = ticketViewSchema(
  'ProblemRecord',
  'PRB000042',
  PROBLEM_STATUSES,
  z
    .object({
      symptoms: z.string(),
      rootCause: z.string(),
      workaround: z.string(),
      knownErrorAt: z.string().nullable().openapi({ description: 'When the known error was last published to the KEDB; null while it is not' }),
      incidentPolicy: z.enum(INCIDENT_POLICIES).openapi({ description: 'What its incidents do when it is resolved: resolve with it, or get a work note' }),
    })
    .openapi('ProblemAnalysis'),
);


/** An approval round as tickets show it: its groups, their rules and the decisions so far. */
const approvalRoundSchema = z
  .object({
    groups: z.array(z.object({ name: z.string(), members: z.array(z.string()), rule: approvalRuleSchema })),
    decisions: z.array(z.object({ approver: z.string(), group: z.string(), decision: z.enum(['approve', 'reject']), comment: z.string(), at: z.number() })),
    requester: z.string(),
    requestedAt: z.number(),
    remindAt: z.number(),
    dueAt: z.number().openapi({ description: 'Milliseconds since the epoch; the round escalates then' }),
    reminded: z.boolean(),
    escalated: z.boolean(),
  })
  .nullable()
  .openapi('ApprovalRound');

export const changeSchema = ticketViewSchema(
  'Change',
  'CHG000042',
  CHANGE_STATUSES,
  z
    .object({
      changeType: z.enum(CHANGE_TYPES),
      risk: z.enum(RISKS),
      implementationPlan: z.string(),
      backoutPlan: z.string(),
      plannedStart: z.string().openapi({ format: 'date-time' }),
      plannedEnd: z.string().openapi({ format: 'date-time' }),
      assessment: z
        .object({
          assessedAt: z.string(),
          impactedServices: z.array(z.object({ id: z.string(), name: z.string(), criticality: z.string() })),
          conflictingChanges: z.array(z.object({ number: z.string(), title: z.string(), plannedStart: z.string(), plannedEnd: z.string() })),
          freezes: z.array(z.object({ id: z.string(), name: z.string(), startsAt: z.string(), endsAt: z.string() })),
        })
        .nullable(),
      approval: approvalRoundSchema,
      outcome: z.enum(CHANGE_OUTCOMES).nullable(),
      review: z.string().nullable(),
      windowOpenedAt: z.string().nullable(),
      overrunEscalated: z.boolean(),
      changeManagers: z.array(z.string()),
      requester: z.string(),
    })
    .openapi('ChangeDetails'),
);

export const serviceRequestSchema = ticketViewSchema(
  'ServiceRequest',
  'REQ000042',
  REQUEST_STATUSES,
  z
    .object({
      itemId: z.uuid(),
      itemName: z.string(),
      answers: z.record(z.string(), z.unknown()),
      cost: z.number(),
      levels: z.array(z.object({ group: z.object({ name: z.string(), members: z.array(z.string()), rule: approvalRuleSchema }) })),
      level: z.number().int().openapi({ description: 'The approval level being decided (0-based); the number of levels once all approved' }),
      approval: approvalRoundSchema,
      approvalDueSeconds: z.number().int(),
      escalateTo: z.array(z.string()),
      tasks: z.array(
        z.object({
          key: z.string(),
          title: z.string(),
          team: z.string(),
          instructions: z.string(),
          after: z.array(z.string()),
          number: z.string().nullable().openapi({ description: 'The task ticket running it now; null until it starts' }),
          status: z.enum(['waiting', 'open', 'in_progress', 'complete', 'failed', 'cancelled']),
          failure: z.string().nullable(),
        }),
      ),
      taskOrder: z.enum(['sequential', 'parallel']),
      spareNumbers: z.array(z.string()),
      requester: z.string(),
      question: z.string().nullable().openapi({ description: "A fulfiler's open question to the requester" }),
    })
    .openapi('ServiceRequestDetails'),
);

export const taskSchema = ticketViewSchema(
  'FulfilmentTask',
  'TSK000042',
  TASK_STATUSES,
  z.object({ key: z.string(), request: z.string().openapi({ example: 'REQ000042' }) }).openapi('FulfilmentTaskDetails'),
);

export const ticketSchema = ticketViewSchema(
  'Incident',
  'INC000042',
  INCIDENT_STATUSES,
  z.object({}).openapi({ description: 'Incidents keep nothing beyond the common fields' }),
);

export const ticketEventSchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    kind: z.string(),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('TicketEvent');

export const numberParam = z.object({
  number: z
    .string()
    .regex(/^INC\d{6,}$/, 'must be an incident number such as INC000042')
    .openapi({ param: { name: 'number', in: 'path' }, example: 'INC000042' }),
});

/** Opaque keyset cursors: the sort key of the last item returned. */
export function encodeCursor(after: string | number): string {
  return Buffer.from(JSON.stringify({ after })).toString('base64url');
}

export function decodeCursor<T extends 'string' | 'number'>(cursor: string, kind: T): (T extends 'string' ? string : number) | null {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { after?: unknown };
    const valid = kind === 'number' ? Number.isSafeInteger(after) : typeof after === 'string';
    return valid ? (after as T extends 'string' ? string : number) : null;
  } catch {
    return null;
  }
}

/** The sort key a `cursor` query parameter stands for, or null without one; a forged cursor is a 400. */
export function cursorAfter<T extends 'string' | 'number'>(cursor: string | undefined, kind: T) {
  if (cursor === undefined) return null;
  const after = decodeCursor(cursor, kind);
  if (after === null) throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  return after;
}

/** A cursor of a list ordered by a timestamp then a key: the timestamp's microseconds (db/keyset.ts) and the key, or null without one. */
export function instantCursor(cursor: string | undefined, key: RegExp): { micros: string; key: string } | null {
  const after = cursorAfter(cursor, 'string');
  if (after === null) return null;
  const match = new RegExp(`^(-?\\d{1,20})_(${key.source})$`).exec(after);
  if (!match) throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  return { micros: match[1]!, key: match[2]! };
}
export const instantCursorOf = (micros: string, key: string) => encodeCursor(`${micros}_${key}`);
export const UUID_KEY = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** One page of a keyset-ordered query fetched with limit + 1 rows. */
export function page<T>(rows: T[], limit: number, key: (row: T) => string | number) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(key(items.at(-1)!)) : null };
}

export const listOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

/** TicketView, typed as the OpenAPI schema describes it (the workflow owns the shape; the schema documents it). */
export type TicketJson = z.infer<typeof ticketSchema>;
/** Views projected by older workflow code lack the fields added since: they are answered with what those fields mean when absent. */
export const asTicketJson = (view: TicketView) =>
  ({
    links: [...(view.parent ? [{ relation: 'parent', target: view.parent }] : []), ...view.children.map((target) => ({ relation: 'child', target }))],
    organizationId: null,
    serviceId: null,
    ciIds: [],
    details: {},
    ...view,
  }) as unknown as TicketJson;

/** One change to configuration data (a CI, service, contract …), as its history lists it. */
export const historyEntrySchema = z
  .object({
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.string().openapi({ description: 'Email of the user who made the change' }),
    action: z.enum(['created', 'updated', 'deleted', 'linked', 'unlinked']),
    attribute: z.string().nullable().openapi({ description: 'The attribute changed (attributes.<key> for a class attribute), or what was linked' }),
    oldValue: z.unknown().openapi({ description: 'The value before (null when there was none)' }),
    newValue: z.unknown().openapi({ description: 'The value after (null when there is none)' }),
  })
  .openapi('HistoryEntry');
