import { randomInt, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCommand } from '../../api/tickets/workflows';
import { eventually } from '../helpers/eventually';
import { events, signal, view } from '../helpers/incidents';
import { startFixtureWorker } from '../helpers/fixtureWorker';
import { startStack, type Stack } from '../helpers/stack';

/** The kernel as another ticket type uses it: a probe type with update-only, authorized decisions (test/fixtures/kernel-probe-workflows.ts). */
let stack: Stack;
let fixtureWorker: Awaited<ReturnType<typeof startFixtureWorker>>;

beforeAll(async () => {
  stack = await startStack();
  fixtureWorker = await startFixtureWorker(stack, 'kernel-probe-workflows.ts');
});
afterAll(async () => {
  await fixtureWorker?.stop();
  await stack?.stop();
});

async function openProbe(requester: string) {
  const number = `REQ${randomInt(100_000_000, 999_999_999)}`;
  const handle = await stack.client.workflow.start('probe', { workflowId: number, taskQueue: fixtureWorker.taskQueue, args: [{ number, requester }] });
  await eventually(async () => expect(await view(stack, number)).toBeDefined());
  return { number, handle };
}

const decide = (number: string, name: string, actor: string) => executeCommand(stack.client, number, name, { actor }, randomUUID());

describe('the kernel for other ticket types', () => {
  it('takes decisions only as authorized Updates: never as a signal, never from the requester', async () => {
    const { number, handle } = await openProbe('requester@example.com');
    // A forged approval by signal finds no handler: approvals are not signal-forgeable.
    await signal(stack, number, 'approve', { actor: 'approver@example.com' });
    await signal(stack, number, 'note', { body: 'signals are fine for notes' });
    await eventually(async () => expect((await events(stack, number)).map((e) => e.kind)).toEqual(['created', 'noted']));

    const own = await decide(number, 'approve', 'requester@example.com').catch((e: unknown) => e);
    expect(own).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((own as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Forbidden', message: 'requester@example.com cannot decide on their own request' });

    const approved = await decide(number, 'approve', 'approver@example.com');
    expect(approved.status).toBe('approved');
    await handle.result();
    expect((await view(stack, number)).status).toBe('approved');
    expect((await events(stack, number)).map((e) => `${e.kind}:${e.actor}`)).toEqual(['created:requester@example.com', 'noted:cli-user', 'approved:approver@example.com']);
  });
});
