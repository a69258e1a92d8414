import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { quickSla, startIncident, uniqueNumber, update, view } from '../helpers/incidents';
import { startFixtureWorker } from '../helpers/fixtureWorker';
import { startStack, type Stack } from '../helpers/stack';

/**
 * During an upgrade, tickets opened on kernel v1 run v1 code until they
 * continue as new, beside tickets on v2: parents and children on either side
 * must still hear each other (v2 understands v1's signals; v1 got handlers for v2's).
 */
let stack: Stack;
let fixtureWorker: Awaited<ReturnType<typeof startFixtureWorker>>;

beforeAll(async () => {
  stack = await startStack();
  fixtureWorker = await startFixtureWorker(stack, 'v1-workflows.ts');
});
afterAll(async () => {
  await fixtureWorker?.stop();
  await stack?.stop();
});

async function startOnV1(title: string) {
  const number = uniqueNumber();
  const create = { number, title, description: '', category: null, impact: 2, urgency: 2, caller: null, createdBy: 'tester@example.com', sla: quickSla(3600, 7200), autoCloseSeconds: 3600 };
  await stack.client.workflow.start('incident', { workflowId: number, taskQueue: fixtureWorker.taskQueue, args: [{ create }] });
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
