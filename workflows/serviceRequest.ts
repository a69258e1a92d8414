import { continueAsNew, setHandler } from '@temporalio/workflow';
import { openRound } from '../domain/approvals';
import { requestCommandSchemas, type RequestDetails, type RequestLevel, type RequestTask } from '../domain/request';
import { requestLifecycle, type RequestCommand, type RequestStatus } from '../domain/requestLifecycle';
import { targetFor, type SlaPolicy } from '../domain/sla';
import { meetClock, pauseClock, resumeClock, startClock, stopClock } from '../domain/slaClock';
import type { TaskOrder, TaskTemplate } from '../domain/catalog';
import { approvalCommands, approvalDeadlines, onApprovalDeadline, onDecisionVerified, registerSignedDecisions, requestApproval, type ApprovalHost } from './kernel/approvals';
import { commandBuilder, refuse, registerCommands } from './kernel/commands';
import { runUntilDone } from './kernel/lifecycle';
import { registerLinkHandlers, tellLinked } from './kernel/links';
import { snapshotUpdate, UNPROCESSABLE, viewQuery } from './kernel/messages';
import { onSlaDeadline, slaDeadlines } from './kernel/sla';
import { openTicketState, Ticket, upgradeState, type ClockName, type TicketState } from './kernel/ticket';
import type { NewTask } from './task';

export interface NewRequest {
  number: string;
  itemId: string;
  itemName: string;
  description: string;
  answers: Record<string, unknown>;
  cost: number;
  /** The approval levels that apply to this order, resolved to people when it was submitted. */
  levels: RequestLevel[];
  approvalDueSeconds: number;
  escalateTo: string[];
  tasks: TaskTemplate[];
  taskOrder: TaskOrder;
  /** Numbers for the tasks, taken by the API (one per task). */
  taskNumbers: string[];
  requester: string;
  organizationId: string | null;
  createdBy: string;
  sla: SlaPolicy;
}

export type ServiceRequestInput = { create: NewRequest } | { carried: TicketState };

const SYSTEM = 'system';
/** Requests are ordered at one priority: low (4), whose targets the fulfilment SLA gives. */
const IMPACT = 3;
const URGENCY = 2;

/**
 * A service request (ITIL Request Fulfilment): submitted from the catalog,
 * approved level by level (the requester's manager, a team, a second level
 * above a cost), then fulfilled by its tasks, each a ticket of its own for its
 * team, in the item's order; fulfilled when every task completes. A failed
 * task comes back to the request's owner, who may run it again. The requester
 * answers the fulfilers' questions, and the clock waits meanwhile.
 */
