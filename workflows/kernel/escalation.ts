import type { TicketEvent } from '../../domain/ticket';
import type { Ticket } from './ticket';

/**
 * Escalates now: records why, tells whoever works the ticket, and hands the
 * ticket to the group's escalation team: at once when the caller looked the
 * team up (the API does), else from the main loop, which looks it up. The
 * escalation level rises with the handover only: at the top of the chain there
 * is nobody to hand to, and the level stays.
 */
export function escalate(
  ticket: Ticket,
  statusOnHandover: (status: string) => string,
  kind: string,
  actor: string,
  data: Record<string, unknown>,
  target?: string,
): TicketEvent {
  const event = ticket.record(kind, actor, {}, data);
  ticket.notify(event, ticket.workers(), 'ticket_escalated', { escalationLevel: ticket.state.escalationLevel, ...data });
  const group = ticket.state.assignmentGroup;
  if (group && target !== undefined) handOver(ticket, statusOnHandover, target, kind);
  else if (group) ticket.enqueue({ kind: 'handover', group, reason: kind });
  return event;
}

/** Functional escalation: the ticket goes to `target`, one level up; nobody there has it yet. */
export function handOver(ticket: Ticket, statusOnHandover: (status: string) => string, target: string, reason: string): void {
  const state = ticket.state;
  if (target === state.assignmentGroup) return;
  const previousWorkers = ticket.workers();
  const event = ticket.record(
    'handed_over',
    'system',
    { assignmentGroup: target, assignee: null, status: statusOnHandover(state.status), escalationLevel: state.escalationLevel + 1 },
    { reason },
  );
  const payload = { escalationLevel: state.escalationLevel, reason };
  ticket.notify(event, previousWorkers, 'ticket_escalated', payload);
  ticket.notify(event, { team: target }, 'ticket_escalated', payload);
}
