import type { NotificationRequest, TicketEvent, TicketView } from '../domain/ticket';

export interface ProjectionBatch {
  view: TicketView;
  events: TicketEvent[];
  /** Each notification belongs to an event; the pair makes it idempotent. */
  notifications: (NotificationRequest & { eventId: string })[];
}

/** What workflows may ask of the outside world. Workflows import this file as types only. */
export interface TicketActivities {
  projectTicket(batch: ProjectionBatch): Promise<void>;
  escalationTeamOf(team: string): Promise<string | null>;
}
