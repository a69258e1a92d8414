import type { FieldChange } from '../../../domain/ticket';

interface HistoryEvent {
  kind: string;
  changes: FieldChange[];
  data: Record<string, unknown>;
}

/** What a caller may read of their ticket's history: the steps of its life, never escalations, SLA internals or work notes. */
const CALLER_KINDS = new Set([
  'created',
  'assigned',
  'acknowledged',
  'commented',
  'pended',
  'resumed',
  'resolved',
  'reopened',
  'closed',
  'auto_closed',
  'cancelled',
  'updated',
  'priority_changed',
]);
const CALLER_FIELDS = new Set(['status', 'title', 'description', 'category', 'caller', 'impact', 'urgency', 'priority', 'resolutionCode', 'resolutionNotes']);
const CALLER_DATA = new Set(['body', 'visibility', 'reason', 'resolutionCode', 'resolutionNotes']);

/** The caller's view of a history: an allowlist of kinds, fields and data, so nothing added later leaks by default. */
export function callerHistory<E extends HistoryEvent>(events: E[]): E[] {
  return events
    .filter((e) => CALLER_KINDS.has(e.kind) && !(e.kind === 'commented' && e.data.visibility !== 'public'))
    .map((e) => ({
      ...e,
      changes: e.changes.filter((c) => CALLER_FIELDS.has(c.field)),
      data: Object.fromEntries(Object.entries(e.data).filter(([key]) => CALLER_DATA.has(key))),
    }));
}
