import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cis, cmdbHistory, contracts, contractServices, serviceCis, tickets } from '../../db/schema';
import { eventually } from '../helpers/eventually';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Services and the CIs that deliver them, on the real stack. */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'serviceManager' | 'configurationManager', { email: string; token: string }>;
let provider: string;
let sla: string;
let retiredSla: string;

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    serviceManager: await stack.user(['service_manager']),
    configurationManager: await stack.user(['configuration_manager']),
  };
  provider = (await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Service Provider' } })).body.id;
  await stack.api('POST', `${BASE}/teams`, { body: { name: 'mail-team' } });
  const targets = Object.fromEntries(['1', '2', '3', '4', '5'].map((p) => [p, { responseSeconds: 3600, resolutionSeconds: 86400 }]));
  sla = (await stack.api('POST', `${BASE}/slas`, { body: { name: 'Gold', targets } })).body.id;
  retiredSla = (await stack.api('POST', `${BASE}/slas`, { body: { name: 'Old', targets } })).body.id;
  await stack.api('DELETE', `${BASE}/slas/${retiredSla}`);
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

/** CIs straight into the table: the CI routes are tested on their own. */
async function newCis(...names: string[]) {
  const rows = await stack.db
    .insert(cis)
    .values(names.map((name, i) => ({ class: i % 2 ? 'application' : 'server', name, status: 'production', criticality: 'high' })))
    .returning({ id: cis.id });
  return rows.map((r) => r.id);
}
const newService = async (body: Record<string, unknown>) => {
  const res = await stack.api('POST', `${BASE}/services`, { body: { criticality: 'medium', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
};
const historyOf = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/services/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};

describe('services', () => {
  it('creates a service with its CIs and shows them, with the contracts covering it, to staff', async () => {
    const [server, app] = await newCis('mx-01', 'webmail');
    const created = await stack.api('POST', `${BASE}/services`, {
      token: people.serviceManager.token,
      body: {
        name: 'Email',
        description: 'Mail for everyone',
        criticality: 'high',
        organizationId: provider,
        supportTeam: 'mail-team',
        slaId: sla,
        ciIds: [app, server],
      },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'Email',
        description: 'Mail for everyone',
        criticality: 'high',
        status: 'production',
        organizationId: provider,
        supportTeam: 'mail-team',
        slaId: sla,
        cis: [
          { id: server, name: 'mx-01', class: 'server', status: 'production' },
          { id: app, name: 'webmail', class: 'application', status: 'production' },
        ],
        contracts: [],
      },
    });
    const { id } = created.body;
    const [contract] = await stack.db
      .insert(contracts)
      .values({ kind: 'customer', name: 'Email for Acme', organizationId: provider, startsOn: '2020-01-01' })
      .returning({ id: contracts.id });
    await stack.db.insert(contractServices).values({ contractId: contract!.id, serviceId: id });
    const read = await stack.api('GET', `${BASE}/services/${id}`, { token: people.agent.token });
    expect(read.body.contracts).toEqual([{ id: contract!.id, name: 'Email for Acme', organizationId: provider, active: true, current: true }]);

    expect(await historyOf(id)).toEqual([
      {
        at: expect.any(String),
        actor: people.serviceManager.email,
        action: 'created',
        attribute: null,
        oldValue: null,
        newValue: {
          name: 'Email',
          description: 'Mail for everyone',
          criticality: 'high',
          status: 'production',
          organizationId: provider,
          supportTeam: 'mail-team',
          slaId: sla,
          ciIds: [app, server],
        },
      },
    ]);
    const rows = await stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, id));
    expect(rows.map((r) => r.subjectType)).toEqual(['service']);
  });

  it('changes a service, replacing its CIs, with one history row per attribute and per CI linked or unlinked', async () => {
    const [a, b, c] = await newCis('chg-a', 'chg-b', 'chg-c');
    const { id } = await newService({ name: 'Changing', ciIds: [a, b] });
    const changed = await stack.api('PATCH', `${BASE}/services/${id}`, {
      token: people.serviceManager.token,
      body: { status: 'design', criticality: 'critical', supportTeam: 'mail-team', ciIds: [b, c] },
    });
    expect(changed).toMatchObject({ status: 200, body: { status: 'design', criticality: 'critical', supportTeam: 'mail-team' } });
    expect(changed.body.cis.map((ci: { id: string }) => ci.id)).toEqual([b, c]);
    const entries = (await historyOf(id)).slice(1);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'updated', attribute: 'criticality', oldValue: 'medium', newValue: 'critical' }),
        expect.objectContaining({ action: 'updated', attribute: 'status', oldValue: 'production', newValue: 'design' }),
        expect.objectContaining({ action: 'updated', attribute: 'supportTeam', oldValue: null, newValue: 'mail-team' }),
        expect.objectContaining({ action: 'linked', attribute: 'ci', oldValue: null, newValue: c }),
        expect.objectContaining({ action: 'unlinked', attribute: 'ci', oldValue: a, newValue: null }),
      ]),
    );
    expect(entries).toHaveLength(5);
    expect(entries.every((e) => e.actor === people.serviceManager.email)).toBe(true);

    // The same set again changes nothing and records nothing; an empty set unlinks all.
    await stack.api('PATCH', `${BASE}/services/${id}`, { body: { ciIds: [c, b] } });
    expect(await historyOf(id)).toHaveLength(6);
    const emptied = await stack.api('PATCH', `${BASE}/services/${id}`, { body: { ciIds: [], supportTeam: null, description: 'Now empty' } });
    expect(emptied.body).toMatchObject({ cis: [], supportTeam: null, description: 'Now empty' });
    expect((await historyOf(id)).slice(6).map((e) => `${e.action} ${e.attribute}`).sort()).toEqual([
      'unlinked ci',
      'unlinked ci',
      'updated description',
      'updated supportTeam',
    ]);
    expect(await stack.db.select().from(serviceCis).where(eq(serviceCis.serviceId, id))).toEqual([]);
  });

  it('lists summaries to every signed-in user, with filters and pages; details stay with staff', async () => {
    const other = (await stack.api('POST', `${BASE}/organizations`, { body: { name: 'List Provider' } })).body.id;
    await newService({ name: 'List Alpha', status: 'production', criticality: 'low', organizationId: other, supportTeam: 'mail-team' });
    await newService({ name: 'List Beta', status: 'retired', criticality: 'low', organizationId: other, description: 'Old printing' });
    await newService({ name: 'List Gamma', status: 'production', criticality: 'critical', organizationId: other });

    const all = await stack.api('GET', `${BASE}/services?organizationId=${other}&limit=2`, { token: people.endUser.token });
    expect(all.status).toBe(200);
    expect(all.body.items).toEqual([
      { id: expect.any(String), name: 'List Alpha', description: '', criticality: 'low', status: 'production', organizationId: other },
      { id: expect.any(String), name: 'List Beta', description: 'Old printing', criticality: 'low', status: 'retired', organizationId: other },
    ]);
    const next = await stack.api('GET', `${BASE}/services?organizationId=${other}&limit=2&cursor=${all.body.nextCursor}`, { token: people.endUser.token });
    expect(next.body).toMatchObject({ items: [{ name: 'List Gamma' }], nextCursor: null });

    const names = async (query: string) => (await stack.api('GET', `${BASE}/services?organizationId=${other}&${query}`)).body.items.map((s: { name: string }) => s.name);
    expect(await names('status=production')).toEqual(['List Alpha', 'List Gamma']);
    expect(await names('criticality=low')).toEqual(['List Alpha', 'List Beta']);
    expect(await names('q=PRINTING')).toEqual(['List Beta']);
    expect(await names('q=gamma&status=production')).toEqual(['List Gamma']);
    expectProblem(await stack.api('GET', `${BASE}/services?status=live`), 400, 'query.status');
    expectProblem(await stack.api('GET', `${BASE}/services?criticality=huge`), 400, 'query.criticality');
    expectProblem(await stack.api('GET', `${BASE}/services?colour=red`), 400, 'query.colour');
    expectProblem(await stack.api('GET', `${BASE}/services`, { token: null }), 401);

    const id = all.body.items[0].id;
    expectProblem(await stack.api('GET', `${BASE}/services/${id}`, { token: people.endUser.token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/services/${id}/history`, { token: people.endUser.token }), 403);
    for (const { token } of [people.agent, people.configurationManager, people.serviceManager]) {
      expect((await stack.api('GET', `${BASE}/services/${id}`, { token })).body.supportTeam).toBe('mail-team');
    }
  });

  it('refuses bad fields (400), unknown references (422 naming the field) and a taken name (409), writing nothing', async () => {
    const [ci] = await newCis('bad-input-ci');
    const { id } = await newService({ name: 'Taken Service' });
    expectProblem(await stack.api('POST', `${BASE}/services`, { body: { name: 'Taken Service', criticality: 'low' } }), 409);
    const other = await newService({ name: 'Other Service' });
    expectProblem(await stack.api('PATCH', `${BASE}/services/${other.id}`, { body: { name: 'Taken Service' } }), 409);

    const post = (body: Record<string, unknown>) => stack.api('POST', `${BASE}/services`, { body: { name: 'Bad', criticality: 'low', ...body } });
    expectProblem(await post({ criticality: 'huge' }), 400, 'criticality');
    expectProblem(await post({ status: 'live' }), 400, 'status');
    expectProblem(await post({ name: '' }), 400, 'name');
    expectProblem(await post({ ciIds: [ci, ci] }), 400, 'ciIds');
    expectProblem(await post({ ciIds: ['nope'] }), 400, 'ciIds.0');
    expectProblem(await post({ supportTeam: 'no/slash' }), 400, 'supportTeam');
    expectProblem(await post({ owner: 'me' }), 400, 'owner');
    expectProblem(await stack.api('POST', `${BASE}/services`, { body: { name: 'No Criticality' } }), 400, 'criticality');
    expectProblem(await post({ organizationId: UNKNOWN }), 422, 'organizationId');
    expectProblem(await post({ supportTeam: 'no-such-team' }), 422, 'supportTeam');
    expectProblem(await post({ slaId: UNKNOWN }), 422, 'slaId');
    const retired = await post({ slaId: retiredSla });
    expectProblem(retired, 422, 'slaId');
    expect(retired.body.detail).toMatch(/deactivated/);
    expectProblem(await post({ ciIds: [ci, UNKNOWN] }), 422, 'ciIds.1');
    expect((await stack.api('GET', `${BASE}/services?q=Bad`)).body.items).toEqual([]);

    expectProblem(await stack.api('PATCH', `${BASE}/services/${id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/services/${id}`, { body: { slaId: retiredSla, description: 'half' } }), 422, 'slaId');
    expectProblem(await stack.api('PATCH', `${BASE}/services/${id}`, { body: { ciIds: [UNKNOWN], description: 'half' } }), 422, 'ciIds.0');
    expectProblem(await stack.api('PATCH', `${BASE}/services/${UNKNOWN}`, { body: { description: 'x' } }), 404);
    expectProblem(await stack.api('GET', `${BASE}/services/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/services/${UNKNOWN}/history`), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/services/${UNKNOWN}`), 404);
    expect((await stack.api('GET', `${BASE}/services/${id}`)).body).toMatchObject({ description: '', slaId: null, cis: [] });
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('lets only service managers and admins write', async () => {
    const { id } = await newService({ name: 'Guarded' });
    for (const { token } of [people.endUser, people.agent, people.configurationManager]) {
      expectProblem(await stack.api('POST', `${BASE}/services`, { token, body: { name: 'Nope', criticality: 'low' } }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/services/${id}`, { token, body: { description: 'nope' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/services/${id}`, { token }), 403);
    }
    expect((await stack.api('PATCH', `${BASE}/services/${id}`, { token: people.serviceManager.token, body: { description: 'fine' } })).status).toBe(200);
    expect((await stack.api('DELETE', `${BASE}/services/${id}`, { token: people.serviceManager.token })).status).toBe(204);
  });

  it('deletes a service, keeping its history, but not while an active contract covers it or a ticket names it (409)', async () => {
    const [ci] = await newCis('delete-ci');
    const { id } = await newService({ name: 'Doomed', ciIds: [ci] });
    const [contract] = await stack.db
      .insert(contracts)
      .values({ kind: 'customer', name: 'Covers Doomed', organizationId: provider, startsOn: '2026-01-01' })
      .returning({ id: contracts.id });
    await stack.db.insert(contractServices).values({ contractId: contract!.id, serviceId: id });
    const covered = await stack.api('DELETE', `${BASE}/services/${id}`);
    expectProblem(covered, 409);
    expect(covered.body.contracts).toEqual(['Covers Doomed']);

    await stack.db.update(contracts).set({ active: false }).where(eq(contracts.id, contract!.id));
    expect(await stack.api('DELETE', `${BASE}/services/${id}`, { token: people.serviceManager.token })).toMatchObject({ status: 204 });
    expectProblem(await stack.api('GET', `${BASE}/services/${id}`), 404);
    expect(await stack.db.select().from(contractServices).where(eq(contractServices.serviceId, id))).toEqual([]);
    // What it was stays readable, and the contract that covered it says it lost it.
    expect((await historyOf(id)).at(-1)).toMatchObject({
      actor: people.serviceManager.email,
      action: 'deleted',
      oldValue: { name: 'Doomed', criticality: 'medium', ciIds: [ci] },
      newValue: null,
    });
    const contractHistory = await stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, contract!.id));
    expect(contractHistory).toMatchObject([{ subjectType: 'contract', action: 'unlinked', attribute: 'service', oldValue: id }]);

    const named = await newService({ name: 'Named By A Ticket' });
    const incident = await stack.api('POST', `${BASE}/incidents`, { body: { title: 'Mail is down', impact: 2, urgency: 2, serviceId: named.id } });
    expect(incident.status, JSON.stringify(incident.body)).toBe(201);
    // The read model is what the check reads: wait for the ticket to reach it.
    await eventually(async () => expect(await stack.db.select().from(tickets).where(eq(tickets.serviceId, named.id))).toHaveLength(1));
    const refused = await stack.api('DELETE', `${BASE}/services/${named.id}`);
    expectProblem(refused, 409);
    expect(refused.body.tickets).toEqual([incident.body.number]);
    // Retiring is the way out.
    expect((await stack.api('PATCH', `${BASE}/services/${named.id}`, { body: { status: 'retired' } })).body.status).toBe('retired');
  });
});
