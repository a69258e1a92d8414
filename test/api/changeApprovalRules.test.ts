import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRulesFor } from '../../db/changeRules';
import { changeApprovalRules, cis, cmdbHistory, services, teams } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/**
 * Change approval rules through the API, and approvalRulesFor (what the
 * change workflow asks) over the rules so written, on the real stack.
 */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'approver' | 'serviceManager' | 'changeManager', { email: string; token: string }>;

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    approver: await stack.user(['approver']),
    serviceManager: await stack.user(['service_manager']),
    changeManager: await stack.user(['change_manager']),
  };
  // Straight into the tables: the team and service routes are tested on their own.
  await stack.db.insert(teams).values(['ops', 'ops-2', 'ops-3', 'z-dba', 'a-net', 'm-payroll'].map((name) => ({ name })));
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const newService = async (name: string) => (await stack.db.insert(services).values({ name, criticality: 'high' }).returning({ id: services.id }))[0]!.id;
const newRule = async (body: Record<string, unknown>) => {
  const res = await stack.api('POST', `${BASE}/change-approval-rules`, { token: people.changeManager.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};
const remove = (id: string) => stack.api('DELETE', `${BASE}/change-approval-rules/${id}`);
const history = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/change-approval-rules/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};
const ruleCount = async () => (await stack.db.select({ n: count() }).from(changeApprovalRules))[0]!.n;
const historyCount = async () => (await stack.db.select({ n: count() }).from(cmdbHistory).where(eq(cmdbHistory.subjectType, 'change_approval_rule')))[0]!.n;

// The routes' tests keep to these classes and to their own services: approvalRulesFor's below match on the others.
describe('change approval rules', () => {
  it('creates, reads, changes and deletes a rule, recording each change', async () => {
    const created = await stack.api('POST', `${BASE}/change-approval-rules`, {
      token: people.changeManager.token,
      body: { ciClass: 'virtual_machine', team: ' ops ', rule: { kind: 'quorum', count: 2 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toEqual({ id, ciClass: 'virtual_machine', serviceId: null, team: 'ops', rule: { kind: 'quorum', count: 2 }, createdAt: expect.any(String) });
    expect(await stack.api('GET', `${BASE}/change-approval-rules/${id}`, { token: people.agent.token })).toMatchObject({ status: 200, body: created.body });

    const stricter = await stack.api('PATCH', `${BASE}/change-approval-rules/${id}`, { token: people.changeManager.token, body: { rule: { kind: 'all' } } });
    expect(stricter.status, JSON.stringify(stricter.body)).toBe(200);
    expect(stricter.body).toEqual({ ...created.body, rule: { kind: 'all' } });
    // The same team again records nothing; a new one does.
    const moved = await stack.api('PATCH', `${BASE}/change-approval-rules/${id}`, { token: people.changeManager.token, body: { team: 'ops-2', rule: { kind: 'all' } } });
    expect(moved.body).toMatchObject({ team: 'ops-2', rule: { kind: 'all' }, ciClass: 'virtual_machine' });

    expect((await remove(id)).status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules/${id}`), 404);
    expectProblem(await remove(id), 404);

    const actor = people.changeManager.email;
    const snapshot = { ciClass: 'virtual_machine', serviceId: null, team: 'ops', rule: { kind: 'quorum', count: 2 } };
    expect(await history(id)).toEqual([
      { at: expect.any(String), actor, action: 'created', attribute: null, oldValue: null, newValue: snapshot },
      { at: expect.any(String), actor, action: 'updated', attribute: 'rule', oldValue: { kind: 'quorum', count: 2 }, newValue: { kind: 'all' } },
      { at: expect.any(String), actor, action: 'updated', attribute: 'team', oldValue: 'ops', newValue: 'ops-2' },
      { at: expect.any(String), actor: expect.stringMatching(/@/), action: 'deleted', attribute: null, oldValue: { ...snapshot, team: 'ops-2', rule: { kind: 'all' } }, newValue: null },
    ]);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules/${UNKNOWN}/history`), 404);
  });

  it('makes a rule about a service, named in any case', async () => {
    const service = await newService('Rules: mail');
    const created = await newRule({ serviceId: service.toUpperCase(), team: 'ops', rule: { kind: 'any' } });
    expect(created).toMatchObject({ ciClass: null, serviceId: service, team: 'ops', rule: { kind: 'any' } });
    expect((await history(created.id))[0]).toMatchObject({ action: 'created', newValue: { ciClass: null, serviceId: service, team: 'ops', rule: { kind: 'any' } } });
    expect((await remove(created.id)).status).toBe(204);
  });

  it('lets change managers and admins write, staff read, and nobody else either', async () => {
    const made = await newRule({ ciClass: 'generic', team: 'ops', rule: { kind: 'any' } });
    const body = { ciClass: 'generic', team: 'ops-2', rule: { kind: 'any' } };
    for (const who of ['endUser', 'agent', 'approver', 'serviceManager'] as const) {
      const { token } = people[who];
      expectProblem(await stack.api('POST', `${BASE}/change-approval-rules`, { token, body }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/change-approval-rules/${made.id}`, { token, body: { rule: { kind: 'all' } } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/change-approval-rules/${made.id}`, { token }), 403);
    }
    for (const who of ['agent', 'approver', 'serviceManager', 'changeManager'] as const) {
      const { token } = people[who];
      expect((await stack.api('GET', `${BASE}/change-approval-rules/${made.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/change-approval-rules`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/change-approval-rules/${made.id}/history`, { token })).status).toBe(200);
    }
    const { token } = people.endUser;
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules/${made.id}`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules/${made.id}/history`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules`, { token: null }), 401);
    // Nothing the refused roles sent was written; admins (stack.api's default) write.
    expect((await stack.api('GET', `${BASE}/change-approval-rules/${made.id}`)).body.rule).toEqual({ kind: 'any' });
    expect((await stack.api('PATCH', `${BASE}/change-approval-rules/${made.id}`, { body: { rule: { kind: 'all' } } })).body.rule).toEqual({ kind: 'all' });
    const fromAdmin = await stack.api('POST', `${BASE}/change-approval-rules`, { body });
    expect(fromAdmin.status).toBe(201);
    expect((await remove(fromAdmin.body.id)).status).toBe(204);
    expect((await remove(made.id)).status).toBe(204);
  });

  it('refuses a second rule for the same subject and team (409), and unknown teams and services (422 naming them), writing nothing', async () => {
    const service = await newService('Rules: web');
    const byClass = await newRule({ ciClass: 'generic', team: 'ops', rule: { kind: 'any' } });
    const byService = await newRule({ serviceId: service, team: 'ops', rule: { kind: 'any' } });
    const other = await newRule({ ciClass: 'generic', team: 'ops-2', rule: { kind: 'any' } });
    const [rulesBefore, historyBefore] = [await ruleCount(), await historyCount()];
    const post = (body: Record<string, unknown>) => stack.api('POST', `${BASE}/change-approval-rules`, { token: people.changeManager.token, body: { rule: { kind: 'all' }, ...body } });
    const patch = (id: string, body: Record<string, unknown>) => stack.api('PATCH', `${BASE}/change-approval-rules/${id}`, { token: people.changeManager.token, body });

    expectProblem(await post({ ciClass: 'generic', team: 'ops' }), 409);
    expectProblem(await post({ serviceId: service, team: 'ops' }), 409);
    expectProblem(await post({ serviceId: service.toUpperCase(), team: 'ops' }), 409);
    expectProblem(await patch(other.id, { team: 'ops', rule: { kind: 'all' } }), 409);
    expectProblem(await post({ ciClass: 'generic', team: 'nobody' }), 422, 'team');
    expectProblem(await post({ serviceId: UNKNOWN, team: 'ops-3' }), 422, 'serviceId');
    expectProblem(await patch(byClass.id, { team: 'nobody' }), 422, 'team');
    expectProblem(await patch(UNKNOWN, { team: 'ops' }), 404);

    expect(await ruleCount()).toBe(rulesBefore);
    expect(await historyCount()).toBe(historyBefore);
    expect((await stack.api('GET', `${BASE}/change-approval-rules/${other.id}`)).body).toMatchObject({ team: 'ops-2', rule: { kind: 'any' } });

    // The same team for another subject, or another team for the same one, is a rule of its own.
    const sameTeamOtherClass = await newRule({ ciClass: 'business_service_component', team: 'ops', rule: { kind: 'any' } });
    const otherTeamSameService = await newRule({ serviceId: service, team: 'ops-2', rule: { kind: 'any' } });
    for (const r of [byClass, byService, other, sameTeamOtherClass, otherTeamSameService]) expect((await remove(r.id)).status).toBe(204);
  });

  it('refuses malformed input with a 400 naming the field', async () => {
    const post = (body: Record<string, unknown>) => stack.api('POST', `${BASE}/change-approval-rules`, { token: people.changeManager.token, body });
    const rule = { kind: 'any' };
    const service = await newService('Rules: bad input');
    // Exactly one subject: neither and both name both fields.
    for (const body of [{ team: 'ops', rule }, { ciClass: 'generic', serviceId: service, team: 'ops', rule }]) {
      const res = await post(body);
      expectProblem(res, 400, 'ciClass');
      expectProblem(res, 400, 'serviceId');
    }
    expectProblem(await post({ ciClass: 'mainframe', team: 'ops', rule }), 400, 'ciClass');
    expectProblem(await post({ serviceId: 'not-a-uuid', team: 'ops', rule }), 400, 'serviceId');
    expectProblem(await post({ ciClass: 'generic', team: '', rule }), 400, 'team');
    expectProblem(await post({ ciClass: 'generic', team: 'x'.repeat(121), rule }), 400, 'team');
    expectProblem(await post({ ciClass: 'generic', team: 'ops' }), 400, 'rule');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'most' } }), 400, 'rule.kind');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'quorum' } }), 400, 'rule.count');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'quorum', count: 0 } }), 400, 'rule.count');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'quorum', count: 2.5 } }), 400, 'rule.count');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'quorum', count: 101 } }), 400, 'rule.count');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule: { kind: 'any', count: 2 } }), 400, 'rule.count');
    expectProblem(await post({ ciClass: 'generic', team: 'ops', rule, colour: 'blue' }), 400, 'colour');

    const made = await newRule({ ciClass: 'generic', team: 'ops', rule });
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/change-approval-rules/${made.id}`, { body });
    expectProblem(await patch({}), 400);
    // The subject is what the rule is: it does not move (a new rule does).
    expectProblem(await patch({ ciClass: 'server' }), 400, 'ciClass');
    expectProblem(await patch({ serviceId: service }), 400, 'serviceId');
    expectProblem(await patch({ rule: { kind: 'quorum', count: -1 } }), 400, 'rule.count');
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules/not-an-id`), 400);
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules?ciClass=mainframe`), 400, 'query.ciClass');
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules?serviceId=x`), 400, 'query.serviceId');
    expectProblem(await stack.api('GET', `${BASE}/change-approval-rules?cursor=nonsense`), 400, 'query.cursor');
    expect((await stack.api('GET', `${BASE}/change-approval-rules/${made.id}`)).body).toMatchObject({ ciClass: 'generic', rule });
    expect((await remove(made.id)).status).toBe(204);
  });

  it('lists oldest first, filters by class, service and team, and pages', async () => {
    const service = await newService('Rules: list');
    const made = [
      await newRule({ ciClass: 'business_service_component', team: 'ops', rule: { kind: 'any' } }),
      await newRule({ serviceId: service, team: 'ops', rule: { kind: 'all' } }),
      await newRule({ ciClass: 'business_service_component', team: 'ops-2', rule: { kind: 'quorum', count: 3 } }),
      await newRule({ serviceId: service, team: 'ops-3', rule: { kind: 'any' } }),
    ].map((r) => r.id);
    const list = async (query: string) => {
      const res = await stack.api('GET', `${BASE}/change-approval-rules?${query}`, { token: people.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: { id: string }[]; nextCursor: string | null };
    };
    const idsOf = (page: { items: { id: string }[] }) => page.items.map((r) => r.id);
    expect(idsOf(await list('ciClass=business_service_component'))).toEqual([made[0], made[2]]);
    expect(idsOf(await list(`serviceId=${service}`))).toEqual([made[1], made[3]]);
    expect(idsOf(await list('team=ops'))).toEqual([made[0], made[1]]);
    expect(idsOf(await list(`team=ops&serviceId=${service}`))).toEqual([made[1]]);
    expect(idsOf(await list('team=nobody'))).toEqual([]);

    // Rules made in one transaction share a creation instant: the id orders them, and pages neither skip nor repeat.
    await stack.db.insert(changeApprovalRules).values(['ops', 'ops-2', 'ops-3'].map((team) => ({ ciClass: 'virtual_machine', team, rule: { kind: 'any' as const } })));
    const together = idsOf(await list('ciClass=virtual_machine'));
    expect(together).toEqual([...together].sort());
    for (const limit of [1, 2]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...idsOf(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(idsOf(await list('limit=100')));
      expect(seen).toEqual(expect.arrayContaining([...made, ...together]));
    }
    // A page goes on after the rule it ended at is deleted.
    const first = await list('limit=1');
    await remove(first.items[0]!.id);
    expect(idsOf(await list(`limit=100&cursor=${first.nextCursor}`))).toEqual(idsOf(await list('limit=100')));
    await stack.db.delete(changeApprovalRules);
  });
});

