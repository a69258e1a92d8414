import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { childLinkedSignal, parentResolvedSignal } from './messages';

/** Tells the parent ticket it has a new child; fails if the parent's workflow has ended. */
export async function announceToParent(parent: string, child: string): Promise<void> {
  await getExternalWorkflowHandle(parent).signal(childLinkedSignal, { child });
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
