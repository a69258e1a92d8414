import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cis, cmdbHistory, contracts } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Customer and provider contracts, on the real stack. */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'serviceManager' | 'configurationManager', { email: string; token: string }>;
const ids = {} as Record<'customer' | 'provider' | 'sla' | 'retiredSla' | 'email' | 'web' | 'server' | 'disk' | 'ann' | 'bob' | 'gone', string>;

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    serviceManager: await stack.user(['service_manager']),
    configurationManager: await stack.user(['configuration_manager']),
  };
  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await stack.api('POST', `${BASE}/${path}`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  ids.customer = await post('organizations', { name: 'Acme' });
  ids.provider = await post('organizations', { name: 'Hoster' });
  const targets = Object.fromEntries(['1', '2', '3', '4', '5'].map((p) => [p, { responseSeconds: 3600, resolutionSeconds: 86400 }]));
  ids.sla = await post('slas', { name: 'Gold', targets });
  ids.retiredSla = await post('slas', { name: 'Bronze', targets });
  await stack.api('DELETE', `${BASE}/slas/${ids.retiredSla}`);
  ids.email = await post('services', { name: 'Email', criticality: 'high' });
  ids.web = await post('services', { name: 'Web', criticality: 'low' });
  // CIs straight into the table: the CI routes are tested on their own.
  const [server, disk] = await stack.db
    .insert(cis)
    .values([
      { class: 'server', name: 'srv-01', status: 'production', criticality: 'high' },
      { class: 'generic', name: 'disk-01', status: 'production', criticality: 'low' },
    ])
    .returning({ id: cis.id });
  ids.server = server!.id;
  ids.disk = disk!.id;
  ids.ann = await post('contacts', { name: 'Ann', organizationId: ids.customer });
  ids.bob = await post('contacts', { name: 'Bob', organizationId: ids.customer });
  ids.gone = await post('contacts', { name: 'Gone', organizationId: ids.customer });
  await stack.api('DELETE', `${BASE}/contacts/${ids.gone}`);
  await stack.api('POST', `${BASE}/teams`, { body: { name: 'account-team' } });
  await stack.api('POST', `${BASE}/teams`, { body: { name: 'hosting-team' } });
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const sorted = (values: string[]) => [...values].sort();
const customerContract = (body: Record<string, unknown> = {}) => ({
  kind: 'customer',
  name: `Contract ${Math.random().toString(36).slice(2, 8)}`,
  organizationId: ids.customer,
  startsOn: '2020-01-01',
  ...body,
});
const newContract = async (body: Record<string, unknown>) => {
  const res = await stack.api('POST', `${BASE}/contracts`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
};
const historyOf = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/contracts/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};

describe('contracts', () => {
  it('creates a customer contract with services, SLA, contacts, teams, cost and documents, recorded in its history', async () => {
    const documents = [{ title: 'Signed contract', url: 'https://docs.example.com/acme.pdf' }];
    const created = await stack.api('POST', `${BASE}/contracts`, {
      token: people.serviceManager.token,
      body: {
        kind: 'customer',
        name: 'Acme Mail 2026',
        organizationId: ids.customer,
        serviceIds: [ids.email, ids.web],
        slaId: ids.sla,
        contactIds: [ids.ann],
        teams: ['account-team'],
        cost: 1250.5,
        currency: 'EUR',
        costPeriod: 'month',
        startsOn: '2020-01-01',
        endsOn: '2099-12-31',
        description: 'Mail and web for Acme',
        documents,
      },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        kind: 'customer',
        name: 'Acme Mail 2026',
        organizationId: ids.customer,
        slaId: ids.sla,
        ciIds: [],
        contactIds: [ids.ann],
        teams: ['account-team'],
        cost: '1250.50',
        currency: 'EUR',
        costPeriod: 'month',
        startsOn: '2020-01-01',
        endsOn: '2099-12-31',
        description: 'Mail and web for Acme',
        documents,
        active: true,
        current: true,
      },
    });
    expect(sorted(created.body.serviceIds)).toEqual(sorted([ids.email, ids.web]));
    const { id } = created.body;
    expect((await stack.api('GET', `${BASE}/contracts/${id}`, { token: people.agent.token })).body).toEqual(created.body);
    // The services show the contract covering them.
    expect((await stack.api('GET', `${BASE}/services/${ids.email}`)).body.contracts).toEqual([
      { id, name: 'Acme Mail 2026', organizationId: ids.customer, active: true, current: true },
    ]);

    expect(await historyOf(id)).toEqual([
      {
        at: expect.any(String),
        actor: people.serviceManager.email,
        action: 'created',
        attribute: null,
        oldValue: null,
        newValue: {
          kind: 'customer',
          name: 'Acme Mail 2026',
          organizationId: ids.customer,
          slaId: ids.sla,
          cost: '1250.50',
          currency: 'EUR',
          costPeriod: 'month',
          startsOn: '2020-01-01',
          endsOn: '2099-12-31',
          description: 'Mail and web for Acme',
          documents,
          active: true,
          serviceIds: [ids.email, ids.web],
          ciIds: [],
          contactIds: [ids.ann],
          teams: ['account-team'],
        },
      },
    ]);
  });

  it('creates a provider contract covering CIs, with an exact decimal cost', async () => {
    const created = await stack.api('POST', `${BASE}/contracts`, {
      body: { kind: 'provider', name: 'Hosting', organizationId: ids.provider, ciIds: [ids.server, ids.disk], teams: ['hosting-team'], cost: '99999999999.99', currency: 'USD', costPeriod: 'year', startsOn: '2026-01-01' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { kind: 'provider', serviceIds: [], slaId: null, cost: '99999999999.99', currency: 'USD', costPeriod: 'year', endsOn: null, documents: [], description: '' },
    });
    expect(sorted(created.body.ciIds)).toEqual(sorted([ids.server, ids.disk]));
    const bare = await newContract({ kind: 'provider', name: 'No Cost', organizationId: ids.provider, startsOn: '2026-01-01' });
    expect((await stack.api('GET', `${BASE}/contracts/${bare.id}`)).body).toMatchObject({ cost: null, currency: null, costPeriod: null, contactIds: [], teams: [] });
  });

  it('refuses what the other kind of contract has, with 422 naming the field', async () => {
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ kind: 'provider', serviceIds: [ids.email] }) }), 422, 'serviceIds');
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ kind: 'provider', slaId: ids.sla }) }), 422, 'slaId');
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ ciIds: [ids.server] }) }), 422, 'ciIds');
    const provider = await newContract({ kind: 'provider', name: 'Kinds Provider', organizationId: ids.provider, startsOn: '2026-01-01' });
    const customer = await newContract(customerContract({ name: 'Kinds Customer' }));
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${provider.id}`, { body: { serviceIds: [ids.web] } }), 422, 'serviceIds');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${provider.id}`, { body: { slaId: ids.sla } }), 422, 'slaId');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${customer.id}`, { body: { ciIds: [ids.disk] } }), 422, 'ciIds');
    // The kind is what a contract is: it never changes.
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${customer.id}`, { body: { kind: 'provider' } }), 400, 'kind');
    // Empty lists are nothing to refuse.
    expect((await stack.api('PATCH', `${BASE}/contracts/${provider.id}`, { body: { serviceIds: [], slaId: null } })).status).toBe(200);
  });

  it('refuses malformed fields with 400 naming each', async () => {
    const bad = async (field: string, value: unknown) => expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ [field]: value }) }), 400, field);
    await bad('kind', 'partner');
    await bad('cost', -1);
    await bad('cost', 1.234);
    await bad('cost', '12.345');
    await bad('cost', 'ten');
    await bad('cost', '1e3');
    await bad('cost', '1234567890123');
    await bad('currency', 'eur');
    await bad('currency', 'EURO');
    await bad('costPeriod', 'week');
    await bad('startsOn', '2026-13-01');
    await bad('endsOn', '2026-02-30');
    await bad('serviceIds', [ids.email, ids.email]);
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ teams: ['bad/name'] }) }), 400, 'teams.0');
    await bad('name', '');
    await bad('colour', 'red');
    for (const url of ['javascript:alert(1)', 'ftp://files.example.com/a.pdf', 'not a url']) {
      expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ documents: [{ title: 'Doc', url }] }) }), 400, 'documents.0.url');
    }
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ documents: [{ title: ' ', url: 'https://a.example' }] }) }), 400, 'documents.0.title');
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: { kind: 'customer', name: 'No Dates', organizationId: ids.customer } }), 400, 'startsOn');
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ organizationId: undefined }) }), 400, 'organizationId');
    const { id } = await newContract(customerContract());
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { cost: -5 } }), 400, 'cost');
  });

  it('refuses impossible contracts and unknown or deactivated references with 422 naming the field, writing nothing', async () => {
    const refused = async (body: Record<string, unknown>, field: string) => {
      const name = `Refused ${field} ${Math.random()}`;
      expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ name, ...body }) }), 422, field);
      expect(await stack.db.select().from(contracts).where(eq(contracts.name, name))).toEqual([]);
    };
    await refused({ startsOn: '2026-06-01', endsOn: '2026-05-31' }, 'endsOn');
    await refused({ cost: 10 }, 'currency');
    await refused({ organizationId: UNKNOWN }, 'organizationId');
    await refused({ slaId: UNKNOWN }, 'slaId');
    await refused({ slaId: ids.retiredSla }, 'slaId');
    await refused({ serviceIds: [ids.email, UNKNOWN] }, 'serviceIds.1');
    await refused({ kind: 'provider', organizationId: ids.provider, ciIds: [UNKNOWN] }, 'ciIds.0');
    await refused({ contactIds: [ids.ann, ids.gone] }, 'contactIds.1');
    await refused({ contactIds: [UNKNOWN] }, 'contactIds.0');
    await refused({ teams: ['account-team', 'no-such-team'] }, 'teams.1');

    const { id } = await newContract(customerContract({ startsOn: '2026-01-01', endsOn: '2026-12-31', cost: '10', currency: 'EUR' }));
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { startsOn: '2027-01-01' } }), 422, 'endsOn');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { currency: null } }), 422, 'currency');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { serviceIds: [UNKNOWN], description: 'half' } }), 422, 'serviceIds.0');
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${UNKNOWN}`, { body: { description: 'x' } }), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/contracts/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/contracts/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/contracts/${UNKNOWN}/history`), 404);
    expect((await stack.api('GET', `${BASE}/contracts/${id}`)).body).toMatchObject({ startsOn: '2026-01-01', currency: 'EUR', description: '', serviceIds: [] });
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('refuses a taken name (409)', async () => {
    await newContract(customerContract({ name: 'Only Once' }));
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ name: 'Only Once' }) }), 409);
    const other = await newContract(customerContract({ name: 'Another One' }));
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${other.id}`, { body: { name: 'Only Once' } }), 409);
  });

  it('changes a contract with one history row per attribute and per link, and none for what stayed the same', async () => {
    const documents = [{ title: 'Order', url: 'http://docs.example.com/order' }];
    const { id } = await newContract(
      customerContract({ name: 'Changing', serviceIds: [ids.email], contactIds: [ids.ann], teams: ['account-team'], cost: '100.5', currency: 'EUR', documents }),
    );
    const changed = await stack.api('PATCH', `${BASE}/contracts/${id}`, {
      token: people.serviceManager.token,
      body: { cost: 100.5, documents, slaId: ids.sla, endsOn: '2099-01-01', serviceIds: [ids.web], contactIds: [ids.ann, ids.bob], teams: [] },
    });
    expect(changed).toMatchObject({ status: 200, body: { cost: '100.50', slaId: ids.sla, endsOn: '2099-01-01', serviceIds: [ids.web], teams: [] } });
    expect(sorted(changed.body.contactIds)).toEqual(sorted([ids.ann, ids.bob]));
    const entries = (await historyOf(id)).slice(1);
    expect(entries.map((e) => ({ action: e.action, attribute: e.attribute, oldValue: e.oldValue, newValue: e.newValue }))).toEqual(
      expect.arrayContaining([
        { action: 'updated', attribute: 'slaId', oldValue: null, newValue: ids.sla },
        { action: 'updated', attribute: 'endsOn', oldValue: null, newValue: '2099-01-01' },
        { action: 'linked', attribute: 'service', oldValue: null, newValue: ids.web },
        { action: 'unlinked', attribute: 'service', oldValue: ids.email, newValue: null },
        { action: 'linked', attribute: 'contact', oldValue: null, newValue: ids.bob },
        { action: 'unlinked', attribute: 'team', oldValue: 'account-team', newValue: null },
      ]),
    );
    // The same cost written differently and the same documents are no change.
    expect(entries).toHaveLength(6);
    expect(entries.every((e) => e.actor === people.serviceManager.email)).toBe(true);
    const rows = await stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, id));
    expect(rows.every((r) => r.subjectType === 'contract')).toBe(true);
  });

  it('lists contracts by kind, organization, service, activity and whether they are in force today', async () => {
    const org = (await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Listing Customer' } })).body.id;
    const base = { organizationId: org };
    const running = await newContract(customerContract({ ...base, name: 'L1 running', serviceIds: [ids.web] }));
    const future = await newContract(customerContract({ ...base, name: 'L2 future', startsOn: '2098-01-01' }));
    const expired = await newContract(customerContract({ ...base, name: 'L3 expired', startsOn: '2001-01-01', endsOn: '2001-12-31', serviceIds: [ids.web] }));
    const inactive = await newContract(customerContract({ ...base, name: 'L4 inactive', active: false }));
    const provider = await newContract({ kind: 'provider', name: 'L5 provider', organizationId: org, startsOn: '2020-01-01' });

    const names = async (query: string) => {
      const res = await stack.api('GET', `${BASE}/contracts?organizationId=${org}&${query}`, { token: people.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.map((k: { name: string }) => k.name);
    };
    expect(await names('')).toEqual(['L1 running', 'L2 future', 'L3 expired', 'L4 inactive', 'L5 provider']);
    expect(await names('kind=provider')).toEqual(['L5 provider']);
    expect(await names('kind=customer&current=true')).toEqual(['L1 running']);
    expect(await names('current=false')).toEqual(['L2 future', 'L3 expired', 'L4 inactive']);
    expect(await names('active=false')).toEqual(['L4 inactive']);
    expect(await names(`serviceId=${ids.web}`)).toEqual(['L1 running', 'L3 expired']);
    const page1 = await stack.api('GET', `${BASE}/contracts?organizationId=${org}&limit=3`);
    const page2 = await stack.api('GET', `${BASE}/contracts?organizationId=${org}&limit=3&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.items, ...page2.body.items].map((k: { id: string }) => k.id)).toEqual([running.id, future.id, expired.id, inactive.id, provider.id]);
    expect(page2.body.nextCursor).toBeNull();
    expect(page1.body.items[0]).toMatchObject({ serviceIds: [ids.web], current: true });
    expectProblem(await stack.api('GET', `${BASE}/contracts?kind=partner`), 400, 'query.kind');
    expectProblem(await stack.api('GET', `${BASE}/contracts?current=maybe`), 400, 'query.current');
    expectProblem(await stack.api('GET', `${BASE}/contracts?serviceId=nope`), 400, 'query.serviceId');
  });

  it('deactivates a contract for history; reactivating needs its organization active', async () => {
    const org = (await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Leaving Customer' } })).body.id;
    const { id } = await newContract(customerContract({ organizationId: org }));
    expectProblem(await stack.api('DELETE', `${BASE}/organizations/${org}`), 409);
    const deactivated = await stack.api('DELETE', `${BASE}/contracts/${id}`, { token: people.serviceManager.token });
    expect(deactivated).toMatchObject({ status: 200, body: { id, active: false, current: false } });
    expect((await historyOf(id)).at(-1)).toMatchObject({ actor: people.serviceManager.email, action: 'updated', attribute: 'active', oldValue: true, newValue: false });
    expect((await stack.api('DELETE', `${BASE}/organizations/${org}`)).status).toBe(200);
    // An inactive contract of an inactive customer may still be corrected, not brought back.
    expect((await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { description: 'Ended' } })).status).toBe(200);
    expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { body: { active: true } }), 422, 'organizationId');
    expectProblem(await stack.api('POST', `${BASE}/contracts`, { body: customerContract({ organizationId: org }) }), 422, 'organizationId');
  });

  it('lets service managers and admins write, staff read, and nobody else', async () => {
    const { id } = await newContract(customerContract());
    for (const { token } of [people.endUser, people.agent, people.configurationManager]) {
      expectProblem(await stack.api('POST', `${BASE}/contracts`, { token, body: customerContract() }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/contracts/${id}`, { token, body: { description: 'nope' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/contracts/${id}`, { token }), 403);
    }
    for (const path of ['contracts', `contracts/${id}`, `contracts/${id}/history`]) {
      expectProblem(await stack.api('GET', `${BASE}/${path}`, { token: people.endUser.token }), 403);
      for (const { token } of [people.agent, people.configurationManager, people.serviceManager]) {
        expect((await stack.api('GET', `${BASE}/${path}`, { token })).status).toBe(200);
      }
    }
    expect((await stack.api('PATCH', `${BASE}/contracts/${id}`, { token: people.serviceManager.token, body: { description: 'fine' } })).status).toBe(200);
    expectProblem(await stack.api('GET', `${BASE}/contracts`, { token: null }), 401);
  });
});
