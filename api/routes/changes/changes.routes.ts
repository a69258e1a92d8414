import { createRoute, z } from '@hono/zod-openapi';
import { changeCommandSchemas, createChangeSchema, requestApprovalBody } from '../../../domain/change';
import { CHANGE_COMMANDS, CHANGE_STATUSES, type ChangeCommand } from '../../../domain/changeLifecycle';
import { problemResponses } from '../../problem';
import { changeSchema } from '../../schemas';
import { ticketRoutes } from '../tickets/ticketRoutes';

const COMMAND_SUMMARIES: Record<ChangeCommand, string> = {
  assign: 'Assign to the implementing group and/or implementer',
  assess: 'Assess: impacted services from the CMDB, conflicting changes and freeze windows in the planned window',
  'request-approval': 'Ask the change advisory board (or, for an emergency, the emergency board) to authorize',
  approve: 'Approve, as an approver of the round (never the requester); the last approval needed schedules the change',
  reject: 'Reject, as an approver of the round, with the reason: the change ends',
  delegate: 'Hand your pending decision to someone else',
  'start-implementation': 'Start implementing, in the window',
  complete: 'Report the implementation: successful, or failed (the back-out plan runs)',
  close: 'Close after the post-implementation review; the problem it fixes is resolved if it succeeded',
  cancel: 'Cancel before implementation',
  comment: 'Add a work note (internal) or a public comment',
  update: 'Correct the request before approval: plans, risk, window, CIs (a new window or new CIs call for a new assessment)',
};

/** What a client sends: assessment and approvers are what the API looks up. */
function requestSchema(command: ChangeCommand) {
  if (command === 'assess') return z.strictObject({});
  if (command === 'request-approval') return requestApprovalBody;
  return changeCommandSchemas[command];
}

export const { create, list, get, history, commands } = ticketRoutes({
  type: 'change',
  path: '/changes',
  noun: 'change',
  tag: 'Changes',
  statuses: CHANGE_STATUSES,
  view: changeSchema,
  create: { schema: createChangeSchema, id: 'NewChange', summary: 'Request a change (RFC): standard (pre-approved, scheduled at once), normal or emergency' },
  commands: CHANGE_COMMANDS,
  summaries: COMMAND_SUMMARIES,
  readers: 'staff',
  requestSchema,
});

const instant = z.iso.datetime({ offset: true });
const dateTime = z.string().openapi({ format: 'date-time' });

const conflictSchema = z
  .object({
    number: z.string(),
    title: z.string(),
    changeType: z.string(),
    status: z.string(),
    plannedStart: dateTime,
    plannedEnd: dateTime,
    sharedCiIds: z.array(z.uuid()).openapi({ description: 'CIs both changes name' }),
    relatedCiIds: z.array(z.uuid()).openapi({ description: "The other change's CIs one relation away from this one's" }),
  })
  .openapi('ChangeConflict');

const calendarSchema = z
  .object({
    changes: z.array(
      z
        .object({
          number: z.string(),
          title: z.string(),
          changeType: z.string(),
          status: z.string(),
          plannedStart: dateTime,
          plannedEnd: dateTime,
          ciIds: z.array(z.uuid()),
          conflicts: z.array(conflictSchema).openapi({ description: 'Live changes in its way; none for a closed change' }),
          freezeIds: z.array(z.uuid()).openapi({ description: 'The freeze windows its window falls into' }),
        })
        .openapi('CalendarChange'),
    ),
    truncated: z.boolean().openapi({ description: 'More changes overlap the period than the limit' }),
    freezes: z.array(
      z
        .object({ id: z.uuid(), name: z.string(), reason: z.string(), startsAt: dateTime, endsAt: dateTime, serviceIds: z.array(z.uuid()), ciIds: z.array(z.uuid()) })
        .openapi('CalendarFreeze'),
    ),
  })
  .openapi('ChangeCalendar');

export const calendar = createRoute({
  method: 'get',
  path: '/changes/calendar',
  tags: ['Changes'],
  security: [{ bearer: [] }],
  operationId: 'getChangeCalendar',
  summary: 'The changes planned in a period, with their conflicts, and the freeze windows in it',
  request: {
    query: z.strictObject({
      from: instant.openapi({ example: '2026-12-01T00:00:00Z' }),
      to: instant.openapi({ example: '2027-01-01T00:00:00Z' }),
      limit: z.coerce.number().int().min(1).max(500).default(200),
    }),
  },
  responses: {
    200: { description: 'The calendar', content: { 'application/json': { schema: calendarSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
