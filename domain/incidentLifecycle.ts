/**
 * The incident lifecycle (DESIGN.md, Lifecycles):
 * new → assigned → in_progress ⇄ pending → resolved → closed, cancelled from
 * any open state, resolved → in_progress on reopen.
 */
export const INCIDENT_STATUSES = ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

const OPEN: IncidentStatus[] = ['new', 'assigned', 'in_progress', 'pending'];

export const INCIDENT_COMMANDS = [
  'assign',
  'acknowledge',
  'pend',
  'resume',
  'resolve',
  'reopen',
  'close',
  'cancel',
  'comment',
  'escalate',
  'set-priority',
  'link-parent',
] as const;
export type IncidentCommand = (typeof INCIDENT_COMMANDS)[number];

/** Which statuses each command may be issued from. */
const ALLOWED_FROM: Record<IncidentCommand, readonly IncidentStatus[]> = {
  assign: OPEN,
  acknowledge: ['new', 'assigned'],
  pend: ['in_progress'],
  resume: ['pending'],
  resolve: OPEN,
  reopen: ['resolved'],
  close: ['resolved'],
  cancel: OPEN,
  comment: [...OPEN, 'resolved'],
  escalate: OPEN,
  'set-priority': OPEN,
  'link-parent': OPEN,
};

export function isOpen(status: IncidentStatus): boolean {
  return OPEN.includes(status);
}

export function isTerminal(status: IncidentStatus): boolean {
  return status === 'closed' || status === 'cancelled';
}

export function canIssue(command: IncidentCommand, status: IncidentStatus): boolean {
  return ALLOWED_FROM[command].includes(status);
}

export function allowedCommands(status: IncidentStatus): IncidentCommand[] {
  return INCIDENT_COMMANDS.filter((c) => canIssue(c, status));
}

/** The status a command leads to from `status`; commands that only edit fields keep it. */
export function statusAfter(command: IncidentCommand, status: IncidentStatus): IncidentStatus {
  switch (command) {
    case 'assign':
      return status === 'new' ? 'assigned' : status;
    case 'acknowledge':
    case 'resume':
    case 'reopen':
      return 'in_progress';
    case 'pend':
      return 'pending';
    case 'resolve':
      return 'resolved';
    case 'close':
      return 'closed';
    case 'cancel':
      return 'cancelled';
    default:
      return status;
  }
}
