import type { CalendarSpec } from './calendar';
import type { ClockView } from './slaClock';
import type { Level, Priority } from './priority';
import type { TicketType } from './numbering';

/**
 * How tickets relate. Each side keeps its own half (a child says `parent`,
 * its parent says `child`), and each half is projected as a row.
 */
export const LINK_RELATIONS = ['parent', 'child', 'caused_by', 'causes', 'fix_for', 'fixed_by', 'task_of', 'has_task', 'duplicate_of', 'has_duplicate', 'alert_of', 'has_alert'] as const;
export type LinkRelation = (typeof LINK_RELATIONS)[number];
export interface Link {
  relation: LinkRelation;
  target: string;
}

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

/** What a ticket knows of the CMDB; ids only, so a renamed CI or service never leaves a stale name in a ticket. */
export interface TicketCmdbFacts {
  /** The caller's organization when the ticket opened (a portal power user of it sees the ticket). */
  organizationId: string | null;
  /** The service the ticket is about; given, or derived from its CIs. */
  serviceId: string | null;
  /** The configuration items the ticket names. */
  ciIds: string[];
}

/** A ticket as the API returns it and the read model stores it. */
export interface TicketView extends TicketFacts, Partial<TicketCmdbFacts> {
  /** What only this ticket's type knows (a problem's analysis …); absent from views projected before types had details. */
  details?: Record<string, unknown>;
  /** Every link of the ticket; absent from views projected by kernel v1 (parent and children only). The CMDB facts are absent from views projected before tickets named them. */
  links?: Link[];
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

/** The failure type of a projection the database refuses for good (the data itself is wrong): retrying cannot help. */
export const PROJECTION_REFUSED = 'ProjectionRefused';
