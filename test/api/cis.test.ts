import { randomUUID } from 'node:crypto';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciRelations, cis, cmdbHistory, contractCis, contracts, organizations, serviceCis, services } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Configuration items through the API, on the real stack: CRUD, class attributes, search, roles and history. */

const BASE = '/api/v1';
let stack: Stack;
let manager: string;
let agent: string;
let endUser: string;
let serviceManager: string;
let orgId: string;

beforeAll(async () => {
  stack = await startStack();
  manager = (await stack.user(['configuration_manager'])).token;
  agent = (await stack.user(['agent'])).token;
  endUser = (await stack.user(['end_user'])).token;
  serviceManager = (await stack.user(['service_manager'])).token;
  for (const name of ['unix', 'dba', 'network']) expect((await stack.api('POST', `${BASE}/teams`, { body: { name } })).status).toBe(201);
  const [org] = await stack.db.insert(organizations).values({ name: 'Acme', code: 'ACME' }).returning({ id: organizations.id });
  orgId = org!.id;
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const create = (body: Record<string, unknown>, token = manager) => stack.api('POST', `${BASE}/cis`, { token, body });
async function created(body: Record<string, unknown>) {
  const res = await create(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const historyOf = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/cis/${id}/history?limit=100`, { token: agent });
  expect(res.status).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};

describe('registering a CI', () => {
  it('creates a CI of each class with its own attributes, defaults filled in', async () => {
    const server = await created({
      class: 'server',
      name: 'web-01',
      supportTeam: 'unix',
      organizationId: orgId,
      description: 'Front web server',
      attributes: { hostname: 'web-01', ipAddresses: ['10.0.0.1'], os: 'Debian', cpuCount: 8, memoryGb: 32 },
    });
    expect(server).toEqual({
      id: expect.any(String),
      class: 'server',
      name: 'web-01',
      status: 'production',
      criticality: 'medium',
      organizationId: orgId,
      supportTeam: 'unix',
      description: 'Front web server',
      attributes: { hostname: 'web-01', ipAddresses: ['10.0.0.1'], os: 'Debian', cpuCount: 8, memoryGb: 32 },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await stack.api('GET', `${BASE}/cis/${server.id}`, { token: agent })).body).toEqual(server);

    const others = [
      { class: 'virtual_machine', name: 'vm-01', attributes: { cpuCount: 2, memoryGb: 4 } },
      { class: 'network_device', name: 'sw-01', attributes: { deviceType: 'switch', firmware: '17.9' } },
      { class: 'database', name: 'crm-db', status: 'test', criticality: 'high', supportTeam: 'dba', attributes: { engine: 'postgresql', port: 5432 } },
      { class: 'application', name: 'crm', attributes: { vendor: 'Acme', url: 'https://crm.example.com' } },
      { class: 'business_service_component', name: 'order-taking', attributes: { businessFunction: 'Takes orders', recoveryTimeObjectiveMinutes: 30 } },
      { class: 'generic', name: 'ups-3', attributes: { rack: 'B4', units: 2, managed: true } },
      { class: 'generic', name: 'bare' },
    ];
    for (const body of others) {
      const ci = await created(body);
      expect(ci).toMatchObject({ ...body, attributes: body.attributes ?? {} });
    }
  });

  it('refuses a wrong class attribute with 422 naming attributes.<key>, for every class', async () => {
    const cases: [string, Record<string, unknown> | undefined, string][] = [
      ['server', { cpuCount: 0 }, 'attributes.cpuCount'],
      ['server', { ipAddresses: ['10.0.0.1', '999.0.0.1'] }, 'attributes.ipAddresses.1'],
      ['server', { colour: 'red' }, 'attributes.colour'],
      ['virtual_machine', { memoryGb: 'lots' }, 'attributes.memoryGb'],
      ['virtual_machine', { hostname: 'no spaces please' }, 'attributes.hostname'],
      ['network_device', { deviceType: 'hub' }, 'attributes.deviceType'],
      ['network_device', undefined, 'attributes'],
      ['database', { engine: 'db2' }, 'attributes.engine'],
      ['database', { engine: 'mysql', port: 70_000 }, 'attributes.port'],
      ['database', { port: 5432 }, 'attributes.engine'],
      ['application', { url: 'ftp://files.example.com' }, 'attributes.url'],
      ['business_service_component', { recoveryPointObjectiveMinutes: 1.5 }, 'attributes.recoveryPointObjectiveMinutes'],
      ['generic', { nested: { a: 1 } }, 'attributes.nested'],
      ['generic', { 'bad key': 1 }, 'attributes.bad key'],
    ];
    for (const [ciClass, attributes, field] of cases) {
      const res = await create({ class: ciClass, name: `bad-${randomUUID()}`, ...(attributes && { attributes }) });
      if (field === 'attributes') expectProblem(res, 400, field);
      else expectProblem(res, 422, field);
    }
    expect(await stack.db.$count(cis, like(cis.name, 'bad-%'))).toBe(0);
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    expectProblem(await create({ name: 'x' }), 400, 'class');
    expectProblem(await create({ class: 'mainframe', name: 'x' }), 400, 'class');
    expectProblem(await create({ class: 'server' }), 400, 'name');
    expectProblem(await create({ class: 'server', name: '   ' }), 400, 'name');
    expectProblem(await create({ class: 'server', name: 'x', status: 'broken' }), 400, 'status');
    expectProblem(await create({ class: 'server', name: 'x', criticality: 5 }), 400, 'criticality');
    expectProblem(await create({ class: 'server', name: 'x', owner: 'me' }), 400, 'owner');
    expectProblem(await create({ class: 'server', name: 'x', attributes: 'big' }), 400, 'attributes');
    expectProblem(await create({ class: 'server', name: 'x', organizationId: 'acme' }), 400, 'organizationId');
    expectProblem(await create({ class: 'server', name: 'x'.repeat(201) }), 400, 'name');
    expectProblem(await create({ class: 'server', name: 'nul\u0000' }), 400, 'name');
    // Wrong attributes beside a malformed field: the request as a whole is malformed.
    expectProblem(await create({ class: 'server', name: 'x', status: 'broken', attributes: { cpuCount: 0 } }), 400, 'attributes.cpuCount');
  });

  it('refuses an unknown organization or team with 422, and a (class, name) already taken with 409', async () => {
    expectProblem(await create({ class: 'server', name: 'orphan', organizationId: randomUUID() }), 422, 'organizationId');
    expectProblem(await create({ class: 'server', name: 'orphan', supportTeam: 'nobody' }), 422, 'supportTeam');
    await created({ class: 'server', name: 'twin' });
    const again = await create({ class: 'server', name: 'twin', description: 'another' });
    expectProblem(again, 409);
    expect(again.body.detail).toContain('twin');
    // The natural key is per class: an application may share a server's name.
    await created({ class: 'application', name: 'twin' });
    expect(await stack.db.$count(cis, eq(cis.name, 'orphan'))).toBe(0);
  });
});

describe('roles', () => {
  it('lets staff read, only configuration managers and admins write, and end users nothing', async () => {
    const ci = await created({ class: 'generic', name: 'roles-ci' });
    for (const token of [agent, serviceManager, manager, stack.adminToken]) {
      expect((await stack.api('GET', `${BASE}/cis/${ci.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/cis?q=roles-ci`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/cis/${ci.id}/history`, { token })).status).toBe(200);
    }
    for (const path of [`/cis/${ci.id}`, '/cis', `/cis/${ci.id}/history`]) expectProblem(await stack.api('GET', `${BASE}${path}`, { token: endUser }), 403);
    for (const token of [agent, endUser, serviceManager]) {
      expectProblem(await create({ class: 'generic', name: `by-${randomUUID()}` }, token), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/cis/${ci.id}`, { token, body: { description: 'x' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/cis/${ci.id}`, { token }), 403);
    }
    expectProblem(await stack.api('GET', `${BASE}/cis/${ci.id}`, { token: null }), 401);
    const byAdmin = await create({ class: 'generic', name: 'by-admin' }, stack.adminToken);
    expect(byAdmin.status).toBe(201);
    expect((await stack.api('GET', `${BASE}/cis/${ci.id}`)).body.description).toBe('');
  });
});

