import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer, type DevServer } from '../cli/temporal';
import { eventually, sleep } from './helpers/eventually';
import { events, quickSla, startIncident, view } from './helpers/incidents';
import { freePort } from '../cli/net';
import { startStack, type Stack } from './helpers/stack';

/**
 * Timers are Temporal's, not the worker's: a breach due while no worker runs,
 * or while the Temporal server itself is restarting, still happens, once the
 * parts are back.
 */
describe('durability of SLA timers', () => {
  let dir: string;
  let port: number;
  let server: DevServer;
  let stack: Stack;
  const startServer = async () => (server = await startDevServer({ port, dbFile: path.join(dir, 'temporal.db') }));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tempodesk-durability-'));
    port = await freePort();
    await startServer();
    stack = await startStack({ temporalAddress: server.address, workflowBundlePath: inject('workflowBundlePath') });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fires a breach that fell due while the worker was stopped, once a worker is back', async () => {
    const { number } = await startIncident(stack, { sla: quickSla(2, null) });
    await stack.stopWorker();
    await sleep(3000);
    // Nothing can act without a worker: the read model still shows the ticket untouched.
    expect((await view(stack, number)).escalationLevel).toBe(0);
    await stack.startWorker();
    const breach = await eventually(async () => {
      const found = (await events(stack, number)).find((e) => e.kind === 'sla_breached');
      expect(found).toBeDefined();
      return found!;
    });
    expect(breach.data).toMatchObject({ clock: 'response', percent: 100 });
    expect((await view(stack, number)).sla.response.breached).toBe(true);
  });

  it('keeps tickets and pending timers across a restart of the Temporal server', async () => {
    const { number } = await startIncident(stack, { sla: quickSla(3, null) });
    await stack.stopWorker();
    await server.stop();
    await sleep(1000);
    await startServer();
    await stack.startWorker();
    // The workflow is still there and answers commands…
    const handle = stack.client.workflow.getHandle(number);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // …and its timer, set before the restart, fires.
    await eventually(async () => expect((await view(stack, number)).sla.response.breached).toBe(true));
    const kinds = (await events(stack, number)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['created', 'sla_warning', 'sla_breached']));
  });
});
