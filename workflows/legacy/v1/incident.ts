import { ApplicationFailure, continueAsNew, setHandler } from '@temporalio/workflow';
import { linkedOutcomeSignal, linkedSignal } from '../../kernel/messages';
import { incidentCommandSchemas, type IncidentCommandPayloads } from '../../../domain/incident';
import { canIssue, isTerminal, statusAfter, type IncidentCommand, type IncidentStatus } from '../../../domain/incidentLifecycle';
import { priorityOf, type Level } from '../../../domain/priority';
import { targetFor, type SlaPolicy } from '../../../domain/sla';
import {
  meetClock,
  pauseClock,
  reopenClock,
  resumeClock,
  retargetClock,
  startClock,
} from '../../../domain/slaClock';
import type { CommandSpec } from './kernel/commands';
import { registerCommands } from './kernel/commands';
import { escalate } from './kernel/escalation';
import { runUntilDone } from './kernel/lifecycle';
import { announceToParent, resolveChildren } from './kernel/links';
import { childLinkedSignal, parentResolvedSignal, syncUpdate, UNPROCESSABLE, viewQuery } from './kernel/messages';
import { actOnDueThresholds, nextSlaThreshold, type ThresholdKind } from './kernel/sla';
import { Ticket, type ClockName, type TicketState } from './kernel/ticket';

/*
 * Kernel v1, frozen: the incident process as it ran before kernel v2 (commands
 * awaited the projection inside the ticket's lock). Histories of tickets opened
 * on it replay only on this exact code, so it is never edited; `incident`
 * routes unpatched runs here, and their next continue-as-new moves them to v2.
 * Delete it (and deprecate the patch) once no v1 run is open.
 */
export interface NewIncident {
  number: string;
  title: string;
  description: string;
  category: string | null;
  impact: Level;
  urgency: Level;
  caller: string | null;
  createdBy: string;
  sla: SlaPolicy;
  /** Quiet period after resolution before the incident closes itself. */
  autoCloseSeconds: number;
}

export type IncidentInput = { create: NewIncident } | { carried: TicketState & { autoCloseSeconds: number } };

const SYSTEM = 'system';

/**
 * An incident, from report to closure (ITIL Incident Management): logged and
 * prioritised, assigned, acknowledged, worked (pending while waiting on the
 * caller), resolved, and closed by the caller or after a quiet period. SLA
 * clocks run alongside and escalate when a threshold passes.
 */
