import { defineLifecycle } from './lifecycle';

/**
 * The service request lifecycle (DESIGN.md, Lifecycles; ITIL Request
 * Fulfilment): submitted → awaiting_approval → approved → fulfilling ⇄ pending
 * → fulfilled → closed; rejected by an approver; cancelled by the requester
 * (or the desk) until fulfilment starts. Approval, the start of fulfilment and
 * its end follow from the approval levels and the tasks, not from commands.
 */
export const REQUEST_STATUSES = ['submitted', 'awaiting_approval', 'approved', 'fulfilling', 'pending', 'fulfilled', 'closed', 'rejected', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const OPEN = ['submitted', 'awaiting_approval', 'approved', 'fulfilling', 'pending'] as const satisfies readonly RequestStatus[];

export const requestLifecycle = defineLifecycle({
  statuses: REQUEST_STATUSES,
  terminal: ['closed', 'rejected', 'cancelled'],
  transitions: {
    assign: { from: OPEN },
    approve: { from: ['awaiting_approval'] },
    reject: { from: ['awaiting_approval'] },
    delegate: { from: ['awaiting_approval'] },
    cancel: { from: ['submitted', 'awaiting_approval', 'approved'], to: 'cancelled' },
    // A fulfiler asks the requester something: the fulfilment clock waits for the answer.
    ask: { from: ['fulfilling'], to: 'pending' },
    answer: { from: ['pending'], to: 'fulfilling' },
    'retry-task': { from: ['fulfilling'] },
    close: { from: ['fulfilled'], to: 'closed' },
    comment: { from: [...OPEN, 'fulfilled'] },
  },
});

export const REQUEST_COMMANDS = requestLifecycle.commands;
export type RequestCommand = (typeof REQUEST_COMMANDS)[number];

/** A fulfilment task (TSK): open → in_progress → complete, or failed (with its reason), or cancelled with its request. */
export const TASK_STATUSES = ['open', 'in_progress', 'complete', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const taskLifecycle = defineLifecycle({
  statuses: TASK_STATUSES,
  terminal: ['complete', 'failed', 'cancelled'],
  transitions: {
    assign: { from: ['open', 'in_progress'] },
    start: { from: ['open'], to: 'in_progress' },
    complete: { from: ['open', 'in_progress'], to: 'complete' },
    fail: { from: ['open', 'in_progress'], to: 'failed' },
    comment: { from: ['open', 'in_progress'] },
  },
});

export const TASK_COMMANDS = taskLifecycle.commands;
export type TaskCommand = (typeof TASK_COMMANDS)[number];