export async function serviceRequest(input: ServiceRequestInput): Promise<void> {
  const ticket = new Ticket('create' in input ? submit(input.create) : upgradeState(input.carried));
  const state = ticket.state;
  const details = state.details as unknown as RequestDetails;
  const status = () => state.status as RequestStatus;
  const clock = (name: ClockName, change: typeof pauseClock) => ticket.setClock(name, change(state.clocks[name], Date.now(), ticket.calendar));

  const approvals: ApprovalHost = {
    ticket,
    round: () => (status() === 'awaiting_approval' ? details.approval : null),
    setRound(round) {
      details.approval = round;
    },
    onSettled(outcome, actor) {
      if (outcome === 'rejected') {
        const reasons = details.approval!.decisions.filter((d) => d.decision === 'reject').map((d) => d.comment);
        const event = ticket.record('rejected', actor, { status: 'rejected' }, { reasons });
        state.closedAt = Date.now();
        clock('response', stopClock);
        clock('resolution', stopClock);
        ticket.notify(event, ticket.callerRecipient(), 'request_rejected', { reasons });
        return;
      }
      ticket.record('level_approved', actor, {}, { level: details.level + 1 });
      details.level += 1;
      nextLevelOrFulfil(actor);
    },
    escalateTo: () => details.escalateTo.map((user) => ({ user })),
    templates: { requested: 'request_approval_requested', reminder: 'request_approval_reminder', overdue: 'request_approval_overdue' },
  };

  /** The next approval level that applies, or, all approved, the tasks that may start. */
  function nextLevelOrFulfil(actor: string) {
    const level = details.levels[details.level];
    if (level) {
      const round = openRound([level.group], details.requester, Date.now(), details.approvalDueSeconds * 1000);
      requestApproval(approvals, round, actor, { level: details.level + 1, group: level.group.name }, { status: 'awaiting_approval' });
      return;
    }
    ticket.record('approved', actor, { status: 'approved' });
    fulfil(actor);
  }

  /** Starts every waiting task whose predecessors are complete; with none left to run, the request is fulfilled. */
  function fulfil(actor: string) {
    const done = (key: string) => details.tasks.find((t) => t.key === key)?.status === 'complete';
    const ready = details.tasks.filter((t, i) => t.status === 'waiting' && t.after.every(done) && (details.taskOrder === 'parallel' || details.tasks.slice(0, i).every((p) => done(p.key))));
    if (status() === 'approved') {
      ticket.record('fulfilment_started', actor, { status: 'fulfilling' });
      clock('response', meetClock);
    }
    for (const t of ready) startTask(t, actor);
    if (details.tasks.every((t) => t.status === 'complete')) {
      const event = ticket.record('fulfilled', SYSTEM, { status: 'fulfilled' });
      state.resolvedAt = Date.now();
      clock('response', meetClock);
      clock('resolution', meetClock);
      ticket.notify(event, ticket.callerRecipient(), 'request_fulfilled');
    }
  }

  function startTask(t: RequestTask, actor: string) {
    const number = details.spareNumbers.shift();
    if (!number) return; // the API takes one number per task and per retry
    t.number = number;
    t.status = 'open';
    ticket.addLink({ relation: 'has_task', target: number });
    // Tasks are followed in place in the details; the event says which moved.
    ticket.record('task_started', actor, {}, { task: t.key, number, team: t.team });
    const task: NewTask = { number, request: state.number, key: t.key, title: t.title, instructions: t.instructions, team: t.team, requester: details.requester, createdBy: actor };
    ticket.enqueue({ kind: 'start-child', workflowType: 'task', number, input: { ...task } });
  }

  const command = commandBuilder(requestCommandSchemas);
  const next = (name: RequestCommand) => requestLifecycle.next(name, status());

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        const event = ticket.record('assigned', actor, { ...(assignmentGroup !== undefined && { assignmentGroup }), ...(assignee !== undefined && { assignee }) });
        ticket.notify(event, ticket.workers(), 'request_assigned');
      },
    }),
    ...approvalCommands(approvals),
    cancel: command('cancel', {
      run({ reason }, actor) {
        ticket.record('cancelled', actor, { status: next('cancel') }, { reason });
        state.closedAt = Date.now();
        clock('response', stopClock);
        clock('resolution', stopClock);
        tellLinked(ticket, 'has_task', 'cancelled', { reason });
      },
    }),
    ask: command('ask', {
      run({ question }, actor) {
        const event = ticket.recordDetails('question_asked', actor, { question }, {}, { status: next('ask') });
        clock('resolution', pauseClock);
        ticket.notify(event, ticket.callerRecipient(), 'request_question', { question });
      },
    }),
    answer: command('answer', {
      run({ answer }, actor) {
        const event = ticket.recordDetails('question_answered', actor, { question: null }, { answer, visibility: 'public' }, { status: next('answer') });
        ticket.setClock('resolution', resumeClock(state.clocks.resolution, Date.now()));
        ticket.notify(event, ticket.workers(), 'request_answered', { answer });
      },
    }),
    'retry-task': command('retry-task', {
      check({ task }) {
        if (details.tasks.find((t) => t.key === task)?.status !== 'failed') refuse(UNPROCESSABLE, `task ${task} has not failed`);
      },
      run({ task, number }, actor) {
        const t = details.tasks.find((x) => x.key === task)!;
        t.status = 'waiting';
        details.spareNumbers.unshift(number);
        ticket.record('task_retried', actor, {}, { task, failure: t.failure });
        startTask(t, actor);
      },
    }),
    close: command('close', {
      run(_, actor) {
        ticket.record('closed', actor, { status: next('close') });
        state.closedAt = Date.now();
      },
    }),
    comment: command('comment', {
      run({ body, visibility = 'internal' }, actor) {
        const event = ticket.record('commented', actor, {}, { body, visibility });
        if (visibility === 'public') ticket.notify(event, actor === details.requester ? ticket.workers() : ticket.callerRecipient(), 'request_commented', { body });
      },
    }),
  } satisfies Record<RequestCommand, unknown>;

  registerCommands(ticket, requestLifecycle, commands);
  registerSignedDecisions(approvals);
  registerLinkHandlers(ticket, {
    onOutcome({ from, relation, outcome, data }) {
      const t = details.tasks.find((x) => x.number === from);
      if (relation !== 'has_task' || !t || requestLifecycle.isTerminal(status())) return;
      if (outcome === 'started') t.status = 'in_progress';
      else if (outcome === 'completed') t.status = 'complete';
      else if (outcome === 'failed') t.status = 'failed';
      else return;
      t.failure = outcome === 'failed' ? String(data.reason ?? '') : t.failure;
      const event = ticket.record(`task_${outcome}`, SYSTEM, {}, { task: t.key, number: from, ...(outcome === 'failed' && { reason: data.reason }) });
      // A failed task comes back to the request's owner (its assignee, else its group).
      if (outcome === 'failed') ticket.notify(event, ticket.workers(), 'request_task_failed', { task: t.key, reason: data.reason });
      if (outcome === 'completed' && (status() === 'fulfilling' || status() === 'pending')) fulfil(SYSTEM);
    },
  });

  if ('create' in input) {
    const event = ticket.record('created', input.create.createdBy, {}, { item: details.itemName, cost: details.cost, slaId: state.sla.id });
    ticket.notify(event, ticket.callerRecipient(), 'request_submitted');
    nextLevelOrFulfil(SYSTEM);
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(snapshotUpdate, () => ticket.view());

  await runUntilDone(ticket, {
    done: () => requestLifecycle.isTerminal(status()),
    deadlines: () => [...slaDeadlines(ticket), ...approvalDeadlines(approvals)],
    onDeadline(name) {
      if (onSlaDeadline(ticket, name, (clockName, percent, kind) => void ticket.record(kind === 'warning' ? 'sla_warning' : 'sla_breached', SYSTEM, {}, { clock: clockName, percent })))
        return;
      onApprovalDeadline(approvals, name);
    },
    onAnswer: (question, answer) => void onDecisionVerified(approvals, question, answer),
    statusOnHandover: (s) => s,
    continueAsNew: (carried: TicketState) => continueAsNew<typeof serviceRequest>({ carried }),
  });
}

function submit(input: NewRequest): TicketState {
  const now = Date.now();
  const priority = 4;
  const target = targetFor(input.sla, priority);
  const details: RequestDetails = {
    itemId: input.itemId,
    itemName: input.itemName,
    answers: input.answers,
    cost: input.cost,
    levels: input.levels,
    level: 0,
    approval: null,
    approvalDueSeconds: input.approvalDueSeconds,
    escalateTo: input.escalateTo,
    tasks: input.tasks.map((t) => ({ ...t, number: null, status: 'waiting', failure: null })),
    taskOrder: input.taskOrder,
    spareNumbers: [...input.taskNumbers],
    requester: input.requester,
    question: null,
  };
  return openTicketState({
    number: input.number,
    type: 'service_request',
    title: input.itemName,
    description: input.description,
    category: null,
    status: 'submitted',
    impact: IMPACT,
    urgency: URGENCY,
    priority,
    caller: input.requester,
    organizationId: input.organizationId,
    sla: input.sla,
    clocks: { response: startClock(target.responseSeconds, now), resolution: startClock(target.resolutionSeconds, now) },
    details: details as unknown as Record<string, unknown>,
  });
}
