import { continueAsNew, setHandler } from '@temporalio/workflow';
import { openRound } from '../domain/approvals';
import { changeCommandSchemas, type ChangeDetails, type CreateChange } from '../domain/change';
import { CHANGE_LIFECYCLES, type ChangeCommand, type ChangeStatus } from '../domain/changeLifecycle';
import { priorityOf } from '../domain/priority';
import { startClock } from '../domain/slaClock';
import type { Link, Recipient } from '../domain/ticket';
import type { WindowConflicts } from '../activities/types';
import { approvalCommands, approvalDeadlines, onApprovalDeadline, onDecisionVerified, registerSignedDecisions, requestApproval, type ApprovalHost } from './kernel/approvals';
import { commandBuilder, refuse, registerCommands } from './kernel/commands';
import { runUntilDone, type Deadline } from './kernel/lifecycle';
import { registerLinkHandlers, tellLinked } from './kernel/links';
import { snapshotUpdate, UNPROCESSABLE, viewQuery } from './kernel/messages';
import { NO_SLA, openTicketState, Ticket, upgradeState, type TicketState } from './kernel/ticket';

export interface NewChange extends Omit<CreateChange, 'category' | 'serviceId' | 'fixFor' | 'assignmentGroup' | 'assignee'> {
  number: string;
  category: string | null;
  serviceId: string | null;
  assignmentGroup: string | null;
  assignee: string | null;
  /** The problem this change fixes, which started it (or which it names). */
  fixFor: string | null;
  /** The people who decide on emergencies and are told of escalations. */
  changeManagers: string[];
  createdBy: string;
}

export type ChangeInput = { create: NewChange } | { carried: TicketState };

const SYSTEM = 'system';
const WINDOW_CHECK = 'window-conflicts';


/**
 * A change (ITIL Change Enablement, ServiceNow's states): assessed against
 * the CMDB, authorized by its change advisory board (approvals by Update,
 * quorum per group, a reject ends it, reminders then escalation when the board
 * is slow), scheduled into its window, implemented (a failure runs the
 * back-out plan), reviewed and closed. The problem it fixes hears how it
 * ended.
 */
