import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/**
 * Problems and known errors through the API, on the real dev server: an
 * incident raises a problem (a child workflow that outlives it), others link
 * to it, the known error's workaround reaches them, the KEDB finds it, and the
 * problem's resolution resolves or tells its incidents.
 */
let stack: Stack;
let agent: { email: string; token: string };
let manager: { email: string; token: string };
let caller: { email: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  agent = await stack.user(['agent'], 'agent@example.com');
  manager = await stack.user(['problem_manager'], 'pm@example.com');
  caller = await stack.user(['end_user'], 'caller@example.com');
  expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'network', members: [agent.email] } })).status).toBe(201);
}, 180_000);
afterAll(() => stack?.stop());

const logIncident = async (title: string, description = '') => {
  const created = await stack.api('POST', '/api/v1/incidents', { token: caller.token, body: { title, description, impact: 2, urgency: 2 } });
  expect(created.status).toBe(201);
  return created.body.number as string;
};
const command = (token: string, path: string, body: Record<string, unknown> = {}) => stack.api('POST', `/api/v1/${path}`, { token, body });
const incident = (number: string) => stack.api('GET', `/api/v1/incidents/${number}`, { token: agent.token }).then((r) => r.body);
const problem = (number: string) => stack.api('GET', `/api/v1/problems/${number}`, { token: agent.token }).then((r) => r.body);
const historyOf = async (path: string) => (await stack.api('GET', `/api/v1/${path}/history`, { token: agent.token })).body.items as { kind: string; actor: string; data: Record<string, unknown> }[];

