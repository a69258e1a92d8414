import { upsertSearchAttributes } from '@temporalio/workflow';
import { calendarFor, type BusinessCalendar } from '../../domain/calendar';
import type { SlaPolicy } from '../../domain/sla';
import { viewClock, type SlaClock } from '../../domain/slaClock';
import type { FieldChange, Link, NotificationRequest, Recipient, TicketCmdbFacts, TicketEvent, TicketFacts, TicketView } from '../../domain/ticket';
import type { Effect } from './effects';
import type { ProjectionBatch } from '../../activities/types';
import { TICKET_STATUS, TICKET_TYPE } from './searchAttributes';

export type ClockName = 'response' | 'resolution';
export type QueuedNotification = NotificationRequest & { eventId: string };

/** Why the read model is behind, while it is. */
export interface ProjectionTrouble {
  failingSince: number;
  failures: number;
  error: string;
}

/** Everything a ticket workflow knows; plain data, carried across continue-as-new. */
export interface TicketState extends Omit<TicketFacts, 'parent' | 'children'>, TicketCmdbFacts {
  sla: SlaPolicy;
  clocks: Record<ClockName, SlaClock>;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
  eventSeq: number;
  links: Link[];
  /** IDs of the latest commands applied (Update IDs, signals' commandId): a retried command applies once, across runs too. */
  seenCommands: string[];
  /** Recorded but not yet in the read model: carried across continue-as-new, so a new run never waits on the database. */
  unprojected: { events: TicketEvent[]; notifications: QueuedNotification[] };
  /** Work the main loop owes the outside world (lookups, fan-out), in order. */
  effects: Effect[];
  projection: ProjectionTrouble | null;
  /** What only this ticket type knows (a problem's root cause and workaround …): plain data, each change recorded as `details.<field>`. */
  details: Record<string, unknown>;
}

/** The fields a command may change; each change is recorded with its old and new value. */
export type TicketFields = Pick<
  TicketState,
  | 'title'
  | 'description'
  | 'category'
  | 'status'
  | 'impact'
  | 'urgency'
  | 'priority'
  | 'caller'
  | 'assignmentGroup'
  | 'assignee'
  | 'escalationLevel'
  | 'resolutionCode'
  | 'resolutionNotes'
  | 'serviceId'
  | 'ciIds'
>;

/**
 * The policy of ticket types measured by something else than SLA clocks
 * (problems by investigation, changes by their window and approvals, tasks by
 * their request): the kernel's clocks run untargeted and never warn or breach.
 */
export const NO_SLA: SlaPolicy = {
  id: 'none',
  name: 'No SLA',
  targets: Object.fromEntries(['1', '2', '3', '4', '5'].map((p) => [p, { responseSeconds: null, resolutionSeconds: null }])) as SlaPolicy['targets'],
  warnAtPercent: 75,
  calendar: { kind: '24x7' },
};

/** How many command IDs a ticket remembers: far more than any client retries within a run's life. */
const SEEN_COMMANDS_KEPT = 500;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** Field values are plain data: lists compare by content, so an unchanged list records no change. */
const sameValue = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

/**
 * A ticket inside its workflow: state, the audit trail it appends to, and the
 * queues the main loop drains (projection, effects). Every method is
 * synchronous: a command applies whole, at the instant its handler is entered,
 * whatever the database or other workflows are doing.
 */
export class Ticket {
  readonly calendar: BusinessCalendar;
  /** The batch the projector is writing now; carried over with the rest if the run ends first. */
  private inFlight: ProjectionBatch | null = null;
  private projectedVersion: number;

  constructor(readonly state: TicketState) {
    this.calendar = calendarFor(state.sla.calendar);
    this.projectedVersion = state.unprojected.events.length > 0 ? 0 : state.version;
    upsertSearchAttributes([
      { key: TICKET_TYPE, value: state.type },
      { key: TICKET_STATUS, value: state.status },
    ]);
  }

