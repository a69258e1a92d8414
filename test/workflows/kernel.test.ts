import { randomInt, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionFailures } from '../../db/schema';
import { eventually, sleep } from '../helpers/eventually';
import { events, quickSla, signal, startIncident, team, update, view } from '../helpers/incidents';
import { startStack, type Stack } from '../helpers/stack';
import { incident } from '../../workflows';
import { viewQuery } from '../../workflows/kernel/messages';

/**
 * The kernel's promises under faults: the worker's database goes away
 * (injected at the activity boundary, so Temporal, the worker and the
 * database itself are all real), commands are retried and raced.
 */
let stack: Stack;
let databaseAway = false;
const injected = () => new Error('connect ECONNREFUSED 127.0.0.1:5432 (injected outage)');

beforeAll(async () => {
  stack = await startStack({
    wrapActivities: (real) => ({
      projectTicket: (batch) => (databaseAway ? Promise.reject(injected()) : real.projectTicket(batch)),
      escalationTeamOf: (name) => (databaseAway ? Promise.reject(injected()) : real.escalationTeamOf(name)),
      changeWindowConflicts: (query) => (databaseAway ? Promise.reject(injected()) : real.changeWindowConflicts(query)),
      verifyDecision: (decision) => real.verifyDecision(decision),
    }),
  });
  await team(stack, 'kernel-l2');
  await team(stack, 'kernel-l1', { escalationTeam: 'kernel-l2' });
});
afterAll(() => stack?.stop());

const ms = (iso: string | Date) => new Date(iso).getTime();

