import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { Level } from '../domain/priority';
import { priorityOf } from '../domain/priority';
import { problemCommandSchemas, type IncidentPolicy, type ProblemDetails } from '../domain/problem';
import { problemLifecycle, type ProblemCommand, type ProblemStatus } from '../domain/problemLifecycle';
import { startClock } from '../domain/slaClock';
import type { Link } from '../domain/ticket';
import { commandBuilder, registerCommands } from './kernel/commands';
import { runUntilDone } from './kernel/lifecycle';
import { link, registerLinkHandlers, tellLinked } from './kernel/links';
import { snapshotUpdate, viewQuery } from './kernel/messages';
import { NO_SLA, openTicketState, Ticket, upgradeState, type TicketState } from './kernel/ticket';

const SYSTEM = 'system';

export interface NewProblem {
  number: string;
  title: string;
  description: string;
  category: string | null;
  impact: Level;
  urgency: Level;
  symptoms: string;
  serviceId: string | null;
  ciIds: string[];
  incidentPolicy: IncidentPolicy;
  /** Incidents this problem causes; each hears of the link (raised from one, that one is told already). */
  incidents: string[];
  /** Raised from an incident: it made the link on its side before starting this workflow. */
  raisedFrom: string | null;
  createdBy: string;
}

export type ProblemInput = { create: NewProblem } | { carried: TicketState };


/**
 * A problem, from suspicion to closure (ITIL Problem Management): logged,
 * investigated, its root cause and workaround published as a known error (the
 * incidents it causes get the workaround), a fix raised, and resolved, which
 * resolves or tells its incidents as its policy says.
 */
