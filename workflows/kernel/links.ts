import { defineSignal, setHandler } from '@temporalio/workflow';
import type { LinkRelation } from '../../domain/ticket';
import { linkedOutcomeSignal, linkedSignal, type LinkedOutcome } from './messages';
import type { Ticket } from './ticket';

/** The other half of each relation: what the linked ticket records about this one. */
export const INVERSE: Record<LinkRelation, LinkRelation> = {
  parent: 'child',
  child: 'parent',
  caused_by: 'causes',
  causes: 'caused_by',
  fix_for: 'fixed_by',
  fixed_by: 'fix_for',
  task_of: 'has_task',
  has_task: 'task_of',
  duplicate_of: 'has_duplicate',
  has_duplicate: 'duplicate_of',
  alert_of: 'has_alert',
  has_alert: 'alert_of',
};

/** Links this ticket to `target` now; the target hears of it from the main loop. A link made twice is made once. */
export function link(ticket: Ticket, relation: LinkRelation, target: string, actor: string): void {
  const made = { relation, target };
  if (!ticket.addLink(made)) return;
  ticket.record(`${relation}_linked`, actor, {}, made);
  ticket.enqueue({ kind: 'announce-link', link: made, inverse: INVERSE[relation] });
}

/** Tells every ticket linked as `relation` what became of this one (batched fan-out, by workflow ID). */
export function tellLinked(ticket: Ticket, relation: LinkRelation, outcome: string, data: Record<string, unknown>, targets = ticket.linked(relation)): void {
  if (targets.length > 0) ticket.enqueue({ kind: 'outcome', targets, outcome: { relation: INVERSE[relation], outcome, data } });
}

/** Kernel v1's wire names for the parent-child relation, still sent by tickets that run v1 code. */
const v1ChildLinked = defineSignal<[{ child: string }]>('childLinked');
const v1ParentResolved = defineSignal<[{ parent: string; resolutionCode: string; resolutionNotes: string }]>('parentResolved');

export interface LinkHooks {
  /** Another ticket linked itself to this one (this ticket's half is recorded already). */
  onLinked?(relation: LinkRelation, from: string): void;
  /** A linked ticket's outcome; a type that ignores its links' news leaves this out. */
  onOutcome?(outcome: LinkedOutcome): void;
}

export function registerLinkHandlers(ticket: Ticket, hooks: LinkHooks): void {
  const linked = ({ from, relation }: { from: string; relation: LinkRelation }) => {
    if (!ticket.addLink({ relation, target: from })) return;
    ticket.record(`${relation}_linked`, 'system', {}, { relation, target: from });
    hooks.onLinked?.(relation, from);
  };
  setHandler(linkedSignal, linked);
  setHandler(linkedOutcomeSignal, (outcome) => hooks.onOutcome?.(outcome));
  setHandler(v1ChildLinked, ({ child }) => linked({ from: child, relation: 'child' }));
  setHandler(v1ParentResolved, ({ parent, ...data }) => hooks.onOutcome?.({ from: parent, relation: 'parent', outcome: 'resolved', data }));
}