describe('kernel v2', () => {
  it('keeps every timestamp, SLA outcome and command through a database outage', async () => {
    const { number } = await startIncident(stack, { sla: quickSla(3600, 4) });
    await update(stack, number, 'assign', { assignmentGroup: 'kernel-l1' });
    await eventually(async () => expect((await view(stack, number)).assignmentGroup).toBe('kernel-l1'));
    const created = ms((await view(stack, number)).createdAt);

    databaseAway = true;
    const sentAt = Date.now();
    const acknowledged = await update(stack, number, 'acknowledge');
    // Applied when sent, not when the database came back (10 s later).
    expect(ms(acknowledged.sla.response.metAt!) - sentAt).toBeLessThan(4000);
    const comments = await Promise.all(Array.from({ length: 10 }, (_, i) => update(stack, number, 'comment', { body: `during the outage ${i}` })));
    expect(comments.every((c) => c.version > acknowledged.version)).toBe(true);
    // The resolution clock (4 s) breaches while the database is away; the breach is not held back.
    await sleep(10_000);
    const live = await stack.client.workflow.getHandle(number).query(viewQuery);
    expect(live.sla.resolution.breached).toBe(true);
    expect(live.assignmentGroup).toBe('kernel-l1'); // the handover waits for the escalation-team lookup
    databaseAway = false;

    const all = await eventually(async () => {
      const found = await events(stack, number);
      expect(found.map((e) => e.kind)).toContain('handed_over');
      return found;
    }, { timeoutMs: 45_000 });
    expect(all.filter((e) => e.kind === 'commented')).toHaveLength(10);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const at = (kind: string) => ms(all.find((e) => e.kind === kind)!.at);
    expect(at('acknowledged') - sentAt).toBeLessThan(4000);
    const breachedAt = at('sla_breached');
    expect(breachedAt).toBeGreaterThanOrEqual(created + 4000);
    expect(breachedAt - (created + 4000)).toBeLessThan(4000);
    expect(breachedAt).toBeLessThan(sentAt + 10_000); // recorded during the outage
    await eventually(async () => expect(await view(stack, number)).toMatchObject({ assignmentGroup: 'kernel-l2', escalationLevel: 1, status: 'assigned' }));
  }, 90_000);

  it('applies a command once however often it is sent with the same ID, across continue-as-new too', async () => {
    const { number, handle } = await startIncident(stack);
    const commandId = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => update(stack, number, 'comment', { body: 'only once' }, 'agent@example.com', commandId)));
    expect(answers.every((a) => a.version === answers[0]!.version)).toBe(true);
    // Enough other commands that the ticket continues as new (the test server suggests it after 60 events).
    for (let i = 0; i < 40; i++) await update(stack, number, 'comment', { body: `filler ${i}` });
    await eventually(async () => expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId));
    const retried = await update(stack, number, 'comment', { body: 'only once' }, 'agent@example.com', commandId);
    expect(retried.version).toBe((await stack.client.workflow.getHandle(number).query(viewQuery)).version);
    // Signals carry their ID as commandId.
    const signalId = randomUUID();
    await signal(stack, number, 'comment', { body: 'signalled once', commandId: signalId });
    await signal(stack, number, 'comment', { body: 'signalled once', commandId: signalId });
    await update(stack, number, 'comment', { body: 'last' });

    const all = await eventually(async () => {
      const found = await events(stack, number);
      expect(found.at(-1)?.data.body).toBe('last');
      return found;
    });
    expect(all.filter((e) => e.data.body === 'only once')).toHaveLength(1);
    expect(all.filter((e) => e.data.body === 'signalled once')).toHaveLength(1);
  }, 60_000);

  it('applies concurrent commands one at a time, each once, in one gapless sequence', async () => {
    const { number } = await startIncident(stack);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => update(stack, number, 'comment', { body: `concurrent ${i}` })));
    // Each answer is the ticket just after its command (or, for a delivery the server dropped and the
    // client repeated, the ticket as it was then): never before it.
    const last = Math.max(...answers.map((a) => a.version));
    expect(answers.every((a) => a.version >= 2 && a.version <= last)).toBe(true);
    const all = await eventually(async () => {
      const found = await events(stack, number);
      expect(found.filter((e) => e.kind === 'commented')).toHaveLength(20);
      return found;
    });
    expect(new Set(all.map((e) => e.data.body)).size).toBe(all.length);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('refuses text PostgreSQL cannot store in a signal, and keeps the ticket working', async () => {
    const { number } = await startIncident(stack);
    await signal(stack, number, 'comment', { body: 'nul \u0000 byte' });
    await signal(stack, number, 'comment', { body: 'lone \ud800 surrogate' });
    await signal(stack, number, 'comment', { body: 'fine' });
    const all = await eventually(async () => {
      const found = await events(stack, number);
      expect(found.at(-1)?.data.body).toBe('fine');
      return found;
    });
    const rejected = all.filter((e) => e.kind === 'command_rejected');
    expect(rejected.map((e) => String(e.data.reason))).toEqual([expect.stringContaining('NUL'), expect.stringContaining('surrogate')]);
  });

  // Only a client that bypasses the API's validation can do these; the kernel must still never freeze.
  const startRaw = (number: string, title: string) =>
    stack.client.workflow.start(incident, {
      workflowId: number,
      taskQueue: stack.taskQueue,
      args: [{ create: { number, title, description: '', category: null, impact: 3, urgency: 3, caller: null, createdBy: 'bot', sla: quickSla(3600, 7200), autoCloseSeconds: 3600 } }],
    });

  it('stores text that got past the edges marked, rather than letting it freeze the ticket', async () => {
    const number = `INC${randomInt(100_000_000, 999_999_999)}`;
    await startRaw(number, 'poisoned \u0000 title \ud800');
    await eventually(async () => expect((await view(stack, number))?.title).toBe('poisoned \ufffd title \ufffd'));
    await update(stack, number, 'update', { title: 'corrected title' });
    const corrected = await eventually(async () => {
      const found = (await events(stack, number)).find((e) => e.kind === 'updated');
      expect(found).toBeDefined();
      return found!;
    });
    expect(corrected.changes).toEqual([{ field: 'title', from: 'poisoned \ufffd title \ufffd', to: 'corrected title' }]);
  });

  it('names a ticket whose data the database refuses for good, and keeps it working', async () => {
    // A number beyond bigint: the read model refuses it with SQLSTATE 22003, however often it is offered.
    const number = 'INC99999999999999999999';
    const handle = await startRaw(number, 'too big to file');
    const failure = await eventually(async () => {
      const [row] = await stack.db.select().from(projectionFailures).where(eq(projectionFailures.number, number));
      expect(row).toBeDefined();
      return row!;
    });
    expect(failure).toMatchObject({ sqlstate: '22003', failures: 1 });
    const health = await stack.api('GET', '/health');
    expect(health.body.alerts).toEqual([expect.stringContaining(`the read model refuses 1 ticket(s) (${number})`)]);
    expect((await stack.api('GET', '/metrics')).body).toMatch(/^tempodesk_projection_failing_tickets 1$/m);
    // Not retried without end: the workflow holds the batch and answers commands meanwhile.
    expect((await update(stack, number, 'acknowledge')).status).toBe('in_progress');
    const live = await handle.query(viewQuery);
    expect(live.status).toBe('in_progress');
    await eventually(async () => {
      const [row] = await stack.db.select().from(projectionFailures).where(eq(projectionFailures.number, number));
      expect(row!.failures).toBe(2); // offered once more after the change, refused again
    });
    await handle.terminate('test done');
  });
});
