import { ApplicationFailure, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { incidentCommandSchemas } from '../domain/incident';
import { incidentLifecycle, isOpen, type IncidentCommand, type IncidentStatus } from '../domain/incidentLifecycle';
import { priorityOf, type Level } from '../domain/priority';
import { targetFor, type SlaPolicy } from '../domain/sla';
import { meetClock, pauseClock, reopenClock, resumeClock, retargetClock, startClock, stopClock } from '../domain/slaClock';
import { commandBuilder, registerCommands } from './kernel/commands';
import { escalate } from './kernel/escalation';
import { runUntilDone } from './kernel/lifecycle';
import { link, registerLinkHandlers, tellLinked } from './kernel/links';
import { snapshotUpdate, UNPROCESSABLE, viewQuery } from './kernel/messages';
import { onSlaDeadline, slaDeadlines, type ThresholdKind } from './kernel/sla';
import { openTicketState, Ticket, upgradeState, type ClockName, type TicketState } from './kernel/ticket';
import { incidentV1 } from './legacy/v1/incident';
import type { NewProblem } from './problem';

export interface NewIncident {
  number: string;
  title: string;
  description: string;
  category: string | null;
  impact: Level;
  urgency: Level;
  caller: string | null;
  /** The caller's organization, the service and CIs; absent from the input of incidents logged before the CMDB. */
  organizationId?: string | null;
  serviceId?: string | null;
  ciIds?: string[];
  createdBy: string;
  sla: SlaPolicy;
  /** Quiet period after resolution before the incident closes itself. */
  autoCloseSeconds: number;
}

export type IncidentInput = { create: NewIncident } | { carried: Parameters<typeof upgradeState>[0] & { autoCloseSeconds: number } };

const SYSTEM = 'system';

/**
 * An incident, from report to closure (ITIL Incident Management): logged and
 * prioritised, assigned, acknowledged, worked (pending while waiting on the
 * caller), resolved, and closed by the caller or after a quiet period. SLA
 * clocks run alongside and escalate when a threshold passes.
 */
export async function incident(input: IncidentInput): Promise<void> {
  // Runs begun on kernel v1 replay on its frozen code; their next continue-as-new lands here.
  if (!patched('kernel-v2')) return incidentV1(input as Parameters<typeof incidentV1>[0]);

  const autoCloseSeconds = 'create' in input ? input.create.autoCloseSeconds : input.carried.autoCloseSeconds;
  const ticket = new Ticket('create' in input ? logIncident(input.create) : upgradeState(input.carried));
  const state = ticket.state;
  const status = () => state.status as IncidentStatus;
  if ('create' in input) {
    // Recorded before any handler is registered, so no message sees a ticket without its creation.
    const event = ticket.record('created', input.create.createdBy, {}, { priority: state.priority, slaId: state.sla.id });
    ticket.notify(event, ticket.callerRecipient(), 'incident_logged');
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(snapshotUpdate, () => ticket.view());

  const clock = (name: ClockName, change: typeof pauseClock) => ticket.setClock(name, change(state.clocks[name], Date.now(), ticket.calendar));
  const handover = (s: string) => (s === 'new' || s === 'in_progress' ? 'assigned' : s);

  function resolve(actor: string, resolutionCode: string, resolutionNotes: string, data: Record<string, unknown> = {}) {
    const event = ticket.record('resolved', actor, { status: 'resolved', resolutionCode, resolutionNotes }, data);
    state.resolvedAt = Date.now();
    // A ticket resolved before anyone acknowledged it has been responded to as well.
    clock('response', meetClock);
    clock('resolution', meetClock);
    ticket.notify(event, ticket.callerRecipient(), 'incident_resolved', { resolutionCode, resolutionNotes });
    // Child incidents follow their parent.
    tellLinked(ticket, 'child', 'resolved', { resolutionCode, resolutionNotes });
  }

  function close(actor: string, kind: string) {
    const event = ticket.record(kind, actor, { status: 'closed' });
    state.closedAt = Date.now();
    ticket.notify(event, ticket.callerRecipient(), 'incident_closed');
  }

  const command = commandBuilder(incidentCommandSchemas);
  const next = (name: IncidentCommand) => incidentLifecycle.next(name, status());

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        // A new group without a named person is a handover: nobody works the ticket until someone acknowledges.
        const handedOver = assignmentGroup !== undefined && assignee === undefined && assignmentGroup !== state.assignmentGroup;
        const event = ticket.record('assigned', actor, {
          ...(assignmentGroup !== undefined && { assignmentGroup }),
          ...(assignee !== undefined && { assignee }),
          ...(handedOver && { assignee: null }),
          status: handedOver ? handover(next('assign')) : next('assign'),
        });
        ticket.notify(event, ticket.workers(), 'incident_assigned');
      },
    }),

    acknowledge: command('acknowledge', {
      run(_, actor) {
        ticket.record('acknowledged', actor, { status: next('acknowledge'), assignee: state.assignee ?? (actor === SYSTEM ? null : actor) });
        clock('response', meetClock);
      },
    }),

    pend: command('pend', {
      run({ reason }, actor) {
        const event = ticket.record('pended', actor, { status: next('pend') }, { reason });
        clock('resolution', pauseClock);
        ticket.notify(event, ticket.callerRecipient(), 'incident_awaiting_caller', { reason });
      },
    }),

    resume: command('resume', {
      run(_, actor) {
        ticket.record('resumed', actor, { status: next('resume') });
        ticket.setClock('resolution', resumeClock(state.clocks.resolution, Date.now()));
      },
    }),

    resolve: command('resolve', {
      run: ({ resolutionCode, resolutionNotes }, actor) => resolve(actor, resolutionCode, resolutionNotes),
    }),

    reopen: command('reopen', {
      run({ reason }, actor) {
        const event = ticket.record('reopened', actor, { status: next('reopen'), resolutionCode: null, resolutionNotes: null }, { reason });
        state.resolvedAt = null;
        ticket.setClock('resolution', reopenClock(state.clocks.resolution, Date.now()));
        ticket.notify(event, ticket.workers(), 'incident_reopened', { reason });
      },
    }),

    close: command('close', { run: (_, actor) => close(actor, 'closed') }),

    cancel: command('cancel', {
      run({ reason }, actor) {
        const event = ticket.record('cancelled', actor, { status: next('cancel') }, { reason });
        state.closedAt = Date.now();
        // A cancelled ticket's clocks stop for good: nothing is due on it any more.
        clock('response', stopClock);
        clock('resolution', stopClock);
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
      // The API's lookup holds only if the ticket is still with the group it looked up.
      run: ({ reason, from, to }, actor) => void escalate(ticket, handover, 'escalated', actor, { reason }, from === state.assignmentGroup ? to : undefined),
    }),

    'set-priority': command('set-priority', {
      run({ impact, urgency }, actor) {
        ticket.record('priority_changed', actor, { impact, urgency, priority: priorityOf(impact, urgency) });
        const target = targetFor(state.sla, state.priority);
        ticket.setClock('response', retargetClock(state.clocks.response, target.responseSeconds));
        ticket.setClock('resolution', retargetClock(state.clocks.resolution, target.resolutionSeconds));
      },
    }),

    'link-parent': command('link-parent', {
      check({ parent }) {
        const current = ticket.linked('parent')[0];
        if (parent === state.number || ticket.linked('child').includes(parent)) {
          throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${parent} cannot be the parent of ${state.number}`, nonRetryable: true });
        }
        if (current !== undefined && current !== parent) {
          throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${state.number} is already a child of ${current}`, nonRetryable: true });
        }
      },
      run: ({ parent }, actor) => link(ticket, 'parent', parent, actor),
    }),

    'link-problem': command('link-problem', {
      check: ({ problem }) => checkOneProblem(problem),
      run: ({ problem }, actor) => link(ticket, 'caused_by', problem, actor),
    }),

    'raise-problem': command('raise-problem', {
      check: ({ number }) => checkOneProblem(number),
      run({ number, title, description, impact, urgency, incidentPolicy }, actor) {
        const input: NewProblem = {
          number,
          title: title ?? state.title,
          description: description ?? state.description,
          category: state.category,
          impact: impact ?? state.impact,
          urgency: urgency ?? state.urgency,
          symptoms: state.description,
          serviceId: state.serviceId,
          ciIds: state.ciIds,
          incidentPolicy: incidentPolicy ?? 'notify',
          incidents: [state.number],
          raisedFrom: state.number,
          createdBy: actor,
        };
        // The problem starts knowing this incident, so the link needs no announcement.
        ticket.addLink({ relation: 'caused_by', target: number });
        ticket.record('problem_raised', actor, {}, { relation: 'caused_by', target: number });
        ticket.enqueue({ kind: 'start-child', workflowType: 'problem', number, input: { ...input } });
      },
    }),

    update: command('update', {
      run(patch, actor) {
        ticket.record('updated', actor, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      },
    }),
  } satisfies Record<IncidentCommand, unknown>;

  /** One problem per incident: many incidents share a problem, an incident has one cause. */
  function checkOneProblem(problem: string) {
    const current = ticket.linked('caused_by')[0];
    if (current !== undefined && current !== problem) {
      throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${state.number} is already linked to problem ${current}`, nonRetryable: true });
    }
  }

  registerCommands(ticket, incidentLifecycle, commands);

  registerLinkHandlers(ticket, {
    onLinked(relation, from) {
      // A child linked after this ticket was resolved (a race with the resolution) follows at once.
      if (relation === 'child' && (status() === 'resolved' || status() === 'closed')) {
        tellLinked(ticket, 'child', 'resolved', { resolutionCode: state.resolutionCode ?? '', resolutionNotes: state.resolutionNotes ?? '' }, [from]);
      }
    },
    onOutcome({ from, relation, outcome, data }) {
      if (!ticket.linked(relation).includes(from)) return;
      if (relation === 'parent' && outcome === 'resolved') {
        if (incidentLifecycle.canIssue('resolve', status())) resolve(SYSTEM, String(data.resolutionCode ?? ''), String(data.resolutionNotes ?? ''), { resolvedBy: from });
      } else if (relation === 'caused_by') {
        onProblemOutcome(from, outcome, data);
      }
    },
  });

  /** What the problem behind this incident tells it: a workaround to apply, or that it is fixed. */
  function onProblemOutcome(problem: string, outcome: string, data: Record<string, unknown>) {
    if (!isOpen(status())) return;
    if (outcome === 'known_error_published') {
      const body = `Known error ${problem}: ${String(data.title ?? '')}. Workaround: ${String(data.workaround ?? '')}`;
      const event = ticket.record('commented', SYSTEM, {}, { body, visibility: 'public', knownError: problem });
      ticket.notify(event, ticket.callerRecipient(), 'incident_commented', { body });
      ticket.notify(event, ticket.workers(), 'known_error_published', { problem, workaround: data.workaround });
    } else if (outcome === 'resolved') {
      const notes = `Problem ${problem} is resolved: ${String(data.resolutionNotes ?? '')}`;
      if (data.policy === 'resolve') resolve(SYSTEM, 'known_error', notes, { resolvedBy: problem });
      else ticket.record('commented', SYSTEM, {}, { body: notes, visibility: 'internal', problem });
    }
  }

  function onSlaThreshold(name: ClockName, percent: number, kind: ThresholdKind) {
    const data = { clock: name, percent };
    if (kind === 'warning') {
      const event = ticket.record('sla_warning', SYSTEM, {}, data);
      ticket.notify(event, ticket.workers(), 'sla_warning', data);
    } else {
      escalate(ticket, handover, kind === 'breach' ? 'sla_breached' : 'sla_escalated', SYSTEM, data);
    }
  }

  const autoCloseAt = () => (status() === 'resolved' && state.resolvedAt !== null ? state.resolvedAt + autoCloseSeconds * 1000 : null);

  await runUntilDone(ticket, {
    done: () => incidentLifecycle.isTerminal(status()),
    deadlines() {
      const closeAt = autoCloseAt();
      return [...slaDeadlines(ticket), ...(closeAt === null ? [] : [{ name: 'auto-close', at: closeAt }])];
    },
    onDeadline(name) {
      if (onSlaDeadline(ticket, name, onSlaThreshold)) return;
      if (name === 'auto-close' && autoCloseAt() !== null && Date.now() >= autoCloseAt()!) close(SYSTEM, 'auto_closed');
    },
    statusOnHandover: handover,
    continueAsNew: (carried: TicketState) => continueAsNew<typeof incident>({ carried: { ...carried, autoCloseSeconds } }),
  });
}

function logIncident(input: NewIncident): TicketState {
  const now = Date.now();
  const priority = priorityOf(input.impact, input.urgency);
  const target = targetFor(input.sla, priority);
  return openTicketState({
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
    organizationId: input.organizationId,
    serviceId: input.serviceId,
    ciIds: input.ciIds,
    sla: input.sla,
    clocks: { response: startClock(target.responseSeconds, now), resolution: startClock(target.resolutionSeconds, now) },
  });
}