export async function change(input: ChangeInput): Promise<void> {
  const ticket = new Ticket('create' in input ? openChange(input.create) : upgradeState(input.carried));
  const state = ticket.state;
  const details = state.details as unknown as ChangeDetails;
  const lifecycle = CHANGE_LIFECYCLES[details.changeType];
  const status = () => state.status as ChangeStatus;
  if ('create' in input) {
    const { createdBy, fixFor } = input.create;
    ticket.record('created', createdBy, {}, { priority: state.priority, changeType: details.changeType, ...(fixFor && { fixFor }) });
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(snapshotUpdate, () => ticket.view());

  const command = commandBuilder(changeCommandSchemas);
  const next = (name: ChangeCommand) => lifecycle.next(name, status());
  const managers = (): Recipient[] => details.changeManagers.map((user) => ({ user }));

  const approvals: ApprovalHost = {
    ticket,
    // Decisions count only while the change awaits them: a cancelled change's round is closed whatever it says.
    round: () => (status() === 'authorize' ? details.approval : null),
    setRound(round) {
      details.approval = round;
    },
    onSettled(outcome, actor) {
      if (outcome === 'approved') {
        const event = ticket.record('approved', actor, { status: 'scheduled' });
        ticket.notify(event, ticket.workers(), 'change_approved', { plannedStart: details.plannedStart });
        return;
      }
      const reasons = details.approval!.decisions.filter((d) => d.decision === 'reject').map((d) => d.comment);
      const event = ticket.record('rejected', actor, { status: 'rejected' }, { reasons });
      state.closedAt = Date.now();
      ticket.notify(event, { user: details.requester }, 'change_rejected', { reasons });
      tellLinked(ticket, 'fix_for', 'rejected', { reasons });
    },
    escalateTo: managers,
    templates: { requested: 'change_approval_requested', reminder: 'change_approval_reminder', overdue: 'change_approval_overdue' },
  };

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        const event = ticket.record('assigned', actor, { ...(assignmentGroup !== undefined && { assignmentGroup }), ...(assignee !== undefined && { assignee }) });
        ticket.notify(event, ticket.workers(), 'change_assigned');
      },
    }),

    assess: command('assess', {
      run({ assessment }, actor) {
        ticket.recordDetails('assessed', actor, { assessment }, { conflicts: assessment.conflictingChanges.length, freezes: assessment.freezes.length }, { status: next('assess') });
      },
    }),

    'request-approval': command('request-approval', {
      run({ groups, dueInSeconds }, actor) {
        const round = openRound(groups, details.requester, Date.now(), dueInSeconds * 1000);
        requestApproval(approvals, round, actor, { groups: groups.map((g) => g.name) }, { status: next('request-approval') });
      },
    }),

    ...approvalCommands(approvals),

    'start-implementation': command('start-implementation', {
      run: (_, actor) => void ticket.record('implementation_started', actor, { status: next('start-implementation'), assignee: state.assignee ?? actor }),
    }),

    complete: command('complete', {
      run({ outcome, notes }, actor) {
        // A failed implementation runs the back-out plan before the review.
        const event = ticket.recordDetails(outcome === 'failed' ? 'backed_out' : 'implemented', actor, { outcome }, { notes, ...(outcome === 'failed' && { backoutPlan: details.backoutPlan }) }, { status: next('complete') });
        if (outcome === 'failed') ticket.notify(event, managers()[0] ?? null, 'change_backed_out', { notes });
      },
    }),

    close: command('close', {
      run({ review }, actor) {
        ticket.recordDetails('closed', actor, { review }, {}, { status: next('close') });
        state.closedAt = Date.now();
        tellLinked(ticket, 'fix_for', 'closed', { successful: details.outcome === 'successful', notes: review });
      },
    }),

    cancel: command('cancel', {
      run({ reason }, actor) {
        ticket.record('cancelled', actor, { status: next('cancel') }, { reason });
        state.closedAt = Date.now();
        tellLinked(ticket, 'fix_for', 'cancelled', { reason });
      },
    }),

    comment: command('comment', {
      run: ({ body, visibility = 'internal' }, actor) => void ticket.record('commented', actor, {}, { body, visibility }),
    }),

    update: command('update', {
      check(patch) {
        const start = patch.plannedStart ?? details.plannedStart;
        const end = patch.plannedEnd ?? details.plannedEnd;
        if (Date.parse(end) <= Date.parse(start)) refuse(UNPROCESSABLE, 'plannedEnd must be after plannedStart');
      },
      run({ risk, implementationPlan, backoutPlan, plannedStart, plannedEnd, ...fields }, actor) {
        const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        // A new window or new CIs invalidate the assessment: it is done again before approval.
        const invalidates = plannedStart !== undefined || plannedEnd !== undefined || fields.ciIds !== undefined;
        ticket.recordDetails('updated', actor, { risk, implementationPlan, backoutPlan, plannedStart, plannedEnd, ...(invalidates && { assessment: null }) }, {}, {
          ...changes,
          ...(invalidates && status() === 'assess' && { status: 'new' }),
        });
      },
    }),
  } satisfies Record<ChangeCommand, unknown>;

  registerCommands(ticket, lifecycle, commands);
  registerSignedDecisions(approvals);
  registerLinkHandlers(ticket, {});

  function deadlines(): Deadline[] {
    const all: Deadline[] = [...approvalDeadlines(approvals)];
    if (status() === 'scheduled' && details.windowOpenedAt === null) all.push({ name: 'window-open', at: Date.parse(details.plannedStart) });
    if (status() === 'implement' && !details.overrunEscalated) all.push({ name: 'window-overrun', at: Date.parse(details.plannedEnd) });
    return all;
  }

  function onDeadline(name: string) {
    if (onApprovalDeadline(approvals, name)) return;
    if (name === 'window-open' && details.windowOpenedAt === null) {
      const event = ticket.recordDetails('window_opened', SYSTEM, { windowOpenedAt: new Date(Date.now()).toISOString() });
      ticket.notify(event, ticket.workers(), 'change_window_open', { plannedEnd: details.plannedEnd });
      // What stood clear at approval may not any more: look again, now.
      ticket.enqueue({
        kind: 'ask',
        question: WINDOW_CHECK,
        lookup: 'changeWindowConflicts',
        args: [{ number: state.number, ciIds: state.ciIds, serviceIds: state.serviceId ? [state.serviceId] : [], start: details.plannedStart, end: details.plannedEnd }],
      });
    } else if (name === 'window-overrun' && !details.overrunEscalated) {
      const event = ticket.recordDetails('window_overrun', SYSTEM, { overrunEscalated: true }, { plannedEnd: details.plannedEnd }, { escalationLevel: state.escalationLevel + 1 });
      for (const manager of managers()) ticket.notify(event, manager, 'change_window_overrun', { plannedEnd: details.plannedEnd });
    }
  }

  function onAnswer(question: string, answer: unknown) {
    if (onDecisionVerified(approvals, question, answer) || question !== WINDOW_CHECK) return;
    const { changes, freezes } = answer as WindowConflicts;
    const event = ticket.record('window_checked', SYSTEM, {}, { conflictingChanges: changes, freezes });
    if (changes.length + freezes.length > 0) {
      ticket.notify(event, ticket.workers(), 'change_window_conflict', { conflictingChanges: changes.map((c) => c.number), freezes: freezes.map((f) => f.name) });
      for (const manager of managers()) ticket.notify(event, manager, 'change_window_conflict', { conflictingChanges: changes.map((c) => c.number), freezes: freezes.map((f) => f.name) });
    }
  }

  await runUntilDone(ticket, {
    done: () => lifecycle.isTerminal(status()),
    deadlines,
    onDeadline,
    onAnswer,
    statusOnHandover: (s) => s,
    continueAsNew: (carried: TicketState) => continueAsNew<typeof change>({ carried }),
  });
}

function openChange(input: NewChange): TicketState {
  const now = Date.now();
  const details: ChangeDetails = {
    changeType: input.changeType,
    risk: input.risk,
    implementationPlan: input.implementationPlan,
    backoutPlan: input.backoutPlan,
    plannedStart: new Date(input.plannedStart).toISOString(),
    plannedEnd: new Date(input.plannedEnd).toISOString(),
    assessment: null,
    approval: null,
    outcome: null,
    review: null,
    windowOpenedAt: null,
    overrunEscalated: false,
    changeManagers: input.changeManagers,
    requester: input.createdBy,
  };
  const links: Link[] = input.fixFor ? [{ relation: 'fix_for', target: input.fixFor }] : [];
  const state = openTicketState({
    number: input.number,
    type: 'change',
    title: input.title,
    description: input.description,
    category: input.category,
    // A standard change is pre-approved: it opens scheduled.
    status: input.changeType === 'standard' ? 'scheduled' : 'new',
    impact: input.impact,
    urgency: input.urgency,
    priority: priorityOf(input.impact, input.urgency),
    caller: null,
    serviceId: input.serviceId,
    ciIds: input.ciIds,
    sla: NO_SLA,
    clocks: { response: startClock(null, now), resolution: startClock(null, now) },
    details: details as unknown as Record<string, unknown>,
    links,
  });
  return { ...state, assignmentGroup: input.assignmentGroup, assignee: input.assignee };
}
