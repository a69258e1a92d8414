import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { eventually } from '../helpers/eventually';
import { quickSla, startIncident, uniqueNumber, update, view } from '../helpers/incidents';
import { startStack, type Stack } from '../helpers/stack';

/**
 * During an upgrade, tickets opened on kernel v1 run v1 code until they
 * continue as new, beside tickets on v2: parents and children on either side
 * must still hear each other (v2 understands v1's signals; v1 got handlers for v2's).
 */
let stack: Stack;
let connection: NativeConnection;
let v1Worker: Worker;
let running: Promise<void>;
const v1Queue = `v1-${randomUUID()}`;
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  stack = await startStack();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../fixtures/v1-workflows.ts', import.meta.url)), logger: silent });
  v1Worker = await Worker.create({ connection, taskQueue: v1Queue, workflowBundle, activities: createActivities({ db: stack.db }) });
  running = v1Worker.run();
});
afterAll(async () => {
  v1Worker?.shutdown();
  await running;
  await connection?.close();
  await stack?.stop();
});

async function startOnV1(title: string) {
  const number = uniqueNumber();
  const create = { number, title, description: '', category: null, impact: 2, urgency: 2, caller: null, createdBy: 'tester@example.com', sla: quickSla(3600, 7200), autoCloseSeconds: 3600 };
  await stack.client.workflow.start('incident', { workflowId: number, taskQueue: v1Queue, args: [{ create }] });
  await eventually(async () => expect(await view(stack, number)).toBeDefined());
  return number;
}

const resolvedWith = async (number: string, from: string) =>
  eventually(async () => expect(await view(stack, number)).toMatchObject({ status: 'resolved', resolutionNotes: `fixed by ${from}` }));

describe('parents and children across kernel versions', () => {
  it('a v2 child follows its v1 parent', async () => {
    const parent = await startOnV1('v1 parent');
    const child = (await startIncident(stack, { title: 'v2 child' })).number;
    await update(stack, child, 'link-parent', { parent });
    await eventually(async () => expect((await view(stack, parent)).children).toEqual([child]));
    await update(stack, parent, 'resolve', { resolutionCode: 'fixed', resolutionNotes: `fixed by ${parent}` });
    await resolvedWith(child, parent);
  });

  it('a v1 child follows its v2 parent', async () => {
    const parent = (await startIncident(stack, { title: 'v2 parent' })).number;
    const child = await startOnV1('v1 child');
    await update(stack, child, 'link-parent', { parent });
    await eventually(async () => expect((await view(stack, parent)).children).toEqual([child]));
    await update(stack, parent, 'resolve', { resolutionCode: 'fixed', resolutionNotes: `fixed by ${parent}` });
    await resolvedWith(child, parent);
  });
});
