import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../db/schema';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let agent: { email: string; token: string };
let caller: { email: string; token: string };
let otherCaller: { email: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  agent = await stack.user(['agent'], 'agent@example.com');
  caller = await stack.user(['end_user'], 'caller@example.com');
  otherCaller = await stack.user(['end_user'], 'other@example.com');
  const created = await stack.api('POST', '/api/v1/teams', { body: { name: 'service-desk', members: [agent.email] } });
  expect(created.status).toBe(201);
});
afterAll(() => stack?.stop());

const log = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.api('POST', '/api/v1/incidents', { token, body: { impact: 2, urgency: 2, ...body }, headers });
const command = (token: string, number: string, name: string, body: Record<string, unknown> = {}) =>
  stack.api('POST', `/api/v1/incidents/${number}/${name}`, { token, body });

describe('an incident through the API, as its users work it', () => {
  it('goes from report to closure with every step in its history', async () => {
    const created = await log(caller.token, { title: 'Printer on floor 2 jams', description: 'Every page since this morning', impact: 3, urgency: 2 });
    expect(created.status).toBe(201);
    const number = created.body.number as string;
    expect(number).toMatch(/^INC\d{6,}$/);
    expect(created.headers.get('location')).toBe(`/api/v1/incidents/${number}`);
    expect(created.body).toMatchObject({ type: 'incident', status: 'new', priority: 4, caller: caller.email, escalationLevel: 0, parent: null });
    expect(created.body.sla.response).toMatchObject({ targetSeconds: 8 * 3600, breached: false, paused: false, metAt: null });
    expect(created.body.sla.resolution.targetSeconds).toBe(48 * 3600);

    expect((await command(agent.token, number, 'assign', { assignmentGroup: 'service-desk', assignee: agent.email })).body.status).toBe('assigned');
    const acknowledged = await command(agent.token, number, 'acknowledge');
    expect(acknowledged.body.status).toBe('in_progress');
    expect(acknowledged.body.sla.response.metAt).not.toBeNull();
    expect((await command(agent.token, number, 'comment', { body: 'Checked the fuser; ordering a part' })).status).toBe(200);
    expect((await command(agent.token, number, 'comment', { body: 'A technician comes tomorrow', visibility: 'public' })).status).toBe(200);
    expect((await command(agent.token, number, 'pend', { reason: 'Waiting for the caller to be on site' })).body.sla.resolution.paused).toBe(true);
    expect((await command(agent.token, number, 'resume')).body.status).toBe('in_progress');
    const resolved = await command(agent.token, number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'Replaced the fuser' });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'Replaced the fuser' });
    expect(resolved.body.resolvedAt).not.toBeNull();
    // The caller confirms.
    const closed = await command(caller.token, number, 'close');
    expect(closed.body.status).toBe('closed');

    // The history is the read model's: it follows the workflow within moments.
    const history = await eventually(async () => {
      const found = await stack.api('GET', `/api/v1/incidents/${number}/history`, { token: agent.token });
      expect(found.body.items.at(-1)?.kind).toBe('closed');
      return found;
    });
    expect(history.body.items.map((e: { kind: string }) => e.kind)).toEqual([
      'created', 'assigned', 'acknowledged', 'commented', 'commented', 'pended', 'resumed', 'resolved', 'closed',
    ]);
    const assigned = history.body.items[1];
    expect(assigned).toMatchObject({ actor: 'admin@tempodesk.local' === assigned.actor ? assigned.actor : agent.email });
    expect(assigned.changes).toContainEqual({ field: 'status', from: 'new', to: 'assigned' });
    expect(assigned.changes).toContainEqual({ field: 'assignee', from: null, to: agent.email });
    expect(history.body.items.at(-1)).toMatchObject({ actor: caller.email, kind: 'closed' });

    // The caller sees public comments only; work notes stay with the agents.
    const theirs = await stack.api('GET', `/api/v1/incidents/${number}/history`, { token: caller.token });
    const comments = theirs.body.items.filter((e: { kind: string }) => e.kind === 'commented');
    expect(comments.map((e: { data: { body: string } }) => e.data.body)).toEqual(['A technician comes tomorrow']);
    // An allowlist: who works it internally (assignee, group) and why are not the caller's to read.
    expect(theirs.body.items.map((e: { kind: string }) => e.kind)).toEqual(['created', 'assigned', 'acknowledged', 'commented', 'pended', 'resumed', 'resolved', 'closed']);
    expect(theirs.body.items[1].changes).toEqual([{ field: 'status', from: 'new', to: 'assigned' }]);
    expect(theirs.body.items[0].data).toEqual({});

    const after = await command(agent.token, number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'again' });
    expect(after.status).toBe(409);
    expect(after.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(after.body).toMatchObject({ status: 409, currentStatus: 'closed', allowedCommands: [] });
  });

  it('refuses an illegal transition with 409, the current status and the allowed commands', async () => {
    const { body } = await log(agent.token, { title: 'Laptop will not boot' });
    const refused = await command(agent.token, body.number, 'resume');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ status: 409, currentStatus: 'new' });
    expect(refused.body.allowedCommands).toEqual(expect.arrayContaining(['assign', 'acknowledge', 'resolve', 'cancel']));
    expect(refused.body.allowedCommands).not.toContain('resume');
    const cancelled = await command(agent.token, body.number, 'cancel', { reason: 'logged twice' });
    expect(cancelled.body.status).toBe('cancelled');
    const late = await command(agent.token, body.number, 'acknowledge');
    expect(late.status).toBe(409);
    expect(late.body.currentStatus).toBe('cancelled');
  });

  it('checks assignments and parents against the configuration (422)', async () => {
    const { body } = await log(agent.token, { title: 'Wi-Fi drops' });
    const noTeam = await command(agent.token, body.number, 'assign', { assignmentGroup: 'nobody' });
    expect(noTeam.status).toBe(422);
    expect(noTeam.body.errors).toEqual([{ field: 'assignmentGroup', message: 'no team named nobody' }]);
    const notAgent = await command(agent.token, body.number, 'assign', { assignee: caller.email });
    expect(notAgent.status).toBe(422);
    expect((await command(agent.token, body.number, 'link-parent', { parent: body.number })).status).toBe(422);
    expect((await command(agent.token, body.number, 'link-parent', { parent: 'INC999999' })).status).toBe(422);

    const parent = await log(agent.token, { title: 'Access points down in building B' });
    expect((await command(agent.token, body.number, 'link-parent', { parent: parent.body.number })).body).toMatchObject({ parent: parent.body.number });
    // A loop is refused: the parent cannot become its child's child.
    const loop = await command(agent.token, parent.body.number, 'link-parent', { parent: body.number });
    expect(loop.status).toBe(422);
  });

  it('refuses a parent whose ancestors loop, instead of walking them forever', async () => {
    const numbers: string[] = [];
    for (const title of ['Loop A', 'Loop B', 'Loop C']) numbers.push((await log(agent.token, { title })).body.number);
    const [a, b, c] = numbers as [string, string, string];
    // Links sent as signals (Temporal CLI, chat) skip the API's checks: a loop can exist.
    const { commandSignal } = await import('../../workflows/kernel/messages');
    const link = (child: string, parent: string) =>
      stack.client.workflow.getHandle(child).signal(commandSignal<Record<string, unknown>>('link-parent'), { parent, actor: 'chat-bot' });
    await link(a, b);
    await link(b, c);
    await link(c, a);
    for (const [child, parent] of [[a, b], [b, c], [c, a]] as const) {
      await eventually(async () => expect((await stack.api('GET', `/api/v1/incidents/${child}`)).body.parent).toBe(parent));
    }

    const other = await log(agent.token, { title: 'Outside the loop' });
    const refused = await command(agent.token, other.body.number, 'link-parent', { parent: b });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('loop');
  });

  it('escalates to the escalation team and rebases on a priority change', async () => {
    await stack.api('POST', '/api/v1/teams', { body: { name: 'network-l3' } });
    await stack.api('POST', '/api/v1/teams', { body: { name: 'network-l2', escalationTeam: 'network-l3', members: [agent.email] } });
    const { body } = await log(agent.token, { title: 'Core router flapping', impact: 3, urgency: 3 });
    const assigned = await command(agent.token, body.number, 'assign', { assignmentGroup: 'network-l2', assignee: agent.email });
    expect(assigned.body).toMatchObject({ assignmentGroup: 'network-l2' });
    const escalated = await command(agent.token, body.number, 'escalate', { reason: 'needs a network engineer' });
    expect(escalated.body).toMatchObject({ escalationLevel: 1, assignmentGroup: 'network-l3', assignee: null });
    const raised = await command(agent.token, body.number, 'set-priority', { impact: 1, urgency: 1 });
    expect(raised.body).toMatchObject({ priority: 1, impact: 1, urgency: 1 });
    expect(raised.body.sla.resolution.targetSeconds).toBe(3600);
  });

  it('keeps end users to their own incidents and their own commands', async () => {
    const mine = await log(caller.token, { title: 'Cannot print' });
    expect(mine.status).toBe(201);
    // Others' incidents do not exist for an end user.
    expect((await stack.api('GET', `/api/v1/incidents/${mine.body.number}`, { token: otherCaller.token })).status).toBe(404);
    expect((await command(otherCaller.token, mine.body.number, 'comment', { body: 'me too' })).status).toBe(404);
    expect(await command(caller.token, mine.body.number, 'acknowledge')).toMatchObject({ status: 403 });
    expect((await command(caller.token, mine.body.number, 'comment', { body: 'secret', visibility: 'internal' })).status).toBe(403);
    const comment = await command(caller.token, mine.body.number, 'comment', { body: 'It is urgent' });
    expect(comment.status).toBe(200);
    expect((await log(caller.token, { title: 'x', caller: otherCaller.email })).status).toBe(403);
    expect((await log(caller.token, { title: 'x', slaId: '00000000-0000-4000-8000-000000000000' })).status).toBe(403);
    expect((await stack.api('POST', '/api/v1/users', { token: agent.token, body: { email: 'x@example.com', name: 'X', roles: ['admin'] } })).status).toBe(403);

    // Asking for someone else's incidents narrows an end user's own list to nothing; it never widens it.
    await stack.api('POST', '/api/v1/incidents', { token: agent.token, body: { title: 'Theirs', impact: 3, urgency: 3, caller: otherCaller.email } });
    const others = await stack.api('GET', `/api/v1/incidents?caller=${encodeURIComponent(otherCaller.email)}`, { token: caller.token });
    expect(others).toMatchObject({ status: 200, body: { items: [] } });
    const list = await stack.api('GET', '/api/v1/incidents', { token: caller.token });
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((t: { caller: string }) => t.caller === caller.email)).toBe(true);
  });

  it('honours Idempotency-Key: concurrent retries make one incident', async () => {
    const key = `retry-${Date.now()}`;
    const body = { title: 'Disk full on fileserver', description: 'Shares are read-only' };
    const responses = await Promise.all(Array.from({ length: 6 }, () => log(agent.token, body, { 'Idempotency-Key': key })));
    const numbers = new Set(responses.map((r) => r.body.number));
    expect(numbers.size).toBe(1);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const rows = (await stack.db.select().from(tickets)).filter((t) => t.title === body.title);
    expect(rows).toHaveLength(1);

    const again = await log(agent.token, body, { 'Idempotency-Key': key });
    expect(again).toMatchObject({ status: 200, body: { number: [...numbers][0] } });
    const misuse = await log(agent.token, { title: 'Something else' }, { 'Idempotency-Key': key });
    expect(misuse.status).toBe(422);
  });

  it('lists with filters, text search and cursor pagination', async () => {
    const titles = ['VPN tunnel drops every hour', 'Payroll export fails', 'VPN client crashes on login', 'Badge reader offline', 'Projector flickers'];
    const numbers: string[] = [];
    for (const [i, title] of titles.entries()) {
      const created = await log(agent.token, { title, description: `case ${i}`, impact: i % 2 ? 1 : 3, urgency: 1 });
      numbers.push(created.body.number);
    }
    await command(agent.token, numbers[1]!, 'assign', { assignmentGroup: 'service-desk', assignee: agent.email });
    // Lists come from the read model, which follows the workflows within moments.
    await eventually(async () => {
      const mine = await stack.api('GET', `/api/v1/incidents?assignee=${agent.email}&limit=100`, { token: agent.token });
      expect(mine.body.items.map((t: { number: string }) => t.number)).toContain(numbers[1]);
      const all = await stack.api('GET', '/api/v1/incidents?limit=100', { token: agent.token });
      expect(all.body.items.map((t: { number: string }) => t.number)).toEqual(expect.arrayContaining(numbers));
    });

    const vpn = await stack.api('GET', '/api/v1/incidents?q=vpn', { token: agent.token });
    expect(vpn.body.items.map((t: { title: string }) => t.title).sort()).toEqual(['VPN client crashes on login', 'VPN tunnel drops every hour']);
    const critical = await stack.api('GET', '/api/v1/incidents?priority=1', { token: agent.token });
    expect(critical.body.items.map((t: { number: string }) => t.number)).toEqual(expect.arrayContaining([numbers[1], numbers[3]]));
    expect(critical.body.items.every((t: { priority: number }) => t.priority === 1)).toBe(true);
    const mine = await stack.api('GET', `/api/v1/incidents?assignee=${agent.email}&status=assigned,in_progress`, { token: agent.token });
    expect(mine.body.items.map((t: { number: string }) => t.number)).toContain(numbers[1]);
    expect(mine.body.items.every((t: { assignee: string }) => t.assignee === agent.email)).toBe(true);
    const group = await stack.api('GET', '/api/v1/incidents?assignmentGroup=service-desk', { token: agent.token });
    expect(group.body.items.every((t: { assignmentGroup: string }) => t.assignmentGroup === 'service-desk')).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageResponse: { body: { items: { number: string }[]; nextCursor: string | null } } = await stack.api(
        'GET',
        `/api/v1/incidents?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: agent.token },
      );
      expect(pageResponse.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...pageResponse.body.items.map((t) => t.number));
      cursor = pageResponse.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(numbers));
    // Newest first.
    expect(seen.indexOf(numbers[4]!)).toBeLessThan(seen.indexOf(numbers[0]!));
  });

  it('shows running SLA clocks as of the moment of reading', async () => {
    const { body } = await log(agent.token, { title: 'Backups failing' });
    await new Promise((r) => setTimeout(r, 2100));
    const read = await stack.api('GET', `/api/v1/incidents/${body.number}`, { token: agent.token });
    expect(read.body.sla.response.elapsedSeconds).toBeGreaterThanOrEqual(2);
    expect(read.body.version).toBe(body.version);
    const [row] = (await stack.db.select().from(tickets)).filter((t) => t.number === body.number);
    expect(row!.view.sla.response.elapsedSeconds).toBe(0);
    const listed = await stack.api('GET', '/api/v1/incidents?q=backups', { token: agent.token });
    expect(listed.body.items[0].sla.response.elapsedSeconds).toBeGreaterThanOrEqual(2);
  });
});
