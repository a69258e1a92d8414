import type { CalendarSpec } from './calendar';
import type { ClockView } from './slaClock';
import type { Level, Priority } from './priority';
import type { TicketType } from './numbering';

/** What a ticket is, wherever it is held: the workflow's state and the read model share these fields. */
export interface TicketFacts {
  number: string;
  type: TicketType;
  title: string;
  description: string;
  category: string | null;
  status: string;
  impact: Level;
  urgency: Level;
  priority: Priority;
  caller: string | null;
  assignmentGroup: string | null;
  assignee: string | null;
  parent: string | null;
  children: string[];
  escalationLevel: number;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  /** Bumped on every change; guards the read model against late writes. */
  version: number;
}

/** A ticket as the API returns it and the read model stores it. */
export interface TicketView extends TicketFacts {
  slaId: string;
  sla: { calendar: CalendarSpec; response: ClockView; resolution: ClockView };
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** One entry of a ticket's audit trail. */
export interface TicketEvent {
  /** `${number}:${seq}`: appending the same event twice is a no-op. */
  id: string;
  number: string;
  seq: number;
  at: string;
  actor: string;
  kind: string;
  changes: FieldChange[];
  data: Record<string, unknown>;
}

/** Who a notification is for: resolved to addresses by the activity that queues it. */
export type Recipient = { user: string } | { team: string };

export interface NotificationRequest {
  recipient: Recipient;
  template: string;
  payload: Record<string, unknown>;
}
