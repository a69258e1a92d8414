import {
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { LIFECYCLES } from '../../domain/lifecycles';
import type { TicketType } from '../../domain/numbering';
import type { TicketView } from '../../domain/ticket';
import { commandUpdate, snapshotUpdate, viewQuery } from '../../workflows/kernel/messages';
import { unavailable } from '../problem';
import { isTemporalUnavailable, problemFromUpdateFailure } from '../temporalErrors';

/**
 * How long a request waits on Temporal. The client retries an unreachable
 * server on its own; past this deadline the caller gets an answer rather than
 * a hanging request: 202 when the command is durably with the ticket and will
 * apply, 503 when it certainly did not get there.
 */
const ANSWER_DEADLINE_MS = 10_000;

/** The workflow took the message but has not answered yet (no worker, say): it will apply, once. */
export class Accepted {
  constructor(readonly number: string) {}
}

export class TicketWorkflowClosed extends Error {}

/** Another ticket already has this number (the sequence fell behind, after a restore for instance). */
export class NumberTaken extends Error {}

/** Who started a ticket's workflow, kept in its memo: a retry may join only its own ticket. */
const CREATION_KEY = 'creationKey';

async function creationKeyOf(temporal: Client, number: string): Promise<string | null> {
  try {
    const { memo } = await temporal.workflow.getHandle(number).describe();
    return typeof memo?.[CREATION_KEY] === 'string' ? memo[CREATION_KEY] : null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

const withinDeadline = <T>(temporal: Client, work: () => Promise<T>) => temporal.withDeadline(Date.now() + ANSWER_DEADLINE_MS, work);

/** The workflow type of a ticket type (workflows/index.ts exports them under these names). */
function workflowTypeOf(type: TicketType): string {
  const entry = LIFECYCLES[type];
  if (!entry) throw new Error(`no workflow runs ${type} tickets yet`);
  return entry.workflowType;
}

/**
 * Starts a ticket's workflow under `input.number` and gets its first view
 * back in the same round trip (update-with-start). The number must be new
 * (conflict policy FAIL): if a workflow has it, it is this request's own only
 * when its creation key says so (a retry), else NumberTaken.
 */
export async function startTicket(
  temporal: Client,
  taskQueue: string,
  type: TicketType,
  input: { number: string },
  creationKey: string,
): Promise<{ view: TicketView | Accepted; joined: boolean }> {
  const start = new WithStartWorkflowOperation(workflowTypeOf(type), {
    workflowId: input.number,
    taskQueue,
    args: [{ create: input }],
    memo: { [CREATION_KEY]: creationKey },
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  try {
    const view = await withinDeadline(temporal, () => temporal.workflow.executeUpdateWithStart(snapshotUpdate, { startWorkflowOperation: start }));
    return { view, joined: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      if ((await creationKeyOf(temporal, input.number)) !== creationKey) throw new NumberTaken(input.number);
      return { view: await currentView(temporal, input.number), joined: true };
    }
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      // Started, but no worker answered in time: the ticket exists and will run.
      if ((await reachable(temporal)) && (await creationKeyOf(temporal, input.number)) === creationKey) return { view: new Accepted(input.number), joined: false };
      throw engineAway();
    }
    throw error;
  }
}

/** The ticket as its workflow sees it now, or null if no workflow runs it (gone, or never was). */
export async function liveView(temporal: Client, number: string, deadlineMs = ANSWER_DEADLINE_MS): Promise<TicketView | null> {
  try {
    return await temporal.withDeadline(Date.now() + deadlineMs, () => temporal.workflow.getHandle(number).query(viewQuery));
  } catch (error) {
    // No such workflow (ended, or never was) is an answer; an engine that does not answer is not.
    if (isTemporalUnavailable(error)) throw error;
    return null;
  }
}

async function currentView(temporal: Client, number: string): Promise<TicketView | Accepted> {
  return (await liveView(temporal, number).catch(() => null)) ?? new Accepted(number);
}

/**
 * Sends a command as an Update whose ID is the command's: illegal transitions
 * come back as 409 problems, not as history, and the same ID applies once
 * even across the ticket's runs.
 */
export async function sendCommand(
  temporal: Client,
  number: string,
  name: string,
  payload: Record<string, unknown>,
  commandId: string,
): Promise<TicketView | Accepted> {
  try {
    return await withinDeadline(temporal, () => executeCommand(temporal, number, name, payload, commandId));
  } catch (error) {
    const problem = problemFromUpdateFailure(error);
    if (problem) throw problem;
    if (error instanceof WorkflowNotFoundError) throw new TicketWorkflowClosed(number);
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      // The server has it but no worker ran it in time: it applies when one comes back, and a retry with the same ID joins it.
      if (await reachable(temporal)) return new Accepted(number);
      throw engineAway();
    }
    throw error;
  }
}

/** gRPC FAILED_PRECONDITION: the server dropped an Update because the workflow task carrying it failed. */
const FAILED_PRECONDITION = 9;
const MAX_DELIVERIES = 5;

/**
 * Runs a command Update, delivering it again if the server dropped it: an
 * Update that arrives while the ticket continues as new fails with its
 * workflow task (UnhandledCommand) and is not retried by the server. The
 * command's ID makes a second delivery safe: it applies once, in either run.
 */
export async function executeCommand(temporal: Client, number: string, name: string, payload: Record<string, unknown>, commandId: string): Promise<TicketView> {
  for (let delivery = 1; ; delivery++) {
    try {
      return await temporal.workflow.getHandle(number).executeUpdate(commandUpdate<Record<string, unknown>>(name), { args: [payload as never], updateId: commandId });
    } catch (error) {
      const dropped = error instanceof ServiceError && (error.cause as { code?: number } | undefined)?.code === FAILED_PRECONDITION;
      if (!dropped || delivery >= MAX_DELIVERIES) throw error;
    }
  }
}

const engineAway = () => unavailable('the workflow engine is unreachable; nothing was done, try again shortly');

/** Whether the Temporal server answers at all: a timeout with the server up means the message waits there for a worker. */
async function reachable(temporal: Client): Promise<boolean> {
  try {
    await temporal.withDeadline(Date.now() + 2_000, () => temporal.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
