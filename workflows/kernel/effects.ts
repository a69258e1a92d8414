import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { condition, getExternalWorkflowHandle, ParentClosePolicy, startChild, type SignalDefinition } from '@temporalio/workflow';
import type { Link } from '../../domain/ticket';
import { lookups, type Lookups } from './activities';
import { handOver } from './escalation';
import { linkedOutcomeSignal, linkedSignal, type LinkedOutcome } from './messages';
import type { Ticket } from './ticket';

/**
 * Work a ticket owes the outside world, queued by handlers (which never await)
 * and done by the main loop, one effect at a time and in order. Effects are
 * plain data: an effect not yet done when the run continues as new is done by
 * the next run, so each must be safe to do twice.
 */
export type Effect =
  /** Hand the ticket to its group's escalation team (functional escalation), if the group has one. */
  | { kind: 'handover'; group: string; reason: string }
  /** Tell another ticket of a link this ticket made; a ticket that does not run refuses it, and the link is undone. */
  | { kind: 'announce-link'; link: Link; inverse: Link['relation'] }
  /** Tell linked tickets what became of this one, by workflow ID. */
  | { kind: 'outcome'; targets: string[]; outcome: Omit<LinkedOutcome, 'from'> }
  /**
   * Open another ticket as a child workflow that outlives this one (a problem raised from an incident,
   * a change from a problem). Its input links it back here, so no announcement is needed.
   */
  | { kind: 'start-child'; workflowType: string; number: string; input: Record<string, unknown> }
  /** Look something up for the process (what stands in a change's window …); the answer comes back through `onAnswer`. */
  | { kind: 'ask'; question: string; lookup: keyof Lookups; args: unknown[] };

/** Signals sent per step of a fan-out, so a ticket with thousands of links never makes one giant workflow task. */
export const FAN_OUT_BATCH = 500;

export interface EffectHooks {
  /** The status a ticket takes when it is handed to another team. */
  statusOnHandover(status: string): string;
  /** The answer to a question the process asked (an `ask` effect), applied synchronously like a command. */
  onAnswer?(question: string, answer: unknown): void;
}

async function deliver<T>(target: string, signal: SignalDefinition<[T]>, payload: T): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(target).signal(signal, payload);
    return true;
  } catch {
    return false;
  }
}

async function perform(ticket: Ticket, effect: Effect, hooks: EffectHooks): Promise<Effect | null> {
  const state = ticket.state;
  switch (effect.kind) {
    case 'handover': {
      const target = await lookups.escalationTeamOf(effect.group);
      // Someone reassigned the ticket meanwhile, or there is nobody further up: the level stays where it is.
      if (target && state.assignmentGroup === effect.group) handOver(ticket, hooks.statusOnHandover, target, effect.reason);
      return null;
    }
    case 'announce-link': {
      if (await deliver(effect.link.target, linkedSignal, { from: state.number, relation: effect.inverse })) return null;
      ticket.removeLink(effect.link);
      ticket.record('link_refused', 'system', {}, { ...effect.link, reason: `${effect.link.target} is not an open ticket` });
      return null;
    }
    case 'start-child': {
      try {
        // ABANDON: the child is a ticket in its own right and runs on when this one closes or continues as new.
        await startChild(effect.workflowType, {
          workflowId: effect.number,
          args: [{ create: effect.input }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (error) {
        // Started by an earlier run of this ticket (the effect was carried over): nothing more to do.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      return null;
    }
    case 'ask': {
      const lookup = lookups[effect.lookup] as (...args: unknown[]) => Promise<unknown>;
      hooks.onAnswer?.(effect.question, await lookup(...effect.args));
      return null;
    }
    case 'outcome': {
      const batch = effect.targets.slice(0, FAN_OUT_BATCH);
      // A linked ticket that has ended needs no news.
      await Promise.all(batch.map((target) => deliver(target, linkedOutcomeSignal, { from: state.number, ...effect.outcome })));
      const rest = effect.targets.slice(FAN_OUT_BATCH);
      return rest.length ? { ...effect, targets: rest } : null;
    }
  }
}

/** The main loop's effect runner: takes the oldest effect, does it, and replaces it by what is left of it. */
export async function runEffects(ticket: Ticket, hooks: EffectHooks): Promise<never> {
  for (;;) {
    await condition(() => ticket.state.effects.length > 0);
    const effect = ticket.state.effects[0]!;
    const rest = await perform(ticket, effect, hooks);
    const index = ticket.state.effects.indexOf(effect);
    if (rest) ticket.state.effects[index] = rest;
    else ticket.state.effects.splice(index, 1);
  }
}
