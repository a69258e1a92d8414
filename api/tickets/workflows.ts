import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TicketView } from '../../domain/ticket';
import { incident, type NewIncident } from '../../workflows/incident';
import { commandUpdate, syncUpdate } from '../../workflows/kernel/messages';
import { problemFromUpdateFailure } from '../temporalErrors';

/**
 * Starts an incident's workflow (its ID is the number) and waits until its
 * creation is in the read model. Starting an ID that is already running joins
 * it, so a retried create (same Idempotency-Key) never makes a second ticket.
 * Returns null if the workflow has already finished (the ticket is closed).
 */
export async function startIncident(temporal: Client, taskQueue: string, input: NewIncident): Promise<TicketView | null> {
  try {
    const handle = await temporal.workflow.start(incident, {
      workflowId: input.number,
      taskQueue,
      args: [{ create: input }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return await handle.executeUpdate(syncUpdate);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw error;
  }
}

export class TicketWorkflowClosed extends Error {}

/** Sends a command as an Update: illegal transitions come back as 409 problems, not as history. */
export async function sendCommand(temporal: Client, number: string, name: string, payload: Record<string, unknown>): Promise<TicketView> {
  try {
    return await temporal.workflow.getHandle(number).executeUpdate(commandUpdate<Record<string, unknown>>(name), { args: [payload as never] });
  } catch (error) {
    const problem = problemFromUpdateFailure(error);
    if (problem) throw problem;
    if (error instanceof WorkflowNotFoundError) throw new TicketWorkflowClosed(number);
    throw error;
  }
}

