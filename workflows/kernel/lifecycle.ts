import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { runEffects, type EffectHooks } from './effects';
import { runProjector } from './projector';
import type { Ticket, TicketState } from './ticket';

/** Something the process must act on at an instant: an SLA threshold, an auto-close. */
export interface Deadline {
  name: string;
  at: number;
}

/** What a ticket type tells the kernel's main loop. */
export interface Process extends EffectHooks {
  /** True once the ticket has reached a final status. */
  done(): boolean;
  /** Every deadline ahead or due, from one function, so the loop sleeps until the earliest. */
  deadlines(): Deadline[];
  /** Acts, synchronously, on a deadline that is due. */
  onDeadline(name: string): void;
  /** Continues as new with the ticket's state; never returns. */
  continueAsNew(state: TicketState): Promise<never>;
}

/**
 * The loop every ticket workflow runs: sleep until the earliest deadline or
 * until a command changes the ticket, act, repeat. Beside it, the projector
 * writes the read model and the effect runner talks to the world; neither ever
 * holds up a command or a deadline. No polling: the timer is the deadline.
 */
export async function runUntilDone(ticket: Ticket, process: Process): Promise<void> {
  const background = Promise.race([runProjector(ticket), runEffects(ticket, process)]);
  await Promise.race([background, deadlines(ticket, process)]);
  if (!process.done()) {
    // Handlers never await, so draining them is immediate; what is unwritten travels with the state.
    await condition(allHandlersFinished);
    await process.continueAsNew(ticket.carried());
  }
  // A finished ticket ends only once the read model and its linked tickets know everything.
  await Promise.race([background, condition(() => ticket.settled() && allHandlersFinished())]);
}

/** Returns when the ticket is done or Temporal suggests continuing as new. */
async function deadlines(ticket: Ticket, process: Process): Promise<void> {
  // A deadline that is due but changes nothing when acted upon (a calendar that says "due" while
  // nothing more can happen) is acted upon once, then left until the ticket changes: no spin.
  let quietSince: number | null = null;
  for (;;) {
    if (process.done() || workflowInfo().continueAsNewSuggested) return;
    const now = Date.now();
    const all = process.deadlines();
    const due = all.filter((d) => d.at <= now);
    const version = ticket.state.version;
    if (due.length > 0 && quietSince !== version) {
      for (const d of due) process.onDeadline(d.name);
      if (ticket.state.version === version) quietSince = version;
      continue;
    }
    const ahead = all.filter((d) => d.at > now).map((d) => d.at);
    const changed = () => process.done() || ticket.state.version !== version || workflowInfo().continueAsNewSuggested;
    if (ahead.length === 0) await condition(changed);
    else await condition(changed, Math.min(...ahead) - now);
  }
}
