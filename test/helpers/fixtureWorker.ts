import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import type { Stack } from './stack';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * A second worker beside a stack's, running the workflows of a test fixture
 * (another ticket type, an older kernel) on its own task queue, with the real
 * activities on the stack's database.
 */
export async function startFixtureWorker(stack: Stack, fixture: string): Promise<{ taskQueue: string; stop(): Promise<void> }> {
  const taskQueue = `fixture-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url)), logger: silent });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities: createActivities({ db: stack.db }) });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