  /** Records an event at this instant, applying `patch` and keeping each changed field's old and new value. */
  record(kind: string, actor: string, patch: Partial<TicketFields> = {}, data: Record<string, unknown> = {}): TicketEvent {
    const changes: FieldChange[] = [];
    for (const [field, to] of Object.entries(patch) as [keyof TicketFields, unknown][]) {
      const from = this.state[field];
      if (sameValue(from, to)) continue;
      changes.push({ field, from, to });
      (this.state as unknown as Record<string, unknown>)[field] = to;
    }
    if (changes.some((c) => c.field === 'status')) upsertSearchAttributes([{ key: TICKET_STATUS, value: this.state.status }]);
    const now = Date.now();
    this.state.version += 1;
    this.state.eventSeq += 1;
    this.state.updatedAt = now;
    const event: TicketEvent = {
      id: `${this.state.number}:${this.state.eventSeq}`,
      number: this.state.number,
      seq: this.state.eventSeq,
      at: new Date(now).toISOString(),
      actor,
      kind,
      changes,
      data,
    };
    this.state.unprojected.events.push(event);
    return event;
  }

  /** Records an event that changes type-specific details, each changed field kept as `details.<field>` with its old and new value. */
  recordDetails(kind: string, actor: string, patch: Record<string, unknown>, data: Record<string, unknown> = {}, fields: Partial<TicketFields> = {}): TicketEvent {
    const before = { ...this.state.details };
    const changed = Object.entries(patch).filter(([field, to]) => to !== undefined && !sameValue(before[field], to));
    for (const [field, to] of changed) this.state.details[field] = to;
    const event = this.record(kind, actor, fields, data);
    event.changes.push(...changed.map(([field, to]) => ({ field: `details.${field}`, from: before[field] ?? null, to })));
    return event;
  }

  notify(event: TicketEvent, recipient: Recipient | null, template: string, payload: Record<string, unknown> = {}): void {
    if (recipient === null) return;
    this.state.unprojected.notifications.push({
      eventId: event.id,
      recipient,
      template,
      payload: { number: this.state.number, title: this.state.title, ...payload },
    });
  }

  /** The people a notification about this ticket's work goes to: its assignee, else its group. */
  workers(): Recipient | null {
    if (this.state.assignee) return { user: this.state.assignee };
    if (this.state.assignmentGroup) return { team: this.state.assignmentGroup };
    return null;
  }

  callerRecipient(): Recipient | null {
    return this.state.caller ? { user: this.state.caller } : null;
  }

  setClock(name: ClockName, clock: SlaClock): void {
    this.state.clocks[name] = clock;
  }

  linked(relation: Link['relation']): string[] {
    return this.state.links.filter((l) => l.relation === relation).map((l) => l.target);
  }

  /** Adds a link; false when it is there already (a second link to the same ticket is a no-op). */
  addLink(link: Link): boolean {
    if (this.state.links.some((l) => l.relation === link.relation && l.target === link.target)) return false;
    this.state.links.push(link);
    return true;
  }

  removeLink(link: Link): void {
    this.state.links = this.state.links.filter((l) => l.relation !== link.relation || l.target !== link.target);
  }

  /** Queues work for the main loop. */
  enqueue(effect: Effect): void {
    this.state.effects.push(effect);
  }

  /** Remembers an applied command's ID, forgetting the oldest beyond the bound. */
  remember(id: string | undefined): void {
    if (id === undefined) return;
    this.state.seenCommands.push(id);
    if (this.state.seenCommands.length > SEEN_COMMANDS_KEPT) this.state.seenCommands.splice(0, this.state.seenCommands.length - SEEN_COMMANDS_KEPT);
  }

  isSeen(id: string | undefined): boolean {
    return id !== undefined && this.state.seenCommands.includes(id);
  }

  needsProjection(): boolean {
    return this.inFlight === null && (this.state.unprojected.events.length > 0 || this.projectedVersion < this.state.version);
  }

  /** Everything recorded since the last batch, coalesced into one write of the latest view. */
  takeBatch(): ProjectionBatch {
    const batch = { view: this.view(), ...this.state.unprojected };
    this.state.unprojected = { events: [], notifications: [] };
    this.inFlight = batch;
    return batch;
  }

  batchWritten(): void {
    this.projectedVersion = Math.max(this.projectedVersion, this.inFlight!.view.version);
    this.inFlight = null;
  }

  /** Puts a refused batch back in front of what was recorded since, so nothing is lost and order is kept. */
  batchRefused(): void {
    const { events, notifications } = this.inFlight!;
    this.state.unprojected = { events: [...events, ...this.state.unprojected.events], notifications: [...notifications, ...this.state.unprojected.notifications] };
    this.inFlight = null;
  }

