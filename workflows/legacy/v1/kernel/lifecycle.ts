import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { Ticket } from './ticket';

/** What a ticket type tells the kernel's main loop. */
export interface Process {
  /** True once the ticket has reached a final status. */
  done(): boolean;
  /** The next instant something is due (SLA threshold, auto-close), or null. */
  nextWakeAt(): number | null;
  /** Acts on everything due now. */
  onWake(): Promise<void>;
  /** Continues as new with the ticket's state; never returns. */
  continueAsNew(): Promise<never>;
}

/**
 * The loop every ticket workflow runs: sleep until the next deadline or until
 * a command changes the ticket (which may move the deadline), act, repeat.
 * No polling: the timer is the deadline itself.
 */
export async function runUntilDone(ticket: Ticket, process: Process): Promise<void> {
  while (!process.done()) {
    const wakeAt = process.nextWakeAt();
    const version = ticket.state.version;
    const changed = () => process.done() || ticket.state.version !== version || workflowInfo().continueAsNewSuggested;
    const wait = wakeAt === null ? null : Math.ceil(wakeAt - Date.now());
    if (wait === null) await condition(changed);
    else if (wait > 0) await condition(changed, wait);

    if (wakeAt !== null && Date.now() >= wakeAt && !process.done()) {
      await ticket.exclusive(async () => {
        await process.onWake();
        await ticket.flush();
      });
    }
    if (workflowInfo().continueAsNewSuggested && !process.done()) {
      // Drain handlers first so no accepted Update or Signal is lost across the run boundary.
      await condition(allHandlersFinished);
      await ticket.flush();
      await process.continueAsNew();
    }
  }
  await condition(allHandlersFinished);
  await ticket.flush();
}
