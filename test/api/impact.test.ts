import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciRelations, cis, contracts, contractServices, organizations, serviceCis, services } from '../../db/schema';
import { RELATION_DEPENDENT_END, RELATION_TYPES, type RelationType } from '../../domain/cmdb';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/**
 * Impact and dependency analysis on the real stack. A small hand-made
 * network, built through the API (CIs through POST /cis, relations through
 * POST /ci-relations), with a cycle, a diamond, a retired CI, services and
 * customer contracts; and a 1,000-CI graph full of cycles inserted directly,
 * checked against a breadth-first search written here.
 */

const BASE = '/api/v1';
let stack: Stack;
let agent: string;
const ci: Record<string, { id: string; name: string }> = {};
const relation: Record<string, string> = {};
const service: Record<string, string> = {};
const org: Record<string, string> = {};
const contract: Record<string, string> = {};

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const ATTRIBUTES: Record<string, object> = { network_device: { deviceType: 'switch' }, database: { engine: 'postgresql' } };

/*
 *   sw ◀─connected_to─ srvA, srvB          srvA ─member_of─▶ cluster (the cluster depends on srvA)
 *   srvA ─hosts─▶ vm1     srvB ─hosts─▶ vm2 (retired)
 *   app1 ─runs_on─▶ vm1, vm2               db1 ─runs_on─▶ vm1
 *   app2 ─runs_on─▶ srvA, app2 ─depends_on─▶ db1   (a short and a long way from srvA: a diamond)
 *   app3 ─depends_on─▶ app1, app3 ⇄ app4 (depends_on both ways: a cycle)
 */
const GRAPH: [string, RelationType, string][] = [
  ['srvA', 'connected_to', 'sw'],
  ['srvB', 'connected_to', 'sw'],
  ['srvA', 'member_of', 'cluster'],
  ['srvA', 'hosts', 'vm1'],
  ['srvB', 'hosts', 'vm2'],
  ['app1', 'runs_on', 'vm1'],
  ['app1', 'runs_on', 'vm2'],
  ['db1', 'runs_on', 'vm1'],
  ['app2', 'runs_on', 'srvA'],
  ['app2', 'depends_on', 'db1'],
  ['app3', 'depends_on', 'app1'],
  ['app3', 'depends_on', 'app4'],
  ['app4', 'depends_on', 'app3'],
];
const CLASSES: Record<string, string> = {
  sw: 'network_device',
  srvA: 'server',
  srvB: 'server',
  cluster: 'generic',
  vm1: 'virtual_machine',
  vm2: 'virtual_machine',
  app1: 'application',
  app2: 'application',
  app3: 'application',
  app4: 'application',
  db1: 'database',
  lone: 'server',
};