export async function incidentV1(input: IncidentInput): Promise<void> {
  const autoCloseSeconds = 'create' in input ? input.create.autoCloseSeconds : input.carried.autoCloseSeconds;
  const ticket = new Ticket('create' in input ? logIncident(input.create) : input.carried);
  const state = ticket.state;
  const status = () => state.status as IncidentStatus;
  if ('create' in input) {
    // Recorded before any handler is registered, so no message sees a ticket without its creation.
    const event = ticket.record('created', input.create.createdBy, {}, { priority: state.priority, slaId: state.sla.id });
    ticket.notify(event, ticket.callerRecipient(), 'incident_logged');
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(syncUpdate, async () => {
    await ticket.synced();
    return ticket.view();
  });

  const clock = (name: ClockName, change: typeof pauseClock | typeof meetClock) => ticket.setClock(name, change(state.clocks[name], Date.now(), ticket.calendar));
  const retarget = () => {
    const target = targetFor(state.sla, state.priority);
    ticket.setClock('response', retargetClock(state.clocks.response, target.responseSeconds));
    ticket.setClock('resolution', retargetClock(state.clocks.resolution, target.resolutionSeconds));
  };

  function resolve(actor: string, resolutionCode: string, resolutionNotes: string, data: Record<string, unknown> = {}) {
    const event = ticket.record('resolved', actor, { status: 'resolved', resolutionCode, resolutionNotes }, data);
    state.resolvedAt = Date.now();
    // A ticket resolved before anyone acknowledged it has been responded to as well.
    clock('response', meetClock);
    clock('resolution', meetClock);
    ticket.notify(event, ticket.callerRecipient(), 'incident_resolved', { resolutionCode, resolutionNotes });
    return resolveChildren(state.children, { parent: state.number, resolutionCode, resolutionNotes });
  }

  function close(actor: string, kind: string) {
    const event = ticket.record(kind, actor, { status: 'closed' });
    state.closedAt = Date.now();
    ticket.notify(event, ticket.callerRecipient(), 'incident_closed');
  }

  const handover = { statusOnHandover: (s: string) => (s === 'new' || s === 'in_progress' ? 'assigned' : s) };

  const command = <C extends IncidentCommand>(
    name: C,
    spec: Omit<CommandSpec<IncidentCommandPayloads[C]>, 'payload' | 'allowedFrom'>,
  ): CommandSpec<IncidentCommandPayloads[C]> => ({
    payload: incidentCommandSchemas[name] as unknown as CommandSpec<IncidentCommandPayloads[C]>['payload'],
    allowedFrom: (s) => canIssue(name, s as IncidentStatus),
    ...spec,
  });

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        // A new group without a named person is a handover: nobody works the ticket until someone acknowledges.
        const handedOver = assignmentGroup !== undefined && assignee === undefined && assignmentGroup !== state.assignmentGroup;
        const next = statusAfter('assign', status());
        const event = ticket.record('assigned', actor, {
          ...(assignmentGroup !== undefined && { assignmentGroup }),
          ...(assignee !== undefined && { assignee }),
          ...(handedOver && { assignee: null }),
          status: handedOver ? handover.statusOnHandover(next) : next,
        });
        ticket.notify(event, ticket.workers(), 'incident_assigned');
      },
    }),

    acknowledge: command('acknowledge', {
      run(_, actor) {
        ticket.record('acknowledged', actor, { status: 'in_progress', assignee: state.assignee ?? (actor === SYSTEM ? null : actor) });
        clock('response', meetClock);
      },
    }),

    pend: command('pend', {
      run({ reason }, actor) {
        const event = ticket.record('pended', actor, { status: 'pending' }, { reason });
        clock('resolution', pauseClock);
        ticket.notify(event, ticket.callerRecipient(), 'incident_awaiting_caller', { reason });
      },
    }),

    resume: command('resume', {
      run(_, actor) {
        ticket.record('resumed', actor, { status: 'in_progress' });
        ticket.setClock('resolution', resumeClock(state.clocks.resolution, Date.now()));
      },
    }),

    resolve: command('resolve', {
      run: ({ resolutionCode, resolutionNotes }, actor) => resolve(actor, resolutionCode, resolutionNotes),
    }),

    reopen: command('reopen', {
      run({ reason }, actor) {
        const event = ticket.record('reopened', actor, { status: 'in_progress', resolutionCode: null, resolutionNotes: null }, { reason });
        state.resolvedAt = null;
        ticket.setClock('resolution', reopenClock(state.clocks.resolution, Date.now()));
        ticket.notify(event, ticket.workers(), 'incident_reopened', { reason });
      },
    }),

    close: command('close', { run: (_, actor) => close(actor, 'closed') }),

    cancel: command('cancel', {
      run({ reason }, actor) {
        const event = ticket.record('cancelled', actor, { status: 'cancelled' }, { reason });
        state.closedAt = Date.now();
        clock('response', pauseClock);
        clock('resolution', pauseClock);
        ticket.notify(event, ticket.callerRecipient(), 'incident_cancelled', { reason });
      },
    }),

    comment: command('comment', {
      run({ body, visibility = 'internal' }, actor) {
        const event = ticket.record('commented', actor, {}, { body, visibility });
        if (visibility === 'public') {
          // The caller hears of agents' public comments, the agents of the caller's.
          ticket.notify(event, actor === state.caller ? ticket.workers() : ticket.callerRecipient(), 'incident_commented', { body });
        }
      },
    }),

    escalate: command('escalate', {
      run: async ({ reason }, actor) => void (await escalate(ticket, handover, 'escalated', actor, { reason })),
    }),

    'set-priority': command('set-priority', {
      run({ impact, urgency }, actor) {
        ticket.record('priority_changed', actor, { impact, urgency, priority: priorityOf(impact, urgency) });
        retarget();
      },
    }),

    'link-parent': command('link-parent', {
      check({ parent }) {
        if (parent === state.number || state.children.includes(parent)) {
          throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${parent} cannot be the parent of ${state.number}`, nonRetryable: true });
        }
        if (state.parent !== null && state.parent !== parent) {
          throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${state.number} is already a child of ${state.parent}`, nonRetryable: true });
        }
      },
      async run({ parent }, actor) {
        await announceToParent(parent, state.number);
        ticket.record('parent_linked', actor, { parent });
      },
    }),
  } satisfies Record<Exclude<IncidentCommand, 'update' | 'link-problem' | 'raise-problem'>, unknown>;

  registerCommands(ticket, commands);

  // Workflow to workflow: children register with their parent; the parent's resolution becomes theirs.
  const onChildLinked = ({ child }: { child: string }) =>
    ticket.exclusive(async () => {
      if (state.children.includes(child)) return;
      state.children.push(child);
      ticket.record('child_linked', SYSTEM, {}, { child });
      await ticket.flush();
      // Linked after this ticket was resolved (a race with the resolution): it follows at once.
      if (status() === 'resolved' || status() === 'closed') {
        await resolveChildren([child], { parent: state.number, resolutionCode: state.resolutionCode ?? '', resolutionNotes: state.resolutionNotes ?? '' });
      }
    });
  const onParentResolved = ({ parent, resolutionCode, resolutionNotes }: { parent: string; resolutionCode: string; resolutionNotes: string }) =>
    ticket.exclusive(async () => {
      if (!canIssue('resolve', status()) || state.parent !== parent) return;
      await resolve(SYSTEM, resolutionCode, resolutionNotes, { resolvedBy: parent });
      await ticket.flush();
    });
  setHandler(childLinkedSignal, onChildLinked);
  setHandler(parentResolvedSignal, onParentResolved);
  // Added after the freeze, replay-safe (a handler is no command): tickets on kernel v2 speak the generic link
  // protocol, and a v1 parent or child must still hear its v2 children and parent.
  setHandler(linkedSignal, ({ from, relation }) => (relation === 'child' ? onChildLinked({ child: from }) : undefined));
  setHandler(linkedOutcomeSignal, ({ from, relation, outcome, data }) =>
    relation === 'parent' && outcome === 'resolved'
      ? onParentResolved({ parent: from, resolutionCode: String(data.resolutionCode ?? ''), resolutionNotes: String(data.resolutionNotes ?? '') })
      : undefined,
  );

  async function onSlaThreshold(name: ClockName, percent: number, kind: ThresholdKind) {
    const data = { clock: name, percent };
    if (kind === 'warning') {
      const event = ticket.record('sla_warning', SYSTEM, {}, data);
      ticket.notify(event, ticket.workers(), 'sla_warning', data);
    } else {
      await escalate(ticket, handover, kind === 'breach' ? 'sla_breached' : 'sla_escalated', SYSTEM, data);
    }
  }

  const autoCloseAt = () => (status() === 'resolved' && state.resolvedAt !== null ? state.resolvedAt + autoCloseSeconds * 1000 : null);

  // Projected before anything else may run: the creation is what `sync` waits for.
  await ticket.flush();

  await runUntilDone(ticket, {
    done: () => isTerminal(status()),
    nextWakeAt() {
      const candidates = [nextSlaThreshold(ticket)?.at ?? null, autoCloseAt()].filter((t): t is number => t !== null);
      return candidates.length ? Math.min(...candidates) : null;
    },
    async onWake() {
      await actOnDueThresholds(ticket, onSlaThreshold);
      const closeAt = autoCloseAt();
      if (closeAt !== null && Date.now() >= closeAt) close(SYSTEM, 'auto_closed');
    },
    continueAsNew: () => continueAsNew<typeof incidentV1>({ carried: { ...state, autoCloseSeconds } }),
  });
}

function logIncident(input: NewIncident): TicketState {
  const now = Date.now();
  const priority = priorityOf(input.impact, input.urgency);
  const target = targetFor(input.sla, priority);
  return {
    number: input.number,
    type: 'incident',
    title: input.title,
    description: input.description,
    category: input.category,
    status: 'new',
    impact: input.impact,
    urgency: input.urgency,
    priority,
    caller: input.caller,
    assignmentGroup: null,
    assignee: null,
    parent: null,
    children: [],
    escalationLevel: 0,
    resolutionCode: null,
    resolutionNotes: null,
    sla: input.sla,
    clocks: { response: startClock(target.responseSeconds, now), resolution: startClock(target.resolutionSeconds, now) },
    createdAt: now,
    updatedAt: now,
    resolvedAt: null,
    closedAt: null,
    version: 0,
    eventSeq: 0,
  };
}