describe('changing a CI', () => {
  it('changes fields, merges attributes key by key (null removes), and records old and new values', async () => {
    const ci = await created({ class: 'server', name: 'app-07', supportTeam: 'unix', attributes: { os: 'Debian', cpuCount: 4, location: 'Paris' } });
    const res = await stack.api('PATCH', `${BASE}/cis/${ci.id}`, {
      token: manager,
      body: { status: 'maintenance', supportTeam: null, organizationId: orgId, attributes: { cpuCount: 8, location: null, vendor: 'HPE' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'maintenance', supportTeam: null, organizationId: orgId, attributes: { os: 'Debian', cpuCount: 8, vendor: 'HPE' } });
    expect(res.body.attributes).not.toHaveProperty('location');
    expect(new Date(res.body.updatedAt).getTime()).toBeGreaterThan(new Date(ci.updatedAt).getTime());

    const updates = (await historyOf(ci.id)).filter((h) => h.action === 'updated');
    expect(updates).toEqual([
      { at: expect.any(String), actor: expect.stringMatching(/^configuration_manager-/), action: 'updated', attribute: 'status', oldValue: 'production', newValue: 'maintenance' },
      { at: expect.any(String), actor: expect.any(String), action: 'updated', attribute: 'organizationId', oldValue: null, newValue: orgId },
      { at: expect.any(String), actor: expect.any(String), action: 'updated', attribute: 'supportTeam', oldValue: 'unix', newValue: null },
      { at: expect.any(String), actor: expect.any(String), action: 'updated', attribute: 'attributes.cpuCount', oldValue: 4, newValue: 8 },
      { at: expect.any(String), actor: expect.any(String), action: 'updated', attribute: 'attributes.location', oldValue: 'Paris', newValue: null },
      { at: expect.any(String), actor: expect.any(String), action: 'updated', attribute: 'attributes.vendor', oldValue: null, newValue: 'HPE' },
    ]);

    // The same change again changes nothing and records nothing.
    const same = await stack.api('PATCH', `${BASE}/cis/${ci.id}`, { token: manager, body: { status: 'maintenance', attributes: { cpuCount: 8 } } });
    expect(same.body.updatedAt).toBe(res.body.updatedAt);
    expect((await historyOf(ci.id)).filter((h) => h.action === 'updated')).toHaveLength(6);
  });

  it('refuses bad changes with the field, and changes nothing', async () => {
    const db = await created({ class: 'database', name: 'stock-db', attributes: { engine: 'mysql', port: 3306 } });
    await created({ class: 'database', name: 'taken-db', attributes: { engine: 'mysql' } });
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/cis/${db.id}`, { token: manager, body });
    expectProblem(await patch({ attributes: { port: 0 } }), 422, 'attributes.port');
    expectProblem(await patch({ attributes: { cpuCount: 2 } }), 422, 'attributes.cpuCount');
    expectProblem(await patch({ attributes: { engine: null } }), 422, 'attributes.engine');
    expectProblem(await patch({ supportTeam: 'ghosts' }), 422, 'supportTeam');
    expectProblem(await patch({ organizationId: randomUUID() }), 422, 'organizationId');
    expectProblem(await patch({ class: 'server' }), 400, 'class');
    expectProblem(await patch({}), 400, '(body)');
    expectProblem(await patch({ status: 'gone' }), 400, 'status');
    expectProblem(await patch({ name: 'taken-db' }), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/cis/${randomUUID()}`, { token: manager, body: { status: 'test' } }), 404);
    expectProblem(await stack.api('PATCH', `${BASE}/cis/not-an-id`, { token: manager, body: { status: 'test' } }), 400, 'param.id');
    expect((await stack.api('GET', `${BASE}/cis/${db.id}`)).body).toEqual(db);
    expect((await historyOf(db.id)).filter((h) => h.action !== 'created')).toEqual([]);

    const generic = await created({ class: 'generic', name: 'patch-generic', attributes: { rack: 'B4', units: 2 } });
    const patchGeneric = (attributes: unknown) => stack.api('PATCH', `${BASE}/cis/${generic.id}`, { token: manager, body: { attributes } });
    expectProblem(await patchGeneric({ ['k'.repeat(65)]: 1 }), 422, `attributes.${'k'.repeat(65)}`);
    expectProblem(await patchGeneric({ rack: ['B4'] }), 422, 'attributes.rack');
    expect((await patchGeneric({ rack: null, owner: 'ops' })).body.attributes).toEqual({ units: 2, owner: 'ops' });

    // A rename to a free name is fine, and recorded.
    expect((await patch({ name: 'stock-db-2' })).body.name).toBe('stock-db-2');
    expect((await historyOf(db.id)).at(-1)).toMatchObject({ action: 'updated', attribute: 'name', oldValue: 'stock-db', newValue: 'stock-db-2' });
  });
});

