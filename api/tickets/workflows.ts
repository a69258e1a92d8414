import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { TicketView } from '../../domain/ticket';
import { incident, type NewIncident } from '../../workflows/incident';
import { commandUpdate, syncUpdate } from '../../workflows/kernel/messages';
import { unavailable } from '../problem';
import { problemFromUpdateFailure } from '../temporalErrors';

/**
 * How long a request waits on Temporal. The client retries an unreachable
 * server on its own; past these deadlines the caller gets a 503 to retry
 * (creation is idempotent with a key) rather than a hanging request.
 */
const START_DEADLINE_MS = 5_000;
const ANSWER_DEADLINE_MS = 15_000;

/** Waits for a ticket's workflow to answer; without a worker, a 503 instead of a hang. */
async function answer<T>(temporal: Client, work: () => Promise<T>): Promise<T> {
  try {
    return await temporal.withDeadline(Date.now() + ANSWER_DEADLINE_MS, work);
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw unavailable(
        `the ticket's workflow did not answer within ${ANSWER_DEADLINE_MS / 1000} s (is a worker running?); the command may still apply, so read the ticket before retrying`,
      );
    }
    throw error;
  }
}

/**
 * Starts an incident's workflow (its ID is the number) and waits until its
 * creation is in the read model. Starting an ID that is already running joins
 * it, so a retried create (same Idempotency-Key) never makes a second ticket.
 * Returns null if the workflow has already finished (the ticket is closed).
 */
export async function startIncident(temporal: Client, taskQueue: string, input: NewIncident): Promise<TicketView | null> {
  try {
    const handle = await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      temporal.workflow.start(incident, {
        workflowId: input.number,
        taskQueue,
        args: [{ create: input }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
    return await answer(temporal, () => handle.executeUpdate(syncUpdate));
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw error;
  }
}

export class TicketWorkflowClosed extends Error {}

/** Sends a command as an Update: illegal transitions come back as 409 problems, not as history. */
export async function sendCommand(temporal: Client, number: string, name: string, payload: Record<string, unknown>): Promise<TicketView> {
  try {
    const handle = temporal.workflow.getHandle(number);
    return await answer(temporal, () => handle.executeUpdate(commandUpdate<Record<string, unknown>>(name), { args: [payload as never] }));
  } catch (error) {
    const problem = problemFromUpdateFailure(error);
    if (problem) throw problem;
    if (error instanceof WorkflowNotFoundError) throw new TicketWorkflowClosed(number);
    throw error;
  }
}
