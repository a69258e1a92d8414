import { defineLifecycle } from './lifecycle';

/**
 * The incident lifecycle (DESIGN.md, Lifecycles):
 * new → assigned → in_progress ⇄ pending → resolved → closed, cancelled from
 * any open state, resolved → in_progress on reopen.
 */
export const INCIDENT_STATUSES = ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

const OPEN = ['new', 'assigned', 'in_progress', 'pending'] as const satisfies readonly IncidentStatus[];

export const incidentLifecycle = defineLifecycle({
  statuses: INCIDENT_STATUSES,
  terminal: ['closed', 'cancelled'],
  transitions: {
    assign: { from: OPEN, to: (s) => (s === 'new' ? 'assigned' : s) },
    acknowledge: { from: ['new', 'assigned'], to: 'in_progress' },
    pend: { from: ['in_progress'], to: 'pending' },
    resume: { from: ['pending'], to: 'in_progress' },
    resolve: { from: OPEN, to: 'resolved' },
    reopen: { from: ['resolved'], to: 'in_progress' },
    close: { from: ['resolved'], to: 'closed' },
    cancel: { from: OPEN, to: 'cancelled' },
    comment: { from: [...OPEN, 'resolved'] },
    escalate: { from: OPEN },
    'set-priority': { from: OPEN },
    'link-parent': { from: OPEN },
    // A problem is often raised once the incident is resolved (reactive problem management).
    'link-problem': { from: [...OPEN, 'resolved'] },
    'raise-problem': { from: [...OPEN, 'resolved'] },
    update: { from: [...OPEN, 'resolved'] },
  },
});

export const INCIDENT_COMMANDS = incidentLifecycle.commands;
export type IncidentCommand = (typeof INCIDENT_COMMANDS)[number];

export const isOpen = (status: IncidentStatus) => (OPEN as readonly IncidentStatus[]).includes(status);
export const isTerminal = incidentLifecycle.isTerminal;
export const canIssue = incidentLifecycle.canIssue;
export const allowedCommands = incidentLifecycle.allowed;
export const statusAfter = incidentLifecycle.next;
