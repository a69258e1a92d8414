import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox, users } from '../../db/schema';
import type { CatalogItemSpec } from '../../domain/catalog';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/**
 * Service requests on the real dev server: a laptop order through two
 * approval levels (the manager, then purchasing above a cost) and tasks in
 * parallel then in sequence; a reject; a slow approver reminded then
 * escalated; a failed task run again; a cancel before fulfilment; answers
 * that do not fit the form; a question that pauses the clock.
 */
let stack: Stack;
type Person = { email: string; token: string };
let requester: Person, manager: Person, buyer: Person, it1: Person, catalogManager: Person, other: Person;
let laptop: string;

const laptopSpec: CatalogItemSpec = {
  name: 'Laptop',
  category: 'Hardware',
  description: 'A laptop with the standard image',
  form: [
    { key: 'model', label: 'Model', type: 'select', required: true, options: ['standard', 'developer'] },
    { key: 'price', label: 'Price', type: 'number', required: true, min: 0, max: 10_000 },
    { key: 'reason', label: 'Why', type: 'textarea', required: false, maxLength: 500 },
  ],
  approvals: [
    { approver: { kind: 'manager' }, rule: { kind: 'any' } },
    { approver: { kind: 'team', team: 'purchasing' }, rule: { kind: 'any' }, minimumCost: 1000 },
  ],
  costField: 'price',
  price: null,
  tasks: [
    { key: 'order', title: 'Order the laptop', team: 'it-desk', instructions: 'From the framework contract', after: [] },
    { key: 'account', title: 'Create the accounts', team: 'it-desk', instructions: 'AD and mail', after: [] },
    { key: 'deliver', title: 'Deliver and set up', team: 'it-desk', instructions: 'At the desk', after: ['order', 'account'] },
  ],
  taskOrder: 'parallel',
};

beforeAll(async () => {
  stack = await startStack({ approvalDueSeconds: 4 });
  requester = await stack.user(['end_user'], 'requester@example.com');
  manager = await stack.user(['end_user'], 'manager@example.com');
  buyer = await stack.user(['agent'], 'buyer@example.com');
  it1 = await stack.user(['agent'], 'it1@example.com');
  catalogManager = await stack.user(['catalog_manager'], 'catalog@example.com');
  other = await stack.user(['end_user'], 'other@example.com');
  const [managerRow] = await stack.db.select().from(users).where(eq(users.email, manager.email));
  await stack.db.update(users).set({ managerId: managerRow!.id }).where(eq(users.email, requester.email));
  for (const [name, members] of [['purchasing', [buyer.email]], ['it-desk', [it1.email]]] as const) {
    expect((await stack.api('POST', '/api/v1/teams', { body: { name, members } })).status).toBe(201);
  }
  // The catalog manager publishes the item through the catalog API, as the portal will offer it.
  const item = await stack.api('POST', '/api/v1/catalog-items', { token: catalogManager.token, body: laptopSpec });
  expect(item.status, JSON.stringify(item.body)).toBe(201);
  laptop = item.body.id;
}, 180_000);
afterAll(() => stack?.stop());

const order = async (who: Person, answers: Record<string, unknown>) => stack.api('POST', '/api/v1/requests', { token: who.token, body: { itemId: laptop, answers } });
const command = (who: Person, path: string, body: Record<string, unknown> = {}) => stack.api('POST', `/api/v1/${path}`, { token: who.token, body });
const request = async (number: string) => (await stack.api('GET', `/api/v1/requests/${number}`, { token: it1.token })).body;
const taskNumber = async (number: string, key: string, not?: string) =>
  eventually(async () => {
    const found = (await request(number)).details.tasks.find((t: { key: string }) => t.key === key)?.number;
    expect(found).toMatch(/^TSK\d{6,}$/);
    expect(found).not.toBe(not);
    await eventually(async () => expect((await stack.api('GET', `/api/v1/tasks/${found}`, { token: it1.token })).status).toBe(200));
    return found as string;
  });