describe('problems and known errors', () => {
  it('raises a problem from an incident, links others, spreads the workaround and resolves them with the fix', async () => {
    const first = await logIncident('VPN drops every hour', 'Tunnel resets when the router is busy');
    const second = await logIncident('VPN disconnects', 'Lost the tunnel again');
    const untouched = await logIncident('Printer jam');
    expect((await command(agent.token, `incidents/${first}/assign`, { assignmentGroup: 'network', assignee: agent.email })).status).toBe(200);

    // Raising: the incident answers linked; the problem is a workflow of its own that knows the incident.
    const raised = await command(agent.token, `incidents/${first}/raise-problem`, { title: 'VPN tunnels reset under load', incidentPolicy: 'resolve' });
    expect(raised.status).toBe(200);
    const prb = raised.body.links.find((l: { relation: string }) => l.relation === 'caused_by')?.target as string;
    expect(prb).toMatch(/^PRB\d{6,}$/);
    const opened = await eventually(async () => {
      const body = await problem(prb);
      expect(body).toMatchObject({ number: prb, type: 'problem', status: 'new', title: 'VPN tunnels reset under load' });
      return body;
    });
    expect(opened.links).toEqual([{ relation: 'causes', target: first }]);
    expect(opened.details).toMatchObject({ symptoms: 'Tunnel resets when the router is busy', incidentPolicy: 'resolve', knownErrorAt: null });
    // Raising twice under another number is refused: an incident has one problem.
    expect((await command(agent.token, `incidents/${first}/raise-problem`)).status).toBe(422);

    // Linking: the problem hears of it and lists the incident.
    expect((await command(agent.token, `incidents/${second}/link-problem`, { problem: prb })).status).toBe(200);
    await eventually(async () => expect((await problem(prb)).links).toEqual(expect.arrayContaining([{ relation: 'causes', target: second }])));
    expect((await incident(second)).links).toEqual([{ relation: 'caused_by', target: prb }]);

    // Publishing the known error: agents may not, problem managers may.
    const knownError = { symptoms: 'VPN tunnel resets hourly', rootCause: 'Router firmware 4.2 drops IKE rekeys under load', workaround: 'Set the rekey interval to 8 hours' };
    expect((await command(agent.token, `problems/${prb}/publish-known-error`, knownError)).status).toBe(403);
    expect((await command(manager.token, `problems/${prb}/investigate`)).body.status).toBe('investigating');
    const published = await command(manager.token, `problems/${prb}/publish-known-error`, knownError);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'known_error', details: { workaround: knownError.workaround, rootCause: knownError.rootCause } });
    expect(published.body.details.knownErrorAt).not.toBeNull();

    // Each incident gets the workaround on its public thread; the assignee is notified.
    await eventually(async () => {
      for (const number of [first, second]) {
        const comment = (await historyOf(`incidents/${number}`)).find((e) => e.kind === 'commented' && e.actor === 'system');
        expect(comment?.data).toMatchObject({ visibility: 'public', knownError: prb });
        expect(String(comment?.data.body)).toContain(knownError.workaround);
      }
      const notes = await stack.db.select().from(outbox).where(eq(outbox.template, 'known_error_published'));
      expect(notes.map((n) => n.recipient)).toContain(agent.email);
    });
    // The caller reads it in their own history too.
    const callerView = await stack.api('GET', `/api/v1/incidents/${first}/history`, { token: caller.token });
    expect(callerView.body.items.some((e: { kind: string; data: { body?: string } }) => e.kind === 'commented' && e.data.body?.includes(knownError.workaround))).toBe(true);

    // The KEDB finds it by any of its words, and a new report that matches is told of it.
    await eventually(async () => {
      const found = await stack.api('GET', '/api/v1/known-errors?q=rekey%20firmware%20unrelated', { token: agent.token });
      expect(found.body.items.map((k: { number: string }) => k.number)).toContain(prb);
    });
    const later = await stack.api('POST', '/api/v1/incidents', { token: caller.token, body: { title: 'My VPN tunnel resets', impact: 3, urgency: 3 } });
    expect(later.body.suggestedKnownErrors).toEqual([{ number: prb, title: 'VPN tunnels reset under load', workaround: knownError.workaround }]);

    // The fix: resolving the problem resolves its open incidents (policy resolve), and nothing else.
    expect((await command(manager.token, `problems/${prb}/start-fix`, { plan: 'Upgrade the firmware to 4.3' })).body.status).toBe('fix_in_progress');
    const resolved = await command(manager.token, `problems/${prb}/resolve`, { resolutionCode: 'fixed', resolutionNotes: 'Firmware 4.3 rolled out' });
    expect(resolved.body.status).toBe('resolved');
    await eventually(async () => {
      for (const number of [first, second]) expect(await incident(number)).toMatchObject({ status: 'resolved', resolutionCode: 'known_error' });
    });
    expect((await incident(untouched)).status).toBe('new');
    await eventually(async () => {
      const row = await stack.api('GET', '/api/v1/known-errors?q=rekey', { token: agent.token });
      expect(row.body.items.find((k: { number: string }) => k.number === prb)?.status).toBe('resolved');
    });
  });

  it('tells its incidents in a work note when its policy is notify', async () => {
    const number = await logIncident('Mail is slow');
    const created = await stack.api('POST', '/api/v1/problems', {
      token: agent.token,
      body: { title: 'Mail store fragmentation', impact: 2, urgency: 3, incidents: [number] },
    });
    expect(created.status).toBe(201);
    const prb = created.body.number as string;
    expect(created.headers.get('location')).toBe(`/api/v1/problems/${prb}`);
    await eventually(async () => expect((await incident(number)).links).toEqual([{ relation: 'caused_by', target: prb }]));
    expect((await command(manager.token, `problems/${prb}/resolve`, { resolutionCode: 'fixed', resolutionNotes: 'Defragmented' })).status).toBe(200);
    await eventually(async () => {
      const note = (await historyOf(`incidents/${number}`)).find((e) => e.kind === 'commented' && e.actor === 'system');
      expect(note?.data).toMatchObject({ visibility: 'internal', problem: prb });
    });
    expect((await incident(number)).status).toBe('new');
    expect((await command(manager.token, `problems/${prb}/close`)).body.status).toBe('closed');
  });

  it('keeps problems to staff and refuses what does not exist, naming the field', async () => {
    expect((await stack.api('GET', '/api/v1/problems', { token: caller.token })).status).toBe(403);
    expect((await stack.api('POST', '/api/v1/problems', { token: caller.token, body: { title: 'x', impact: 1, urgency: 1 } })).status).toBe(403);
    expect((await stack.api('GET', '/api/v1/known-errors', { token: caller.token })).status).toBe(403);
    const unknown = await stack.api('POST', '/api/v1/problems', { token: agent.token, body: { title: 'x', impact: 1, urgency: 1, incidents: ['INC999999999'] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'incidents.0' })]);
    const number = await logIncident('Disk full');
    const link = await command(agent.token, `incidents/${number}/link-problem`, { problem: 'PRB999999999' });
    expect(link.status).toBe(422);
    expect(link.body.errors).toEqual([expect.objectContaining({ field: 'problem' })]);
    expect((await command(caller.token, `incidents/${number}/raise-problem`)).status).toBe(403);
    expect((await stack.api('GET', '/api/v1/problems/INC000001', { token: agent.token })).status).toBe(400);
    const listed = await stack.api('GET', '/api/v1/problems?status=resolved,closed', { token: agent.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((p: { type: string; status: string }) => p.type === 'problem' && ['resolved', 'closed'].includes(p.status))).toBe(true);
  });
});
