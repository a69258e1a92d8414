import type { TicketBatch } from '../db/readModel';

/** One step of a ticket's life for the read model: its latest view, its new events and notifications. */
export type ProjectionBatch = TicketBatch;

/** What workflows may ask of the outside world. Workflows import this file as types only. */
export interface TicketActivities {
  projectTicket(batch: ProjectionBatch): Promise<void>;
  escalationTeamOf(team: string): Promise<string | null>;
  /** What stands in a change's way when its window opens: overlapping changes on the same or related CIs, and freeze windows. */
  changeWindowConflicts(query: WindowQuery): Promise<WindowConflicts>;
  /** Whether a decision sent as a Signal carries the platform's signature (the workflow cannot hold the key). */
  verifyDecision(decision: { number: string; decision: 'approve' | 'reject'; actor: string; commandId: string; comment: string; signature: string }): Promise<boolean>;
}

export interface WindowQuery {
  number: string;
  ciIds: string[];
  serviceIds: string[];
  start: string;
  end: string;
}

export interface WindowConflicts {
  changes: { number: string; title: string; plannedStart: string; plannedEnd: string }[];
  freezes: { id: string; name: string; startsAt: string; endsAt: string }[];
}