  /** Nothing left to write or to do: the read model and the other tickets know everything. */
  settled(): boolean {
    return this.inFlight === null && !this.needsProjection() && this.state.effects.length === 0;
  }

  /** The state to carry into the next run, with whatever the current run could not write yet. */
  carried(): TicketState {
    if (this.inFlight) this.batchRefused();
    return this.state;
  }

  view(): TicketView {
    const s = this.state;
    const now = Date.now();
    return {
      number: s.number,
      type: s.type,
      title: s.title,
      description: s.description,
      category: s.category,
      status: s.status,
      impact: s.impact,
      urgency: s.urgency,
      priority: s.priority,
      caller: s.caller,
      assignmentGroup: s.assignmentGroup,
      assignee: s.assignee,
      parent: this.linked('parent')[0] ?? null,
      children: this.linked('child'),
      links: s.links.map((l) => ({ ...l })),
      escalationLevel: s.escalationLevel,
      slaId: s.sla.id,
      sla: {
        calendar: s.sla.calendar,
        response: viewClock(s.clocks.response, now, this.calendar),
        resolution: viewClock(s.clocks.resolution, now, this.calendar),
      },
      resolutionCode: s.resolutionCode,
      resolutionNotes: s.resolutionNotes,
      organizationId: s.organizationId,
      serviceId: s.serviceId,
      ciIds: [...s.ciIds],
      details: { ...s.details },
      createdAt: iso(s.createdAt)!,
      updatedAt: iso(s.updatedAt)!,
      resolvedAt: iso(s.resolvedAt),
      closedAt: iso(s.closedAt),
      version: s.version,
    };
  }
}

/** The CMDB facts and type details, none until named; absent from state carried by runs opened before tickets had them. */
type LaterFacts = 'organizationId' | 'serviceId' | 'ciIds' | 'details';
const NO_LATER_FACTS: Pick<TicketState, LaterFacts> = { organizationId: null, serviceId: null, ciIds: [], details: {} };

/** What a ticket type decides when it opens a ticket; the kernel fills in the rest (no one assigned, no links, no CIs unless named, empty queues). */
export type OpeningFacts = Pick<TicketState, 'number' | 'type' | 'title' | 'description' | 'category' | 'status' | 'impact' | 'urgency' | 'priority' | 'caller' | 'sla' | 'clocks'> &
  Partial<TicketCmdbFacts> &
  Partial<Pick<TicketState, 'details' | 'links'>>;

/** A new ticket's state, opened now. */
export function openTicketState(facts: OpeningFacts): TicketState {
  const now = Date.now();
  return {
    ...facts,
    organizationId: facts.organizationId ?? null,
    serviceId: facts.serviceId ?? null,
    ciIds: facts.ciIds ?? [],
    details: facts.details ?? {},
    assignmentGroup: null,
    assignee: null,
    links: facts.links ?? [],
    escalationLevel: 0,
    resolutionCode: null,
    resolutionNotes: null,
    createdAt: now,
    updatedAt: now,
    resolvedAt: null,
    closedAt: null,
    version: 0,
    eventSeq: 0,
    seenCommands: [],
    unprojected: { events: [], notifications: [] },
    effects: [],
    projection: null,
  };
}

/** State carried by an earlier run, in today's shape: kernel v1's (parent and children as fields, no queues), or v2's before the CMDB facts. */
export function upgradeState(
  carried:
    | (Omit<TicketState, LaterFacts> & Partial<Pick<TicketState, LaterFacts>>)
    | (Omit<TicketState, 'links' | 'seenCommands' | 'unprojected' | 'effects' | 'projection' | LaterFacts> & { parent: string | null; children: string[] }),
): TicketState {
  if ('links' in carried) return { ...NO_LATER_FACTS, ...carried };
  const { parent, children, ...rest } = carried;
  return {
    ...NO_LATER_FACTS,
    ...rest,
    links: [...(parent ? [{ relation: 'parent' as const, target: parent }] : []), ...children.map((target) => ({ relation: 'child' as const, target }))],
    seenCommands: [],
    unprojected: { events: [], notifications: [] },
    effects: [],
    projection: null,
  };
}
