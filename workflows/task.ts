import { continueAsNew, setHandler } from '@temporalio/workflow';
import { taskCommandSchemas } from '../domain/request';
import { taskLifecycle, type TaskCommand, type TaskStatus } from '../domain/requestLifecycle';
import { startClock } from '../domain/slaClock';
import { commandBuilder, registerCommands } from './kernel/commands';
import { runUntilDone } from './kernel/lifecycle';
import { registerLinkHandlers, tellLinked } from './kernel/links';
import { snapshotUpdate, viewQuery } from './kernel/messages';
import { NO_SLA, openTicketState, Ticket, upgradeState, type TicketState } from './kernel/ticket';

export interface NewTask {
  number: string;
  /** The request it fulfils part of; the request started it. */
  request: string;
  key: string;
  title: string;
  instructions: string;
  team: string;
  requester: string;
  createdBy: string;
}

export type TaskInput = { create: NewTask } | { carried: TicketState };

/**
 * A fulfilment task (ITIL Request Fulfilment): one piece of a service
 * request's work, with its team. It opens assigned to its team, is started,
 * and completes or fails with the reason; its request hears either way.
 */
export async function task(input: TaskInput): Promise<void> {
  const ticket = new Ticket('create' in input ? openTask(input.create) : upgradeState(input.carried));
  const state = ticket.state;
  const status = () => state.status as TaskStatus;
  const key = () => String(state.details.key);
  if ('create' in input) {
    const event = ticket.record('created', input.create.createdBy, {}, { request: input.create.request, key: input.create.key });
    ticket.notify(event, ticket.workers(), 'task_assigned');
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(snapshotUpdate, () => ticket.view());

  const command = commandBuilder(taskCommandSchemas);
  const next = (name: TaskCommand) => taskLifecycle.next(name, status());

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        const event = ticket.record('assigned', actor, { ...(assignmentGroup !== undefined && { assignmentGroup }), ...(assignee !== undefined && { assignee }) });
        ticket.notify(event, ticket.workers(), 'task_assigned');
      },
    }),
    start: command('start', {
      run(_, actor) {
        ticket.record('started', actor, { status: next('start'), assignee: state.assignee ?? actor });
        tellLinked(ticket, 'task_of', 'started', { key: key() });
      },
    }),
    complete: command('complete', {
      run({ notes }, actor) {
        ticket.record('completed', actor, { status: next('complete'), resolutionNotes: notes || null }, { notes });
        state.resolvedAt = Date.now();
        state.closedAt = state.resolvedAt;
        tellLinked(ticket, 'task_of', 'completed', { key: key(), notes });
      },
    }),
    fail: command('fail', {
      run({ reason }, actor) {
        ticket.record('failed', actor, { status: next('fail') }, { reason });
        state.closedAt = Date.now();
        tellLinked(ticket, 'task_of', 'failed', { key: key(), reason });
      },
    }),
    comment: command('comment', {
      run: ({ body, visibility = 'internal' }, actor) => void ticket.record('commented', actor, {}, { body, visibility }),
    }),
  } satisfies Record<TaskCommand, unknown>;

  registerCommands(ticket, taskLifecycle, commands);
  registerLinkHandlers(ticket, {
    // A request cancelled or closed while the task is open takes the task with it.
    onOutcome({ relation, outcome, from }) {
      if (relation !== 'has_task' || outcome !== 'cancelled' || taskLifecycle.isTerminal(status())) return;
      ticket.record('cancelled', 'system', { status: 'cancelled' }, { request: from });
      state.closedAt = Date.now();
    },
  });

  await runUntilDone(ticket, {
    done: () => taskLifecycle.isTerminal(status()),
    deadlines: () => [],
    onDeadline() {},
    statusOnHandover: (s) => s,
    continueAsNew: (carried: TicketState) => continueAsNew<typeof task>({ carried }),
  });
}

function openTask(input: NewTask): TicketState {
  const now = Date.now();
  const state = openTicketState({
    number: input.number,
    type: 'task',
    title: input.title,
    description: input.instructions,
    category: null,
    status: 'open',
    impact: 3,
    urgency: 2,
    priority: 4,
    caller: input.requester,
    sla: NO_SLA,
    clocks: { response: startClock(null, now), resolution: startClock(null, now) },
    details: { key: input.key, request: input.request },
    links: [{ relation: 'task_of', target: input.request }],
  });
  return { ...state, assignmentGroup: input.team };
}