export async function problem(input: ProblemInput): Promise<void> {
  const ticket = new Ticket('create' in input ? openProblem(input.create) : upgradeState(input.carried));
  const state = ticket.state;
  const details = state.details as unknown as ProblemDetails;
  const status = () => state.status as ProblemStatus;
  if ('create' in input) {
    const { createdBy, raisedFrom, incidents } = input.create;
    ticket.record('created', createdBy, {}, { priority: state.priority, ...(raisedFrom && { raisedFrom }) });
    // The incident it was raised from linked itself already; the others hear of it now.
    for (const number of incidents.filter((n) => n !== raisedFrom)) link(ticket, 'causes', number, createdBy);
  }

  setHandler(viewQuery, () => ticket.view());
  setHandler(snapshotUpdate, () => ticket.view());

  const command = commandBuilder(problemCommandSchemas);
  const next = (name: ProblemCommand) => problemLifecycle.next(name, status());

  const commands = {
    assign: command('assign', {
      run({ assignmentGroup, assignee }, actor) {
        const event = ticket.record('assigned', actor, { ...(assignmentGroup !== undefined && { assignmentGroup }), ...(assignee !== undefined && { assignee }) });
        ticket.notify(event, ticket.workers(), 'problem_assigned');
      },
    }),

    investigate: command('investigate', {
      run: (_, actor) => void ticket.record('investigation_started', actor, { status: next('investigate'), assignee: state.assignee ?? actor }),
    }),

    'publish-known-error': command('publish-known-error', {
      run({ symptoms, rootCause, workaround }, actor) {
        const knownErrorAt = new Date(Date.now()).toISOString();
        ticket.recordDetails('known_error_published', actor, { symptoms, rootCause, workaround, knownErrorAt }, {}, { status: next('publish-known-error') });
        // Every incident it causes gets the workaround: on its public thread, and its assignee a notification.
        tellLinked(ticket, 'causes', 'known_error_published', { workaround, title: state.title });
      },
    }),

    'start-fix': command('start-fix', {
      run: ({ plan }, actor) => void ticket.record('fix_started', actor, { status: next('start-fix') }, { plan }),
    }),

    'raise-change': command('raise-change', {
      run({ number, change }, actor) {
        ticket.addLink({ relation: 'fixed_by', target: number });
        ticket.record('change_raised', actor, { status: next('raise-change') }, { relation: 'fixed_by', target: number });
        ticket.enqueue({ kind: 'start-child', workflowType: 'change', number, input: { ...change, number, fixFor: state.number, createdBy: actor } });
      },
    }),

    resolve: command('resolve', {
      run: ({ resolutionCode, resolutionNotes, incidentPolicy }, actor) => resolve(actor, resolutionCode, resolutionNotes, incidentPolicy ?? details.incidentPolicy),
    }),

    reopen: command('reopen', {
      run({ reason }, actor) {
        ticket.record('reopened', actor, { status: next('reopen'), resolutionCode: null, resolutionNotes: null }, { reason });
        state.resolvedAt = null;
      },
    }),

    close: command('close', {
      run(_, actor) {
        ticket.record('closed', actor, { status: next('close') });
        state.closedAt = Date.now();
      },
    }),

    cancel: command('cancel', {
      run({ reason }, actor) {
        ticket.record('cancelled', actor, { status: next('cancel') }, { reason });
        state.closedAt = Date.now();
      },
    }),

    comment: command('comment', {
      run: ({ body, visibility = 'internal' }, actor) => void ticket.record('commented', actor, {}, { body, visibility }),
    }),

    'set-priority': command('set-priority', {
      run: ({ impact, urgency }, actor) => void ticket.record('priority_changed', actor, { impact, urgency, priority: priorityOf(impact, urgency) }),
    }),

    update: command('update', {
      run({ symptoms, rootCause, workaround, incidentPolicy, ...fields }, actor) {
        const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        ticket.recordDetails('updated', actor, { symptoms, rootCause, workaround, incidentPolicy }, {}, changes);
      },
    }),
  } satisfies Record<ProblemCommand, unknown>;

  /** Resolved: its incidents are resolved or told, as the policy says. */
  function resolve(actor: string, resolutionCode: string, resolutionNotes: string, policy: IncidentPolicy, data: Record<string, unknown> = {}) {
    ticket.record('resolved', actor, { status: 'resolved', resolutionCode, resolutionNotes }, { incidentPolicy: policy, ...data });
    state.resolvedAt = Date.now();
    tellLinked(ticket, 'causes', 'resolved', { resolutionCode, resolutionNotes, policy });
  }

  registerCommands(ticket, problemLifecycle, commands);

  // Incidents do not steer their problem; the change that fixes it does, when it ends.
  registerLinkHandlers(ticket, {
    onLinked(relation, from) {
      // An incident linked after the known error was published gets the workaround too.
      if (relation === 'causes' && details.knownErrorAt !== null) {
        tellLinked(ticket, 'causes', 'known_error_published', { workaround: details.workaround, title: state.title }, [from]);
      }
    },
    onOutcome({ from, relation, outcome, data }) {
      if (relation !== 'fixed_by' || !ticket.linked('fixed_by').includes(from)) return;
      if (outcome === 'closed' && data.successful === true && problemLifecycle.canIssue('resolve', status())) {
        resolve(SYSTEM, 'fixed', `Fixed by ${from}: ${String(data.notes ?? '')}`, details.incidentPolicy, { resolvedBy: from });
      } else {
        ticket.record('commented', SYSTEM, {}, { body: `Change ${from} ended ${outcome}${data.successful === false ? ' without success' : ''}`, visibility: 'internal', change: from });
      }
    },
  });

  await runUntilDone(ticket, {
    done: () => problemLifecycle.isTerminal(status()),
    deadlines: () => [],
    onDeadline() {},
    // Problems are not escalated by the kernel (no SLA): a handover keeps the status.
    statusOnHandover: (s) => s,
    continueAsNew: (carried: TicketState) => continueAsNew<typeof problem>({ carried }),
  });
}

function openProblem(input: NewProblem): TicketState {
  const now = Date.now();
  const details: ProblemDetails = { symptoms: input.symptoms, rootCause: '', workaround: '', knownErrorAt: null, incidentPolicy: input.incidentPolicy };
  const links: Link[] = input.raisedFrom ? [{ relation: 'causes', target: input.raisedFrom }] : [];
  return openTicketState({
    number: input.number,
    type: 'problem',
    title: input.title,
    description: input.description,
    category: input.category,
    status: 'new',
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
}
