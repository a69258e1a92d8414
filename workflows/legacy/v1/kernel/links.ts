import { ApplicationFailure, getExternalWorkflowHandle } from '@temporalio/workflow';
import { childLinkedSignal, parentResolvedSignal, UNPROCESSABLE } from './messages';

/**
 * Tells the parent ticket it has a new child. A parent whose workflow has
 * ended (or never was) refuses the command; it must not fail the workflow task.
 */
export async function announceToParent(parent: string, child: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(parent).signal(childLinkedSignal, { child });
  } catch {
    throw ApplicationFailure.create({ type: UNPROCESSABLE, message: `${parent} is not an open ticket`, nonRetryable: true });
  }
}

/** Passes the parent's resolution to each child; children whose workflows have ended are skipped. */
export async function resolveChildren(
  children: string[],
  resolution: { parent: string; resolutionCode: string; resolutionNotes: string },
): Promise<void> {
  await Promise.all(
    children.map((child) => getExternalWorkflowHandle(child).signal(parentResolvedSignal, resolution).catch(() => undefined)),
  );
}
