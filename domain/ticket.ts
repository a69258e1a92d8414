import type { CalendarSpec } from './calendar';
import type { ClockView } from './slaClock';
import type { Level, Priority } from './priority';
import type { TicketType } from './numbering';

/** A ticket as the API returns it and the read model stores it. */
export interface TicketView {
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
  slaId: string;
  sla: { calendar: CalendarSpec; response: ClockView; resolution: ClockView };
  resolutionCode: string | null;
  resolutionNotes: string | null;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
  /** Bumped on every change; guards the read model against late writes. */
  version: number;
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
