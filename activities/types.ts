import type { TicketBatch } from '../db/readModel';

/** One step of a ticket's life for the read model: its latest view, its new events and notifications. */
export type ProjectionBatch = TicketBatch;

/** What workflows may ask of the outside world. Workflows import this file as types only. */
export interface TicketActivities {
  projectTicket(batch: ProjectionBatch): Promise<void>;
  escalationTeamOf(team: string): Promise<string | null>;
}