describe('approvalRulesFor', () => {
  const ci: Record<'db1' | 'db2' | 'srv' | 'switch' | 'app', string> = {} as never;
  let payroll: string;
  let mail: string;

  beforeAll(async () => {
    const classes = { db1: 'database', db2: 'database', srv: 'server', switch: 'network_device', app: 'application' } as const;
    const made = await stack.db
      .insert(cis)
      .values(Object.entries(classes).map(([name, cls]) => ({ class: cls, name: `${name}-rules`, status: 'production', criticality: 'high' })))
      .returning({ id: cis.id, name: cis.name });
    for (const row of made) ci[row.name.replace('-rules', '') as keyof typeof ci] = row.id;
    payroll = await newService('Payroll');
    mail = await newService('Mail');
    // Through the API, as change managers keep them.
    for (const body of [
      { ciClass: 'database', team: 'z-dba', rule: { kind: 'any' } },
      { ciClass: 'server', team: 'z-dba', rule: { kind: 'quorum', count: 2 } },
      { serviceId: payroll, team: 'z-dba', rule: { kind: 'quorum', count: 3 } },
      { ciClass: 'network_device', team: 'z-dba', rule: { kind: 'all' } },
      { ciClass: 'network_device', team: 'a-net', rule: { kind: 'quorum', count: 2 } },
      { serviceId: payroll, team: 'm-payroll', rule: { kind: 'any' } },
      { ciClass: 'database', team: 'm-payroll', rule: { kind: 'quorum', count: 1 } },
    ]) {
      await newRule(body);
    }
  });

  it('matches the classes of the CIs, once per class however many CIs have it', async () => {
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.db1], serviceIds: [] })).toEqual([
      { team: 'm-payroll', rule: { kind: 'quorum', count: 1 }, because: ['class database'] },
      { team: 'z-dba', rule: { kind: 'any' }, because: ['class database'] },
    ]);
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.db1, ci.db2.toUpperCase()], serviceIds: [] })).toEqual(await approvalRulesFor(stack.db, { ciIds: [ci.db1], serviceIds: [] }));
  });

  it('matches services, naming them', async () => {
    expect(await approvalRulesFor(stack.db, { ciIds: [], serviceIds: [payroll] })).toEqual([
      { team: 'm-payroll', rule: { kind: 'any' }, because: ['service Payroll'] },
      { team: 'z-dba', rule: { kind: 'quorum', count: 3 }, because: ['service Payroll'] },
    ]);
  });

  it('merges the rules of a team into the strictest: all, then the higher quorum, then any', async () => {
    // z-dba: any (database), quorum 2 (server) → quorum 2; with Payroll's quorum 3 → 3; with network_device's all → all.
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.db1, ci.srv], serviceIds: [] })).toContainEqual({ team: 'z-dba', rule: { kind: 'quorum', count: 2 }, because: ['class database', 'class server'] });
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.srv, ci.db2], serviceIds: [payroll] })).toContainEqual({
      team: 'z-dba',
      rule: { kind: 'quorum', count: 3 },
      because: ['class database', 'class server', 'service Payroll'],
    });
    // m-payroll: a quorum of one still asks more than any.
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.db1], serviceIds: [payroll] })).toContainEqual({
      team: 'm-payroll',
      rule: { kind: 'quorum', count: 1 },
      because: ['class database', 'service Payroll'],
    });
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.switch, ci.db1, ci.srv], serviceIds: [payroll] })).toEqual([
      { team: 'a-net', rule: { kind: 'quorum', count: 2 }, because: ['class network_device'] },
      { team: 'm-payroll', rule: { kind: 'quorum', count: 1 }, because: ['class database', 'service Payroll'] },
      { team: 'z-dba', rule: { kind: 'all' }, because: ['class database', 'class network_device', 'class server', 'service Payroll'] },
    ]);
  });

  it('answers nothing when no rule matches', async () => {
    expect(await approvalRulesFor(stack.db, { ciIds: [], serviceIds: [] })).toEqual([]);
    expect(await approvalRulesFor(stack.db, { ciIds: [ci.app], serviceIds: [mail] })).toEqual([]);
    expect(await approvalRulesFor(stack.db, { ciIds: [UNKNOWN], serviceIds: [UNKNOWN] })).toEqual([]);
  });

  it('sorts by team whatever the order of the rules and the ids', async () => {
    // The rules were made z-dba first, a-net after, m-payroll last.
    const teamsOf = async (ciIds: string[], serviceIds: string[]) => (await approvalRulesFor(stack.db, { ciIds, serviceIds })).map((r) => r.team);
    expect(await teamsOf([ci.switch, ci.db1], [])).toEqual(['a-net', 'm-payroll', 'z-dba']);
    expect(await teamsOf([ci.db1, ci.switch], [payroll])).toEqual(['a-net', 'm-payroll', 'z-dba']);
    expect(await teamsOf([ci.switch], [])).toEqual(['a-net', 'z-dba']);
  });
});
