import type { FieldChange } from '../../domain/ticket';

interface HistoryEvent {
  kind: string;
  changes: FieldChange[];
  data: Record<string, unknown>;
}

/** What a caller may read of their ticket's history: the steps of its life, never escalations, SLA internals or work notes. */
interface CallerPolicy {
  kinds: Set<string>;
  fields: Set<string>;
  data: Set<string>;
}

const INCIDENT_KINDS = [
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
];
const FIELDS = ['status', 'title', 'description', 'category', 'caller', 'impact', 'urgency', 'priority', 'resolutionCode', 'resolutionNotes'];
const DATA = ['body', 'visibility', 'reason', 'resolutionCode', 'resolutionNotes'];

export const INCIDENT_CALLER_POLICY: CallerPolicy = { kinds: new Set(INCIDENT_KINDS), fields: new Set(FIELDS), data: new Set(DATA) };

/** A requester follows approvals, fulfilment and tasks, and the questions asked of them; never who else decided how, nor work notes. */
export const REQUEST_CALLER_POLICY: CallerPolicy = {
  kinds: new Set([
    ...INCIDENT_KINDS,
    'approval_requested',
    'level_approved',
    'approved',
    'rejected',
    'fulfilment_started',
    'task_started',
    'task_completed',
    'task_failed',
    'task_retried',
    'question_asked',
    'question_answered',
    'fulfilled',
  ]),
  fields: new Set([...FIELDS, 'details.question']),
  data: new Set([...DATA, 'reasons', 'level', 'task', 'question', 'answer', 'item']),
};

/** The caller's view of a history: an allowlist of kinds, fields and data, so nothing added later leaks by default. */
export function callerHistory<E extends HistoryEvent>(events: E[], policy: CallerPolicy = INCIDENT_CALLER_POLICY): E[] {
  return events
    .filter((e) => policy.kinds.has(e.kind) && !(e.kind === 'commented' && e.data.visibility !== 'public'))
    .map((e) => ({
      ...e,
      changes: e.changes.filter((c) => policy.fields.has(c.field)),
      data: Object.fromEntries(Object.entries(e.data).filter(([key]) => policy.data.has(key))),
    }));
}
