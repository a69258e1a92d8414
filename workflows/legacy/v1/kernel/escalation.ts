import type { TicketEvent } from '../../../../domain/ticket';
import { lookups, type Ticket, type TicketFields } from './ticket';

export interface EscalationOptions {
  /** The status a ticket takes when it is handed to another team. */
  statusOnHandover(status: string): string;
}

/**
 * Raises the escalation level and, when the assignment group names an
 * escalation team, hands the ticket to that team (functional escalation).
 * Escalating again walks further up the chain of escalation teams.
 */
export async function escalate(
  ticket: Ticket,
  options: EscalationOptions,
  kind: string,
  actor: string,
  data: Record<string, unknown>,
): Promise<TicketEvent> {
  const group = ticket.state.assignmentGroup;
  const target = group ? await lookups.escalationTeamOf(group) : null;
  const patch: Partial<TicketFields> = { escalationLevel: ticket.state.escalationLevel + 1 };
  if (target && target !== group) {
    patch.assignmentGroup = target;
    patch.assignee = null;
    patch.status = options.statusOnHandover(ticket.state.status);
  }
  const previousWorkers = ticket.workers();
  const event = ticket.record(kind, actor, patch, { ...data, escalatedTo: target });
  const payload = { escalationLevel: ticket.state.escalationLevel, ...data };
  ticket.notify(event, previousWorkers, 'ticket_escalated', payload);
  if (target && target !== group) ticket.notify(event, { team: target }, 'ticket_escalated', payload);
  return event;
}
