import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../../db/schema';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/** The read model is derived: Temporal holds the truth, and an administrator can rebuild from it. */
let stack: Stack;
let agent: { email: string; token: string };
beforeAll(async () => {
  stack = await startStack();
  agent = await stack.user(['agent']);
});
afterAll(() => stack?.stop());

const api = (method: string, path: string, body?: unknown) => stack.api(method, `/api/v1${path}`, { body });
const storedEvents = (number: string) => stack.db.select().from(ticketEvents).where(eq(ticketEvents.number, number)).orderBy(ticketEvents.seq);
const storedRow = async (number: string) => (await stack.db.select().from(tickets).where(eq(tickets.number, number)))[0];

async function workedIncident(comments: number) {
  const { body } = await api('POST', '/incidents', { title: 'Rebuild me', impact: 2, urgency: 2 });
  await api('POST', `/incidents/${body.number}/acknowledge`, {});
  for (let i = 0; i < comments; i++) await api('POST', `/incidents/${body.number}/comment`, { body: `note ${i}` });
  const events = await eventually(async () => {
    const found = await storedEvents(body.number);
    expect(found).toHaveLength(comments + 2);
    return found;
  });
  return { number: body.number as string, events };
}

describe('reprojection and reconciliation', () => {
  it('rebuilds a lost row and its events from the workflow, across continue-as-new', async () => {
    // 40 commands: the test server suggests continue-as-new after 60 history events, so the ticket has several runs.
    const { number, events } = await workedIncident(40);
    const before = await storedRow(number);
    await stack.db.delete(ticketEvents).where(eq(ticketEvents.number, number));
    await stack.db.delete(tickets).where(eq(tickets.number, number));

    const rebuilt = await api('POST', `/admin/tickets/${number}/reproject`);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toMatchObject({ number, events: 42, complete: true, status: 'in_progress' });
    expect(rebuilt.body.runs).toBeGreaterThan(1);
    expect((await storedEvents(number)).map(({ id, kind, at, data }) => ({ id, kind, at, data }))).toEqual(events.map(({ id, kind, at, data }) => ({ id, kind, at, data })));
    expect(await storedRow(number)).toMatchObject({ status: before!.status, version: before!.version, title: 'Rebuild me' });
  });

  it('finds drift between Temporal and the read model, and repairs it', async () => {
    const { number } = await workedIncident(0);
    await stack.db.update(tickets).set({ status: 'closed' }).where(eq(tickets.number, number));
    const found = await api('POST', '/admin/reconcile');
    expect(found.status).toBe(200);
    expect(found.body.drift).toContainEqual({ number, temporal: 'in_progress', readModel: 'closed' });
    expect((await storedRow(number))!.status).toBe('closed'); // finding is not repairing

    const repaired = await api('POST', '/admin/reconcile?repair=true');
    expect(repaired.body.drift.find((d: { number: string }) => d.number === number).repaired).toMatchObject({ number, status: 'in_progress' });
    expect((await storedRow(number))!.status).toBe('in_progress');
    expect((await api('POST', '/admin/reconcile')).body.drift.map((d: { number: string }) => d.number)).not.toContain(number);
  });

  it('refuses to overwrite an event that another lineage wrote under the same id', async () => {
    const { number, events } = await workedIncident(0);
    await stack.db.update(ticketEvents).set({ data: { forged: true }, hash: sql`'not the hash of this event'` }).where(eq(ticketEvents.id, events[0]!.id));
    const refused = await api('POST', `/admin/tickets/${number}/reproject`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`event ${events[0]!.id} is already in the read model with other content`);
  });

  it('is for administrators only', async () => {
    const { number } = await workedIncident(0);
    const asAgent = await stack.api('POST', `/api/v1/admin/tickets/${number}/reproject`, { token: agent.token });
    expect(asAgent.status).toBe(403);
    expect((await api('POST', '/admin/tickets/INC000000009/reproject')).status).toBe(404);
  });
});