describe('history', () => {
  it('records a creation attribute by attribute, with who did it', async () => {
    const ci = await created({ class: 'database', name: 'hist-db', criticality: 'critical', supportTeam: 'dba', attributes: { engine: 'oracle', port: 1521 } });
    expect(await historyOf(ci.id)).toEqual(
      [
        ['class', 'database'],
        ['name', 'hist-db'],
        ['status', 'production'],
        ['criticality', 'critical'],
        ['supportTeam', 'dba'],
        ['attributes.engine', 'oracle'],
        ['attributes.port', 1521],
      ].map(([attribute, newValue]) => ({ at: expect.any(String), actor: expect.stringMatching(/^configuration_manager-/), action: 'created', attribute, oldValue: null, newValue })),
    );
  });

  it('pages oldest first, and answers 404 for a CI never heard of', async () => {
    const ci = await created({ class: 'server', name: 'paged-history', attributes: { os: 'a', osVersion: '1', vendor: 'v', model: 'm' } });
    const first = await stack.api('GET', `${BASE}/cis/${ci.id}/history?limit=3`);
    expect(first.body.items.map((h: any) => h.attribute)).toEqual(['class', 'name', 'status']);
    const second = await stack.api('GET', `${BASE}/cis/${ci.id}/history?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((h: any) => h.attribute)).toEqual(['criticality', 'attributes.model', 'attributes.os']);
    expectProblem(await stack.api('GET', `${BASE}/cis/${randomUUID()}/history`), 404);
    expectProblem(await stack.api('GET', `${BASE}/cis/${ci.id}/history?cursor=nonsense`), 400, 'query.cursor');
  });
});

describe('deleting a CI', () => {
  it('removes it with its relations and memberships, and tells the other ends in their history', async () => {
    const host = await created({ class: 'server', name: 'del-host', attributes: { os: 'Debian' } });
    const vm = await created({ class: 'virtual_machine', name: 'del-vm' });
    const app = await created({ class: 'application', name: 'del-app' });
    const keep = await created({ class: 'application', name: 'del-keep' });
    // Relations as the relations API writes them (its route is not needed here).
    await stack.db.insert(ciRelations).values([
      { sourceId: host.id, type: 'hosts', targetId: vm.id, createdBy: 'test' },
      { sourceId: app.id, type: 'runs_on', targetId: host.id, createdBy: 'test' },
      { sourceId: keep.id, type: 'depends_on', targetId: app.id, createdBy: 'test' },
    ]);
    const [service] = await stack.db.insert(services).values({ name: 'Web shop', criticality: 'high' }).returning();
    await stack.db.insert(serviceCis).values({ serviceId: service!.id, ciId: host.id });
    const [contract] = await stack.db
      .insert(contracts)
      .values({ kind: 'provider', name: 'Hardware support', organizationId: orgId, startsOn: '2025-01-01' })
      .returning();
    await stack.db.insert(contractCis).values({ contractId: contract!.id, ciId: host.id });

    expect((await stack.api('DELETE', `${BASE}/cis/${host.id}`, { token: manager })).status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/cis/${host.id}`), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/cis/${host.id}`, { token: manager }), 404);
    expect((await stack.db.select().from(ciRelations)).filter((r) => [r.sourceId, r.targetId].includes(host.id))).toEqual([]);
    expect(await stack.db.$count(ciRelations, and(eq(ciRelations.sourceId, keep.id), eq(ciRelations.targetId, app.id)))).toBe(1);
    expect(await stack.db.$count(serviceCis, eq(serviceCis.serviceId, service!.id))).toBe(0);
    expect(await stack.db.$count(contractCis, eq(contractCis.contractId, contract!.id))).toBe(0);

    // Its own history stays readable, ending with what it was.
    const own = await historyOf(host.id);
    expect(own.filter((h) => h.action === 'deleted')).toEqual(
      [
        ['class', 'server'],
        ['name', 'del-host'],
        ['status', 'production'],
        ['criticality', 'medium'],
        ['attributes.os', 'Debian'],
      ].map(([attribute, oldValue]) => ({ at: expect.any(String), actor: expect.any(String), action: 'deleted', attribute, oldValue, newValue: null })),
    );
    // Each CI at the other end of a removed relation records it as unlinked, naming both ends.
    const unlinked = (h: Awaited<ReturnType<typeof historyOf>>) => h.filter((e) => e.action === 'unlinked');
    expect(unlinked(await historyOf(vm.id))).toEqual([
      {
        at: expect.any(String),
        actor: expect.stringMatching(/^configuration_manager-/),
        action: 'unlinked',
        attribute: 'relation:hosts',
        oldValue: { relationId: expect.any(String), source: { id: host.id, name: 'del-host' }, type: 'hosts', target: { id: vm.id, name: 'del-vm' } },
        newValue: null,
      },
    ]);
    expect(unlinked(await historyOf(app.id))).toMatchObject([{ attribute: 'relation:runs_on', oldValue: { source: { id: app.id }, target: { id: host.id } } }]);
    expect(unlinked(await historyOf(keep.id))).toEqual([]);
    expect(unlinked(own).map((h) => h.attribute).sort()).toEqual(['relation:hosts', 'relation:runs_on']);
    // So do the service and the contract that listed it.
    const listed = await stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.action, 'unlinked'));
    expect(listed.filter((h) => h.subjectType !== 'ci').map((h) => [h.subjectType, h.subjectId, h.attribute, h.oldValue])).toEqual(
      expect.arrayContaining([
        ['service', service!.id, 'ci', { id: host.id, class: 'server', name: 'del-host' }],
        ['contract', contract!.id, 'ci', { id: host.id, class: 'server', name: 'del-host' }],
      ]),
    );
  });
});

describe('listing and searching', () => {
  let team: string;
  beforeAll(async () => {
    team = `list-${randomUUID().slice(0, 8)}`;
    expect((await stack.api('POST', `${BASE}/teams`, { body: { name: team } })).status).toBe(201);
    const specs: Record<string, unknown>[] = [
      { class: 'server', name: `${team}-web-01`, criticality: 'high', attributes: { os: 'Debian', location: 'Paris' } },
      { class: 'server', name: `${team}-web-02`, status: 'maintenance', attributes: { os: 'Ubuntu' } },
      { class: 'virtual_machine', name: `${team}-web-10`, criticality: 'high', organizationId: orgId, attributes: { os: 'Debian' } },
      { class: 'database', name: `${team}-db-web`, description: 'Orders database for the web shop', attributes: { engine: 'mysql' } },
      { class: 'application', name: `${team}-mail-01`, status: 'retired', attributes: { vendor: 'Postfix' } },
    ];
    for (const spec of specs) await created({ ...spec, supportTeam: team });
  });
  const list = async (query: string, token = agent) => {
    const res = await stack.api('GET', `${BASE}/cis?supportTeam=${team}&${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.items as { name: string }[]).map((ci) => ci.name.slice(team.length + 1));
  };

  it('lists by name, filtered by class, status, criticality, organization and support team', async () => {
    expect(await list('')).toEqual(['db-web', 'mail-01', 'web-01', 'web-02', 'web-10']);
    expect(await list('class=server')).toEqual(['web-01', 'web-02']);
    expect(await list('class=server,database')).toEqual(['db-web', 'web-01', 'web-02']);
    expect(await list('status=maintenance,retired')).toEqual(['mail-01', 'web-02']);
    expect(await list('criticality=high')).toEqual(['web-01', 'web-10']);
    expect(await list(`organizationId=${orgId}`)).toEqual(['web-10']);
    expect(await list('class=server&criticality=high')).toEqual(['web-01']);
  });

  it('searches names, descriptions and attribute values, and a name’s beginning', async () => {
    expect(await list('q=debian')).toEqual(['web-01', 'web-10']);
    expect(await list('q=paris')).toEqual(['web-01']);
    expect(await list('q=orders shop')).toEqual(['db-web']);
    expect(await list('q=postfix')).toEqual(['mail-01']);
    expect(await list(`q=${team}-web-0`)).toEqual(['web-01', 'web-02']);
    expect(await list(`q=${team.toUpperCase()}-WEB`)).toEqual(['web-01', 'web-02', 'web-10']);
    expect(await list('q=nothing-like-this')).toEqual([]);
    // LIKE's wildcards are taken literally: a lone % or _ is not "anything".
    expect(await list('q=%25')).toEqual([]);
    expect(await list(`q=${team}_web`)).toEqual([]);
  });

  it('pages by name then id without gaps or repeats, and refuses bad filters and cursors', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await stack.api('GET', `${BASE}/cis?supportTeam=${team}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((ci: { name: string }) => ci.name.slice(team.length + 1)));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['db-web', 'mail-01', 'web-01', 'web-02', 'web-10']);

    expectProblem(await stack.api('GET', `${BASE}/cis?status=broken`), 400, 'query.status');
    expectProblem(await stack.api('GET', `${BASE}/cis?class=server,mainframe`), 400, 'query.class');
    expectProblem(await stack.api('GET', `${BASE}/cis?organizationId=acme`), 400, 'query.organizationId');
    expectProblem(await stack.api('GET', `${BASE}/cis?cursor=bogus`), 400, 'query.cursor');
    const forged = Buffer.from(JSON.stringify({ after: JSON.stringify(['web', 'not-a-uuid']) })).toString('base64url');
    expectProblem(await stack.api('GET', `${BASE}/cis?cursor=${forged}`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/cis?colour=red`), 400, 'query.colour');
  });
});