beforeAll(async () => {
  stack = await startStack();
  agent = (await stack.user(['agent'])).token;
  for (const [key, cls] of Object.entries(CLASSES)) {
    const body = { class: cls, name: `${key}-impact`, status: key === 'vm2' ? 'retired' : 'production', attributes: ATTRIBUTES[cls] ?? {} };
    const res = await stack.api('POST', `${BASE}/cis`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ci[key] = { id: res.body.id, name: res.body.name };
  }
  for (const [s, type, t] of GRAPH) {
    const res = await stack.api('POST', `${BASE}/ci-relations`, { body: { sourceId: ci[s]!.id, type, targetId: ci[t]!.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    relation[`${s} ${type} ${t}`] = res.body.id;
  }

  // Services and contracts straight into their tables: this suite is about what impact analysis makes of them.
  const svc = await stack.db
    .insert(services)
    .values([
      { name: 'CRM', criticality: 'high' },
      { name: 'Reporting', criticality: 'medium' },
      { name: 'Intranet', criticality: 'low' },
    ])
    .returning({ id: services.id, name: services.name });
  for (const s of svc) service[s.name] = s.id;
  await stack.db.insert(serviceCis).values([
    { serviceId: service.CRM!, ciId: ci.app3!.id },
    { serviceId: service.CRM!, ciId: ci.app4!.id },
    { serviceId: service.Reporting!, ciId: ci.db1!.id },
    { serviceId: service.Intranet!, ciId: ci.lone!.id },
  ]);
  const orgs = await stack.db
    .insert(organizations)
    .values(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'].map((name) => ({ name })))
    .returning({ id: organizations.id, name: organizations.name });
  for (const o of orgs) org[o.name] = o.id;
  const made = await stack.db
    .insert(contracts)
    .values([
      { name: 'Acme CRM', kind: 'customer', organizationId: org.Acme!, startsOn: '2020-01-01' },
      { name: 'Acme reports', kind: 'customer', organizationId: org.Acme!, startsOn: '2020-01-01', endsOn: '2999-12-31' },
      { name: 'Globex old', kind: 'customer', organizationId: org.Globex!, startsOn: '2020-01-01', active: false },
      { name: 'Initech ended', kind: 'customer', organizationId: org.Initech!, startsOn: '2020-01-01', endsOn: '2021-01-01' },
      { name: 'Umbrella supply', kind: 'provider', organizationId: org.Umbrella!, startsOn: '2020-01-01' },
      { name: 'Hooli future', kind: 'customer', organizationId: org.Hooli!, startsOn: '2999-01-01' },
    ])
    .returning({ id: contracts.id, name: contracts.name });
  for (const c of made) contract[c.name] = c.id;
  await stack.db.insert(contractServices).values([
    { contractId: contract['Acme CRM']!, serviceId: service.CRM! },
    { contractId: contract['Acme reports']!, serviceId: service.Reporting! },
    { contractId: contract['Globex old']!, serviceId: service.CRM! },
    { contractId: contract['Initech ended']!, serviceId: service.CRM! },
    { contractId: contract['Umbrella supply']!, serviceId: service.CRM! },
    { contractId: contract['Hooli future']!, serviceId: service.Reporting! },
    { contractId: contract['Acme CRM']!, serviceId: service.Intranet! },
  ]);
});
afterAll(() => stack?.stop());

const analyse = (kind: 'impact' | 'dependencies', key: string, query = '', token = agent) => stack.api('GET', `${BASE}/cis/${ci[key]!.id}/${kind}${query}`, { token });
/** Items as "name@depth", the way the expectations below read. */
const reached = (res: ApiResponse) => (res.body.items as { name: string; depth: number }[]).map((i) => `${i.name.replace('-impact', '')}@${i.depth}`);
const item = (res: ApiResponse, key: string) => (res.body.items as { id: string }[]).find((i) => i.id === ci[key]!.id) as any;
/** A path as "relationType>name" steps. */
const steps = (path: { relationType: string; relationId: string; ci: { name: string } }[]) => path.map((s) => `${s.relationType}>${s.ci.name.replace('-impact', '')}`);

describe('impact analysis', () => {
  it('lists every CI that depends on the root, each once at its smallest depth, nearest first, through cycles', async () => {
    const res = await analyse('impact', 'sw');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.root).toEqual({ id: ci.sw!.id, name: ci.sw!.name, class: 'network_device', status: 'production', criticality: 'medium' });
    expect(res.body).toMatchObject({ depth: 6, types: RELATION_TYPES, total: 10, truncated: false });
    expect(reached(res)).toEqual(['srvA@1', 'srvB@1', 'app2@2', 'cluster@2', 'vm1@2', 'vm2@2', 'app1@3', 'db1@3', 'app3@4', 'app4@5']);
    const app4 = item(res, 'app4');
    expect(app4).toMatchObject({ class: 'application', status: 'production', criticality: 'medium', depth: 5 });
    expect(app4.path.map((s: { ci: { id: string } }) => s.ci.id).at(-1)).toBe(ci.app4!.id);
    expect(steps(app4.path).slice(-2)).toEqual(['depends_on>app3', 'depends_on>app4']);
    expect(app4.path.at(-1).relationId).toBe(relation['app4 depends_on app3']);
  });

  it('takes the shortest way through a diamond', async () => {
    const res = await analyse('impact', 'srvA');
    // app2 runs on srvA (1 hop) and depends on db1, which runs on vm1, which srvA hosts (3 hops).
    expect(steps(item(res, 'app2').path)).toEqual(['runs_on>app2']);
    expect(steps(item(res, 'db1').path)).toEqual(['hosts>vm1', 'runs_on>db1']);
    expect(item(res, 'app2').path[0].relationId).toBe(relation['app2 runs_on srvA']);
    // member_of: the cluster depends on its member.
    expect(steps(item(res, 'cluster').path)).toEqual(['member_of>cluster']);
    // From the switch, app1 is three hops away by either server: one path, of three steps, that is real.
    const fromSwitch = await analyse('impact', 'sw');
    const app1 = steps(item(fromSwitch, 'app1').path);
    expect([
      ['connected_to>srvA', 'hosts>vm1', 'runs_on>app1'],
      ['connected_to>srvB', 'hosts>vm2', 'runs_on>app1'],
    ]).toContainEqual(app1);
  });

  it('includes retired CIs, marked by their status, and goes on through them', async () => {
    const res = await analyse('impact', 'srvB');
    expect(item(res, 'vm2')).toMatchObject({ status: 'retired', depth: 1 });
    expect(reached(res)).toEqual(['vm2@1', 'app1@2', 'app3@3', 'app4@4']);
  });

  it('stops at the depth limit and follows only the types asked for', async () => {
    expect(reached(await analyse('impact', 'sw', '?depth=1'))).toEqual(['srvA@1', 'srvB@1']);
    const two = await analyse('impact', 'sw', '?depth=2');
    expect(reached(two)).toEqual(['srvA@1', 'srvB@1', 'app2@2', 'cluster@2', 'vm1@2', 'vm2@2']);
    expect(two.body.depth).toBe(2);

    const typed = await analyse('impact', 'sw', '?types=connected_to,hosts');
    expect(typed.body.types).toEqual(['connected_to', 'hosts']);
    expect(reached(typed)).toEqual(['srvA@1', 'srvB@1', 'vm1@2', 'vm2@2']);
    // Without runs_on nothing runs on vm1, so neither db1 nor app2 (which runs on srvA) is reached.
    expect(reached(await analyse('impact', 'srvA', '?types=hosts,depends_on'))).toEqual(['vm1@1']);
    expect(reached(await analyse('impact', 'db1', '?types=depends_on'))).toEqual(['app2@1']);
  });

  it('lists the nearest CIs first up to the limit, and counts them all', async () => {
    const res = await analyse('impact', 'sw', '?limit=3');
    expect(res.body).toMatchObject({ total: 10, truncated: true });
    expect(reached(res)).toEqual(['srvA@1', 'srvB@1', 'app2@2']);
    // Services are found among all the CIs reached, with whole paths to CIs past the limit.
    expect(res.body.services.map((s: { name: string }) => s.name)).toEqual(['Reporting', 'CRM']);
    expect(steps(res.body.services[0].through.path)).toEqual(['connected_to>srvA', 'hosts>vm1', 'runs_on>db1']);
    expect(res.body.services[1].through.path.map((s: { ci: { name: string } }) => s.ci.name).at(-1)).toBe(ci.app3!.name);
    expect(res.body.customers.map((c: { name: string }) => c.name)).toEqual(['Acme']);
  });

  it('names the services hit, each through its nearest impacted CI, and the customers whose contracts in force cover them', async () => {
    const res = await analyse('impact', 'sw');
    expect(res.body.services.map((s: { name: string }) => s.name)).toEqual(['Reporting', 'CRM']);
    const [reporting, crm] = res.body.services;
    expect(reporting).toMatchObject({ id: service.Reporting, status: 'production', criticality: 'medium', through: { id: ci.db1!.id, depth: 3 } });
    expect(steps(reporting.through.path)).toEqual(['connected_to>srvA', 'hosts>vm1', 'runs_on>db1']);
    // CRM lists app3 and app4; app3 is the nearer.
    expect(crm).toMatchObject({ id: service.CRM, criticality: 'high', through: { id: ci.app3!.id, depth: 4 } });
    expect(crm.through.path).toHaveLength(4);
    // Not Globex (inactive), Initech (ended), Umbrella (a provider), Hooli (not started yet).
    expect(res.body.customers).toEqual([
      {
        id: org.Acme,
        name: 'Acme',
        coverage: [
          { contract: { id: contract['Acme CRM'], name: 'Acme CRM' }, service: { id: service.CRM, name: 'CRM' } },
          { contract: { id: contract['Acme reports'], name: 'Acme reports' }, service: { id: service.Reporting, name: 'Reporting' } },
        ],
      },
    ]);
  });

  it('counts the root’s own services, through the root at depth 0', async () => {
    const res = await analyse('impact', 'app3');
    expect(reached(res)).toEqual(['app4@1']);
    expect(res.body.services).toEqual([expect.objectContaining({ name: 'CRM', through: expect.objectContaining({ id: ci.app3!.id, depth: 0, path: [] }) })]);
    expect(res.body.customers.map((c: { name: string }) => c.name)).toEqual(['Acme']);
    // The same root named in capitals is the same CI: the cycle through app4 does not bring it back.
    const upper = await stack.api('GET', `${BASE}/cis/${ci.app3!.id.toUpperCase()}/impact`, { token: agent });
    expect(upper.body.root.id).toBe(ci.app3!.id);
    expect(reached(upper)).toEqual(['app4@1']);
    const alone = await analyse('impact', 'vm2', '?types=hosts');
    expect(alone.body).toMatchObject({ total: 0, items: [], services: [], customers: [] });
  });
});

describe('dependency analysis', () => {
  it('lists what the root needs, transitively, with a shortest path to each and no services', async () => {
    const res = await analyse('dependencies', 'app2');
    expect(res.status).toBe(200);
    expect(reached(res)).toEqual(['db1@1', 'srvA@1', 'sw@2', 'vm1@2']);
    expect(steps(item(res, 'vm1').path)).toEqual(['depends_on>db1', 'runs_on>vm1']);
    expect(steps(item(res, 'sw').path)).toEqual(['runs_on>srvA', 'connected_to>sw']);
    expect(res.body).not.toHaveProperty('services');
    expect(res.body).not.toHaveProperty('customers');

    // Through the cycle app3 ⇄ app4, and the member_of the other way round: the cluster needs its member.
    expect(reached(await analyse('dependencies', 'app3', '?depth=3'))).toEqual(['app1@1', 'app4@1', 'vm1@2', 'vm2@2', 'srvA@3', 'srvB@3']);
    expect(reached(await analyse('dependencies', 'cluster'))).toEqual(['srvA@1', 'sw@2']);
    expect(reached(await analyse('dependencies', 'app3', '?types=depends_on'))).toEqual(['app1@1', 'app4@1']);
  });
});

describe('bad requests and roles', () => {
  it('refuses bad parameters with a 400 naming them, and an unknown CI with a 404', async () => {
    for (const kind of ['impact', 'dependencies'] as const) {
      const types = await analyse(kind, 'sw', '?types=runs_on,powers');
      expectProblem(types, 400, 'query.types');
      expect(types.body.detail).toMatch(/powers/);
      expectProblem(await analyse(kind, 'sw', '?depth=0'), 400, 'query.depth');
      expectProblem(await analyse(kind, 'sw', '?depth=21'), 400, 'query.depth');
      expectProblem(await analyse(kind, 'sw', '?depth=two'), 400, 'query.depth');
      expectProblem(await analyse(kind, 'sw', '?limit=10001'), 400, 'query.limit');
      expectProblem(await analyse(kind, 'sw', '?direction=up'), 400, 'query.direction');
      expectProblem(await stack.api('GET', `${BASE}/cis/nope/${kind}`, { token: agent }), 400, 'param.id');
      expectProblem(await stack.api('GET', `${BASE}/cis/${randomUUID()}/${kind}`, { token: agent }), 404);
    }
  });

  it('answers staff, configuration and service managers; refuses end users and anonymous callers', async () => {
    for (const roles of [['configuration_manager'], ['service_manager'], ['problem_manager']] as const) {
      const { token } = await stack.user([...roles]);
      expect((await analyse('impact', 'sw', '', token)).status).toBe(200);
      expect((await analyse('dependencies', 'sw', '', token)).status).toBe(200);
    }
    const { token } = await stack.user(['end_user']);
    expectProblem(await analyse('impact', 'sw', '', token), 403);
    expectProblem(await analyse('dependencies', 'sw', '', token), 403);
    expectProblem(await stack.api('GET', `${BASE}/cis/${ci.sw!.id}/impact`, { token: null }), 401);
  });
});

describe('a large graph full of cycles', () => {
  it('answers at depth 20 with the same CIs and depths as a breadth-first search, each path real and shortest', async () => {
    // A seeded LCG: the same graph every run.
    let state = 42;
    const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    const ids: string[] = Array.from({ length: 1_000 }, () => randomUUID());
    await stack.db.insert(cis).values(ids.map((id, i) => ({ id, class: 'generic', name: `mesh-${String(i).padStart(4, '0')}`, status: 'production', criticality: 'low' })));
    const edges = new Map<string, { sourceId: string; type: RelationType; targetId: string }>();
    while (edges.size < 4_000) {
      const [s, t] = [ids[Math.floor(random() * ids.length)]!, ids[Math.floor(random() * ids.length)]!];
      const type = RELATION_TYPES[Math.floor(random() * RELATION_TYPES.length)]!;
      if (s !== t) edges.set(`${s} ${type} ${t}`, { sourceId: s, type, targetId: t });
    }
    const rows = [...edges.values()].map((e) => ({ ...e, createdBy: 'test' }));
    const inserted = await stack.db.insert(ciRelations).values(rows).returning({ id: ciRelations.id, sourceId: ciRelations.sourceId, type: ciRelations.type, targetId: ciRelations.targetId });

    // The reference: dependents of each CI, and a plain breadth-first search over them.
    const dependents = new Map<string, { to: string; id: string; type: string }[]>();
    for (const r of inserted) {
      const [provider, dependent] = RELATION_DEPENDENT_END[r.type as RelationType] === 'source' ? [r.targetId, r.sourceId] : [r.sourceId, r.targetId];
      dependents.set(provider, [...(dependents.get(provider) ?? []), { to: dependent, id: r.id, type: r.type }]);
    }
    const root = ids[0]!;
    const depthOf = new Map([[root, 0]]);
    for (let frontier = [root], depth = 1; frontier.length && depth <= 20; depth++) {
      const next: string[] = [];
      for (const at of frontier) {
        for (const { to } of dependents.get(at) ?? []) {
          if (depthOf.has(to)) continue;
          depthOf.set(to, depth);
          next.push(to);
        }
      }
      frontier = next;
    }

    const started = Date.now();
    const res = await stack.api('GET', `${BASE}/cis/${root}/impact?depth=20&limit=10000`, { token: agent });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(res.body.total).toBe(depthOf.size - 1);
    expect(res.body.total).toBeGreaterThan(900);
    const items = res.body.items as { id: string; depth: number; path: { relationId: string; ci: { id: string } }[] }[];
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    const byRelation = new Map(inserted.map((r) => [r.id, r]));
    for (const i of items) {
      expect(i.depth).toBe(depthOf.get(i.id));
      expect(i.path).toHaveLength(i.depth);
      // Each step is a relation whose provider is the previous CI and whose dependent is the step's CI.
      let at = root;
      for (const step of i.path) {
        expect(dependents.get(at)!.some((d) => d.id === step.relationId && d.to === step.ci.id), `${at} → ${step.ci.id}`).toBe(true);
        expect(byRelation.has(step.relationId)).toBe(true);
        at = step.ci.id;
      }
      expect(at).toBe(i.id);
    }

    // The other way, every CI at most 20 hops away too, and answered.
    const back = await stack.api('GET', `${BASE}/cis/${root}/dependencies?depth=20&limit=10000`, { token: agent });
    expect(back.status).toBe(200);
    expect(back.body.total).toBeGreaterThan(900);
  });
});
