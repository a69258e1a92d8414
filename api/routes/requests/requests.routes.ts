import { z } from '@hono/zod-openapi';
import { createRequestSchema, requestCommandSchemas } from '../../../domain/request';
import { REQUEST_COMMANDS, REQUEST_STATUSES, type RequestCommand } from '../../../domain/requestLifecycle';
import { serviceRequestSchema } from '../../schemas';
import { ticketRoutes } from '../tickets/ticketRoutes';

const COMMAND_SUMMARIES: Record<RequestCommand, string> = {
  assign: 'Assign to a group and/or a person (the request’s owner)',
  approve: 'Approve the current approval level, as one of its approvers (never the requester)',
  reject: 'Reject, as an approver of the current level, with the reason: the request ends',
  delegate: 'Hand your pending decision to someone else',
  cancel: 'Cancel, until fulfilment starts (the requester, or the desk)',
  ask: 'Ask the requester a question; the fulfilment clock waits for the answer',
  answer: 'Answer the fulfilers’ question (the requester)',
  'retry-task': 'Run a failed task again, as a new task ticket',
  close: 'Close a fulfilled request',
  comment: 'Add a work note (internal) or a comment the requester sees (public)',
};

/** What a client sends: retrying a task names the task; the API takes its new number. */
function requestSchema(command: RequestCommand) {
  if (command === 'retry-task') return requestCommandSchemas['retry-task'].omit({ number: true });
  return requestCommandSchemas[command];
}

export const { create, list, get, history, commands } = ticketRoutes({
  type: 'service_request',
  path: '/requests',
  noun: 'request',
  tag: 'Service requests',
  statuses: REQUEST_STATUSES,
  view: serviceRequestSchema,
  create: {
    schema: createRequestSchema,
    id: 'NewServiceRequest',
    summary: "Order a catalog item: the answers are checked against its form (422 naming the field), and its approval levels and tasks follow",
  },
  commands: REQUEST_COMMANDS,
  summaries: COMMAND_SUMMARIES,
  readers: 'everyone',
  requestSchema: requestSchema as (command: RequestCommand) => z.ZodType,
});
