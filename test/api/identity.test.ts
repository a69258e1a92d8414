import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTicketNumber } from '../../domain/numbering';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/** Ticket identity and command identity through the API: numbers, keys and retries. */
let stack: Stack;
let agent: { email: string; token: string };
beforeAll(async () => {
  stack = await startStack();
  agent = await stack.user(['agent']);
});
afterAll(() => stack?.stop());

const log = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.api('POST', '/api/v1/incidents', { token: agent.token, body: { impact: 3, urgency: 3, ...body }, headers });
const command = (number: string, name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.api('POST', `/api/v1/incidents/${number}/${name}`, { token: agent.token, body, headers });
const history = async (number: string) => (await stack.api('GET', `/api/v1/incidents/${number}/history`, { token: agent.token })).body.items as { kind: string; data: Record<string, unknown> }[];

describe('ticket and command identity', () => {
  it('answers a create from the workflow itself, readable at once', async () => {
    const created = await log({ title: 'Read your own writes' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/incidents/${created.body.number}`);
    // Whether or not the read model has it yet, the ticket is there for its creator.
    const read = await stack.api('GET', `/api/v1/incidents/${created.body.number}`, { token: agent.token });
    expect(read.body).toMatchObject({ number: created.body.number, title: 'Read your own writes', status: 'new' });
  });

  it('never hands out a taken number when the sequence falls behind (a restore)', async () => {
    const first = await log({ title: 'The original ticket' }, { 'idempotency-key': 'original' });
    expect(first.status).toBe(201);
    const { sequence } = parseTicketNumber(first.body.number)!;
    await stack.db.execute(sql.raw(`alter sequence incident_number_seq restart with ${sequence}`));

    const keyed = await log({ title: 'After the restore, keyed' }, { 'idempotency-key': 'after-restore' });
    const unkeyed = await log({ title: 'After the restore, no key' });
    for (const later of [keyed, unkeyed]) {
      expect(later.status).toBe(201);
      expect(later.body.number).not.toBe(first.body.number);
    }
    expect(keyed.body.title).toBe('After the restore, keyed');
    expect(keyed.body.number).not.toBe(unkeyed.body.number);
    // The original is untouched, and its key still answers with it.
    const again = await log({ title: 'The original ticket' }, { 'idempotency-key': 'original' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ number: first.body.number, title: 'The original ticket' });
    // A keyed retry of the skipped-over ticket finds its own number, not the taken one.
    const retried = await log({ title: 'After the restore, keyed' }, { 'idempotency-key': 'after-restore' });
    expect(retried.body.number).toBe(keyed.body.number);
  });

  it('takes a number only when a key is new, so replays leave no gaps', async () => {
    const a = await log({ title: 'Gapless 1' }, { 'idempotency-key': 'gapless-1' });
    for (let i = 0; i < 5; i++) expect((await log({ title: 'Gapless 1' }, { 'idempotency-key': 'gapless-1' })).status).toBe(200);
    const b = await log({ title: 'Gapless 2' });
    expect(parseTicketNumber(b.body.number)!.sequence).toBe(parseTicketNumber(a.body.number)!.sequence + 1);
  });

  it('never starts a second run for a key whose ticket has ended; forgets keys after their day', async () => {
    const first = await log({ title: 'Ended' }, { 'idempotency-key': 'ended' });
    const handle = stack.client.workflow.getHandle(first.body.number);
    await eventually(async () => expect((await stack.api('GET', `/api/v1/incidents/${first.body.number}`, { token: agent.token })).status).toBe(200));
    await handle.terminate('archived');

    const retried = await log({ title: 'Ended' }, { 'idempotency-key': 'ended' });
    expect(retried.status).toBe(200);
    expect(retried.body.number).toBe(first.body.number);
    expect((await handle.describe()).status.name).toBe('TERMINATED');

    // A key whose ticket left no trace at all (Temporal's retention passed, the read model was restored without it).
    await stack.db.execute(sql`insert into idempotency_keys (user_id, key, request_hash, number, started_at)
      select user_id, 'vanished', request_hash, 'INC000000003', now() from idempotency_keys where key = 'ended'`);
    const vanished = await log({ title: 'Ended' }, { 'idempotency-key': 'vanished' });
    expect(vanished.status).toBe(409);
    expect(vanished.body.detail).toContain('INC000000003');
    expect(await stack.client.workflow.getHandle('INC000000003').describe().catch((e: Error) => e.name)).toBe('WorkflowNotFoundError');

    await stack.db.execute(sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = 'ended'`);
    const afterADay = await log({ title: 'Ended' }, { 'idempotency-key': 'ended' });
    expect(afterADay.status).toBe(201);
    expect(afterADay.body.number).not.toBe(first.body.number);
  });

  it('applies a command sent 20 times at once with one Idempotency-Key exactly once', async () => {
    const { body } = await log({ title: 'Twenty retries' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => command(body.number, 'comment', { body: 'said once' }, { 'idempotency-key': 'comment-1' })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    await command(body.number, 'comment', { body: 'after' });
    const kinds = await eventually(async () => {
      const found = await history(body.number);
      expect(found.at(-1)?.data.body).toBe('after');
      return found;
    });
    expect(kinds.filter((e) => e.data.body === 'said once')).toHaveLength(1);
  });

  it('refuses text PostgreSQL cannot store with 400 naming the field, and the ticket keeps working', async () => {
    const nul = await log({ title: 'NUL \u0000 here' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'title', message: expect.stringContaining('NUL') }]);
    const { body } = await log({ title: 'Clean' });
    const surrogate = await command(body.number, 'comment', { body: 'half an emoji \ud83d' });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors).toEqual([{ field: 'body', message: expect.stringContaining('surrogate') }]);
    const inQuery = await stack.api('GET', '/api/v1/incidents?q=%00', { token: agent.token });
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.errors[0].field).toBe('query.q');
    const team = await stack.api('POST', '/api/v1/teams', { body: { name: 'desk', description: 'nul \u0000' } });
    expect(team.status).toBe(400);
    expect((await command(body.number, 'comment', { body: 'still fine' })).status).toBe(200);
  });

  it('answers 202 with the ticket when no worker runs it in time, and applies the command once when one returns', async () => {
    const { body } = await log({ title: 'Worker away' });
    await eventually(async () => expect((await history(body.number)).map((e) => e.kind)).toEqual(['created']));
    await stack.stopWorker();
    try {
      const accepted = await command(body.number, 'acknowledge', {}, { 'idempotency-key': 'ack-while-away' });
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('location')).toBe(`/api/v1/incidents/${body.number}`);
      expect(accepted.body).toEqual({ number: body.number, status: 'accepted', location: `/api/v1/incidents/${body.number}`, idempotencyKey: 'ack-while-away' });
    } finally {
      await stack.startWorker();
    }
    const retried = await command(body.number, 'acknowledge', {}, { 'idempotency-key': 'ack-while-away' });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('in_progress');
    const kinds = await eventually(async () => {
      const found = (await history(body.number)).map((e) => e.kind);
      expect(found).toContain('acknowledged');
      return found;
    });
    expect(kinds.filter((k) => k === 'acknowledged')).toHaveLength(1);
  }, 60_000);
});