describe('service requests', () => {
  it('goes through two approval levels, then tasks in parallel and in order, to fulfilled and closed', async () => {
    const created = await order(requester, { model: 'developer', price: 1500, reason: 'Builds take an hour' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const number = created.body.number as string;
    expect(number).toMatch(/^REQ\d{6,}$/);
    expect(created.body).toMatchObject({ status: 'awaiting_approval', caller: requester.email, details: { cost: 1500, level: 0 } });
    expect(created.body.details.levels.map((l: { group: { name: string } }) => l.group.name)).toEqual(['manager', 'purchasing']);

    // The manager, no agent, reads the order they are to decide on; another end user does not.
    expect((await stack.api('GET', `/api/v1/requests/${number}`, { token: manager.token })).status).toBe(200);
    expect((await stack.api('GET', `/api/v1/requests/${number}`, { token: other.token })).status).toBe(404);
    // The requester cannot approve their own order; the manager can, then purchasing (the order is over 1,000).
    expect((await command(requester, `requests/${number}/approve`)).status).toBe(403);
    expect((await command(buyer, `requests/${number}/approve`)).status).toBe(403); // not this level's approver
    expect((await command(manager, `requests/${number}/approve`, { comment: 'ok' })).body.details.level).toBe(1);
    const approved = await command(buyer, `requests/${number}/approve`, { comment: 'within budget' });
    expect(approved.body.status).toBe('fulfilling');
    expect(approved.body.sla.response.metAt).not.toBeNull();

    // order and account start at once; deliver waits for both.
    const orderTask = await taskNumber(number, 'order');
    const accountTask = await taskNumber(number, 'account');
    expect((await request(number)).details.tasks.find((t: { key: string }) => t.key === 'deliver')).toMatchObject({ status: 'waiting', number: null });
    expect((await command(it1, `tasks/${orderTask}/start`)).body.status).toBe('in_progress');
    await command(it1, `tasks/${orderTask}/complete`, { notes: 'Ordered' });
    await command(it1, `tasks/${accountTask}/complete`, { notes: 'Created' });
    const deliverTask = await taskNumber(number, 'deliver');
    await command(it1, `tasks/${deliverTask}/complete`, { notes: 'Delivered' });
    await eventually(async () => expect(await request(number)).toMatchObject({ status: 'fulfilled', details: { tasks: [{ status: 'complete' }, { status: 'complete' }, { status: 'complete' }] } }));
    expect((await command(requester, `requests/${number}/close`)).body.status).toBe('closed');
  });

  it('ends on a reject, starting no task, and tells the requester', async () => {
    const number = (await order(requester, { model: 'standard', price: 800 })).body.number as string;
    // Under 1,000: the manager's level only.
    expect((await request(number)).details.levels).toHaveLength(1);
    const rejected = await command(manager, `requests/${number}/reject`, { comment: 'Reuse the spare one' });
    expect(rejected.body).toMatchObject({ status: 'rejected', details: { tasks: [{ number: null }, { number: null }, { number: null }] } });
    await eventually(async () => {
      const notes = await stack.db.select().from(outbox).where(eq(outbox.template, 'request_rejected'));
      expect(notes.map((n) => n.recipient)).toContain(requester.email);
    });
  });

  it('reminds a slow approver, then escalates to the catalog managers', async () => {
    const number = (await order(requester, { model: 'standard', price: 100 })).body.number as string;
    await eventually(async () => {
      expect(await request(number)).toMatchObject({ status: 'awaiting_approval', escalationLevel: 1, details: { approval: { reminded: true, escalated: true } } });
    }, { timeoutMs: 30_000 });
    await eventually(async () => {
      const overdue = await stack.db.select().from(outbox).where(eq(outbox.template, 'request_approval_overdue'));
      expect(overdue.filter((n) => (n.payload as { number: string }).number === number).map((n) => n.recipient)).toEqual([catalogManager.email]);
    });
  });

  it('brings a failed task back to the owner, who runs it again', async () => {
    const number = (await order(requester, { model: 'standard', price: 100 })).body.number as string;
    await command(it1, `requests/${number}/assign`, { assignee: it1.email });
    await command(manager, `requests/${number}/approve`);
    const failing = await taskNumber(number, 'order');
    await command(it1, `tasks/${failing}/fail`, { reason: 'Out of stock' });
    await eventually(async () => {
      expect((await request(number)).details.tasks[0]).toMatchObject({ status: 'failed', failure: 'Out of stock' });
      const notes = await stack.db.select().from(outbox).where(eq(outbox.template, 'request_task_failed'));
      expect(notes.filter((n) => (n.payload as { number: string }).number === number).map((n) => n.recipient)).toEqual([it1.email]);
    });
    expect((await command(it1, `requests/${number}/retry-task`, { task: 'account' })).status).toBe(422); // not failed
    const retried = await command(it1, `requests/${number}/retry-task`, { task: 'order' });
    expect(retried.status).toBe(200);
    const again = await taskNumber(number, 'order', failing);
    expect((await stack.api('GET', `/api/v1/tasks/${again}`, { token: it1.token })).body).toMatchObject({ status: 'open', assignmentGroup: 'it-desk' });
  });

  it('lets the requester cancel until fulfilment starts, and answer a question while the clock waits', async () => {
    const early = (await order(requester, { model: 'standard', price: 100 })).body.number as string;
    expect((await command(other, `requests/${early}/cancel`, { reason: 'not mine' })).status).toBe(404);
    expect((await command(requester, `requests/${early}/cancel`, { reason: 'Found one' })).body.status).toBe('cancelled');

    const late = (await order(requester, { model: 'standard', price: 100 })).body.number as string;
    await command(manager, `requests/${late}/approve`);
    expect((await command(requester, `requests/${late}/cancel`, { reason: 'too late' })).status).toBe(409);
    const asked = await command(it1, `requests/${late}/ask`, { question: 'Which floor?' });
    expect(asked.body).toMatchObject({ status: 'pending', details: { question: 'Which floor?' }, sla: { resolution: { paused: true } } });
    const answered = await command(requester, `requests/${late}/answer`, { answer: 'Third' });
    expect(answered.body).toMatchObject({ status: 'fulfilling', details: { question: null }, sla: { resolution: { paused: false } } });
    // The requester follows the request, not its work notes.
    await command(it1, `requests/${late}/comment`, { body: 'Check the budget code', visibility: 'internal' });
    await eventually(async () => {
      const history = (await stack.api('GET', `/api/v1/requests/${late}/history`, { token: requester.token })).body.items;
      expect(history.some((e: { kind: string }) => e.kind === 'question_answered')).toBe(true);
      expect(history.some((e: { data: { body?: string } }) => e.data.body === 'Check the budget code')).toBe(false);
    });
    expect((await stack.api('GET', `/api/v1/requests/${late}`, { token: other.token })).status).toBe(404);
  });

  it('refuses answers that do not fit the form, naming the field, and opens nothing', async () => {
    const missing = await order(requester, { model: 'standard' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'answers.price' })]);
    const wrongChoice = await order(requester, { model: 'gaming', price: 100 });
    expect(wrongChoice.body.errors).toEqual([expect.objectContaining({ field: 'answers.model' })]);
    const unknown = await order(requester, { model: 'standard', price: 100, colour: 'red' });
    expect(unknown.status).toBe(422);
    const noItem = await stack.api('POST', '/api/v1/requests', { token: requester.token, body: { itemId: '6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e', answers: {} } });
    expect(noItem.body.errors).toEqual([expect.objectContaining({ field: 'itemId' })]);
    expect((await stack.api('POST', '/api/v1/requests', { token: requester.token, body: { itemId: laptop, answers: {}, requester: other.email } })).status).toBe(403);
  });
});
