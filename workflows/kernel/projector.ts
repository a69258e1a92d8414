import { ActivityFailure, ApplicationFailure, condition } from '@temporalio/workflow';
import { projectTicket } from './activities';
import type { Ticket } from './ticket';

/** How long a ticket waits before offering a refused batch again, unless it changes first (a correction may make it acceptable). */
const REFUSED_RETRY = '5 minutes';

/**
 * The one writer of a ticket's read model: whenever something was recorded,
 * write everything recorded since the last write as one batch. Commands never
 * wait for it; while the database is away, batches grow and coalesce.
 */
export async function runProjector(ticket: Ticket): Promise<never> {
  for (;;) {
    await condition(() => ticket.needsProjection());
    const batch = ticket.takeBatch();
    try {
      await projectTicket(batch);
      ticket.batchWritten();
      ticket.state.projection = null;
    } catch (error) {
      // Transient failures are retried inside the activity for as long as they last; what reaches
      // here was refused for good. The ticket goes on working; /health names it until a write succeeds.
      if (!(error instanceof ActivityFailure)) throw error;
      ticket.batchRefused();
      const previous = ticket.state.projection;
      const cause = error.cause instanceof ApplicationFailure ? error.cause.message : error.message;
      ticket.state.projection = { failingSince: previous?.failingSince ?? Date.now(), failures: (previous?.failures ?? 0) + 1, error: cause };
      const version = ticket.state.version;
      await condition(() => ticket.state.version !== version, REFUSED_RETRY);
    }
  }
}
