import { condition, proxyActivities } from '@temporalio/workflow';
import type { TicketActivities } from '../../../../activities/types';
import { calendarFor, type BusinessCalendar } from '../../../../domain/calendar';
import type { SlaPolicy } from '../../../../domain/sla';
import { viewClock, type SlaClock } from '../../../../domain/slaClock';
import type { FieldChange, NotificationRequest, Recipient, TicketEvent, TicketFacts, TicketView } from '../../../../domain/ticket';

export type ClockName = 'response' | 'resolution';

/** Everything a ticket workflow knows; plain data, carried across continue-as-new. */
export interface TicketState extends TicketFacts {
  sla: SlaPolicy;
  clocks: Record<ClockName, SlaClock>;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
  eventSeq: number;
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
  | 'parent'
  | 'escalationLevel'
  | 'resolutionCode'
  | 'resolutionNotes'
>;

const activities = proxyActivities<TicketActivities>({
  startToCloseTimeout: '30 seconds',
  // The read model must converge: retry for as long as the database is away.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});
export const lookups = { escalationTeamOf: activities.escalationTeamOf };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A ticket inside its workflow: state, the audit trail it appends to, and the
 * projection that carries both to PostgreSQL. Mutations are synchronous, so a
 * handler's change is whole before it first awaits.
 */
export class Ticket {
  readonly calendar: BusinessCalendar;
  private unflushedEvents: TicketEvent[] = [];
  private unflushedNotifications: (NotificationRequest & { eventId: string })[] = [];
  private projectedVersion = 0;
  /** The tail of the queue of exclusive work: each piece starts when the one before it settles. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly state: TicketState) {
    this.calendar = calendarFor(state.sla.calendar);
    this.projectedVersion = state.version;
  }

  /** Records an event, applying `patch` and keeping each changed field's old and new value. */
  record(kind: string, actor: string, patch: Partial<TicketFields> = {}, data: Record<string, unknown> = {}): TicketEvent {
    const changes: FieldChange[] = [];
    for (const [field, to] of Object.entries(patch) as [keyof TicketFields, unknown][]) {
      const from = this.state[field];
      if (from === to) continue;
      changes.push({ field, from, to });
      (this.state as unknown as Record<string, unknown>)[field] = to;
    }
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
    this.unflushedEvents.push(event);
    return event;
  }

  notify(event: TicketEvent, recipient: Recipient | null, template: string, payload: Record<string, unknown> = {}): void {
    if (recipient === null) return;
    this.unflushedNotifications.push({ eventId: event.id, recipient, template, payload: { number: this.state.number, title: this.state.title, ...payload } });
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

  /** Writes everything recorded so far to the read model. Safe to call concurrently: the row is version-guarded and events are idempotent. */
  async flush(): Promise<void> {
    if (this.unflushedEvents.length === 0 && this.projectedVersion === this.state.version) return;
    const events = this.unflushedEvents;
    const notifications = this.unflushedNotifications;
    this.unflushedEvents = [];
    this.unflushedNotifications = [];
    const view = this.view();
    await activities.projectTicket({ view, events, notifications });
    this.projectedVersion = Math.max(this.projectedVersion, view.version);
  }

  /** Waits until the read model holds every change made so far. */
  async synced(): Promise<void> {
    await condition(() => this.projectedVersion >= this.state.version);
  }

  /**
   * Runs `work` alone and in call order (a FIFO lock): commands and timers
   * that await activities must not interleave, and signals apply in the order
   * they arrived.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
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
      parent: s.parent,
      children: [...s.children],
      escalationLevel: s.escalationLevel,
      slaId: s.sla.id,
      sla: {
        calendar: s.sla.calendar,
        response: viewClock(s.clocks.response, now, this.calendar),
        resolution: viewClock(s.clocks.resolution, now, this.calendar),
      },
      resolutionCode: s.resolutionCode,
      resolutionNotes: s.resolutionNotes,
      createdAt: iso(s.createdAt)!,
      updatedAt: iso(s.updatedAt)!,
      resolvedAt: iso(s.resolvedAt),
      closedAt: iso(s.closedAt),
      version: s.version,
    };
  }
}
