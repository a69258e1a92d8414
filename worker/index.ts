import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { TicketActivities } from '../activities/types';
import type { Database } from '../db/client';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  /** The key signed decisions (approvals sent as Signals) are checked against. */
  signingKey?: string;
  /** A prebuilt bundle (tests bundle once and share it); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Wraps the activities: how tests inject faults (a database outage, refused data) at the activity boundary. */
  wrapActivities?: (activities: TicketActivities) => TicketActivities;
}

/**
 * Workflows kept in memory between tasks. The SDK's default grows with the
 * machine's memory (it held a worker at 4.4 GiB); a ticket's workflow is small
 * (~100 KiB cached) and cheap to replay, so a fixed cache bounds the worker at
 * well under 1 GiB. More open tickets than this are served by more workers.
 */
export const MAX_CACHED_WORKFLOWS = 2_000;

/** One Tempodesk worker: every ticket workflow and the activities they call. Stateless; run as many as load needs. */
export function createWorker({ connection, namespace, taskQueue, db, signingKey, workflowBundle, wrapActivities }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: (wrapActivities ?? ((a) => a))(createActivities({ db, signingKey })),
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
  });
}
