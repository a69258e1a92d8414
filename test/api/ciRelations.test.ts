import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdbHistory } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Relations between CIs through the API, on the real stack: creation, listing, removal, roles and history under both ends. */

const BASE = '/api/v1';
let stack: Stack;
let manager: { email: string; token: string };
let agent: string;
let endUser: string;
let serviceManager: string;

beforeAll(async () => {
  stack = await startStack();
  manager = await stack.user(['configuration_manager']);
  agent = (await stack.user(['agent'])).token;
  endUser = (await stack.user(['end_user'])).token;
  serviceManager = (await stack.user(['service_manager'])).token;
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const ATTRIBUTES: Record<string, object> = { network_device: { deviceType: 'switch' }, database: { engine: 'postgresql' } };
/** A CI through the CI API, named uniquely so tests do not collide. */
async function ci(name: string, cls = 'server') {
  const res = await stack.api('POST', `${BASE}/cis`, { body: { class: cls, name: `${name}-${randomUUID().slice(0, 6)}`, attributes: ATTRIBUTES[cls] ?? {} } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; class: string };
}
const relate = (sourceId: string, type: string, targetId: string, token = manager.token) =>
  stack.api('POST', `${BASE}/ci-relations`, { token, body: { sourceId, type, targetId } });
async function related(sourceId: string, type: string, targetId: string) {
  const res = await relate(sourceId, type, targetId);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const relationHistory = (ciId: string) =>
  stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, ciId)).then((rows) => rows.filter((r) => r.attribute?.startsWith('relation:')));

describe('relating two CIs', () => {
  it('creates the relation with both ends named and the dependent end computed from the type', async () => {
    const app = await ci('crm', 'application');
    const vm = await ci('crm-vm', 'virtual_machine');
    const host = await ci('esx');
    const runsOn = await relate(app.id, 'runs_on', vm.id);
    expect(runsOn.status).toBe(201);
    expect(runsOn.body).toEqual({
      id: expect.any(String),
      source: { id: app.id, name: app.name, class: 'application' },
      type: 'runs_on',
      target: { id: vm.id, name: vm.name, class: 'virtual_machine' },
      dependentId: app.id,
      providerId: vm.id,
      createdAt: expect.any(String),
      createdBy: manager.email,
    });
    expect(Date.now() - Date.parse(runsOn.body.createdAt)).toBeLessThan(60_000);
    // "host hosts vm": the target depends on the source.
    expect(await related(host.id, 'hosts', vm.id)).toMatchObject({ dependentId: vm.id, providerId: host.id });
    const got = await stack.api('GET', `${BASE}/ci-relations/${runsOn.body.id}`, { token: agent });
    expect(got).toMatchObject({ status: 200, body: runsOn.body });
  });

  it('records the relation as linked under both CIs, naming the relation and the other end', async () => {
    const app = await ci('billing', 'application');
    const db = await ci('billing-db', 'database');
    const relation = await related(app.id, 'depends_on', db.id);
    const value = { relationId: relation.id, source: { id: app.id, name: app.name }, type: 'depends_on', target: { id: db.id, name: db.name } };
    for (const end of [app.id, db.id]) {
      const rows = await relationHistory(end);
      expect(rows).toEqual([
        expect.objectContaining({ subjectType: 'ci', subjectId: end, actor: manager.email, action: 'linked', attribute: 'relation:depends_on', oldValue: null, newValue: value }),
      ]);
    }
    // And through the CI's own history route.
    const history = await stack.api('GET', `${BASE}/cis/${db.id}/history?limit=100`, { token: agent });
    expect(history.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'linked', attribute: 'relation:depends_on', newValue: value })]));
  });

  it('refuses the same relation twice (409 naming the existing one) but allows the reverse and other types: cycles are data', async () => {
    const a = await ci('a', 'application');
    const b = await ci('b', 'application');
    const first = await related(a.id, 'depends_on', b.id);
    const again = await relate(a.id, 'depends_on', b.id);
    expectProblem(again, 409);
    expect(again.body.relationId).toBe(first.id);
    expect(await relationHistory(a.id)).toHaveLength(1);
    // The same ids in upper case are the same CIs.
    expectProblem(await relate(a.id.toUpperCase(), 'depends_on', b.id.toUpperCase()), 409);
    expect(await related(b.id, 'depends_on', a.id)).toMatchObject({ dependentId: b.id, providerId: a.id });
    expect(await related(a.id, 'connected_to', b.id)).toMatchObject({ type: 'connected_to' });
  });

  it('refuses a relation to the CI itself or to an unknown CI with a 422 naming the field, and writes nothing', async () => {
    const s = await ci('lonely');
    expectProblem(await relate(s.id, 'depends_on', s.id), 422, 'targetId');
    expectProblem(await relate(s.id, 'depends_on', s.id.toUpperCase()), 422, 'targetId');
    const unknown = randomUUID();
    expectProblem(await relate(unknown, 'depends_on', s.id), 422, 'sourceId');
    expectProblem(await relate(s.id, 'depends_on', unknown), 422, 'targetId');
    const list = await stack.api('GET', `${BASE}/ci-relations?ciId=${s.id}`, { token: agent });
    expect(list.body.items).toEqual([]);
    expect(await relationHistory(s.id)).toEqual([]);
  });

  it('refuses malformed bodies with a 400 naming the field', async () => {
    const a = await ci('x');
    const b = await ci('y');
    expectProblem(await relate(a.id, 'powers', b.id), 400, 'type');
    expectProblem(await relate('not-a-uuid', 'runs_on', b.id), 400, 'sourceId');
    expectProblem(await stack.api('POST', `${BASE}/ci-relations`, { token: manager.token, body: { sourceId: a.id, type: 'runs_on' } }), 400, 'targetId');
    expectProblem(await stack.api('POST', `${BASE}/ci-relations`, { token: manager.token, body: { sourceId: a.id, type: 'runs_on', targetId: b.id, note: 'x' } }), 400, 'note');
  });
});

describe('who may see and change relations', () => {
  it('lets configuration managers and admins write; staff and service managers read; end users nothing', async () => {
    const a = await ci('r1');
    const b = await ci('r2');
    expectProblem(await relate(a.id, 'connected_to', b.id, agent), 403);
    expectProblem(await relate(a.id, 'connected_to', b.id, serviceManager), 403);
    expectProblem(await relate(a.id, 'connected_to', b.id, endUser), 403);
    expectProblem(await stack.api('POST', `${BASE}/ci-relations`, { token: null, body: { sourceId: a.id, type: 'connected_to', targetId: b.id } }), 401);
    const relation = await related(a.id, 'connected_to', b.id);
    expect((await relate(b.id, 'connected_to', a.id, stack.adminToken)).status).toBe(201);

    for (const token of [agent, serviceManager, manager.token]) {
      expect((await stack.api('GET', `${BASE}/ci-relations?ciId=${a.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/ci-relations/${relation.id}`, { token })).status).toBe(200);
    }
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?ciId=${a.id}`, { token: endUser }), 403);
    expectProblem(await stack.api('GET', `${BASE}/ci-relations/${relation.id}`, { token: endUser }), 403);

    for (const token of [agent, serviceManager, endUser]) expectProblem(await stack.api('DELETE', `${BASE}/ci-relations/${relation.id}`, { token }), 403);
    expect((await stack.api('GET', `${BASE}/ci-relations/${relation.id}`, { token: agent })).status).toBe(200);
  });
});

describe('listing relations', () => {
  it('lists a CI’s relations in both directions, by type, a page at a time', async () => {
    const vm = await ci('shared-vm', 'virtual_machine');
    const host = await ci('host');
    const app1 = await ci('app1', 'application');
    const app2 = await ci('app2', 'application');
    const other = await ci('elsewhere', 'application');
    const ids = [
      (await related(app1.id, 'runs_on', vm.id)).id,
      (await related(app2.id, 'runs_on', vm.id)).id,
      (await related(host.id, 'hosts', vm.id)).id,
    ].sort();
    await related(other.id, 'depends_on', app1.id);

    const all = await stack.api('GET', `${BASE}/ci-relations?ciId=${vm.id}`, { token: agent });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(all.body.nextCursor).toBeNull();
    const hosts = await stack.api('GET', `${BASE}/ci-relations?ciId=${vm.id}&type=hosts`, { token: agent });
    expect(hosts.body.items).toEqual([expect.objectContaining({ source: expect.objectContaining({ id: host.id }), type: 'hosts', target: expect.objectContaining({ id: vm.id }) })]);
    // As target (vm) and as source (app1), with no type: both directions.
    const ofApp1 = await stack.api('GET', `${BASE}/ci-relations?ciId=${app1.id}`, { token: agent });
    expect(ofApp1.body.items.map((r: { type: string }) => r.type).sort()).toEqual(['depends_on', 'runs_on']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await stack.api('GET', `${BASE}/ci-relations?ciId=${vm.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: agent });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((r: { id: string }) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    expect((await stack.api('GET', `${BASE}/ci-relations?type=hosts&limit=100`, { token: agent })).body.items.every((r: { type: string }) => r.type === 'hosts')).toBe(true);
    expect((await stack.api('GET', `${BASE}/ci-relations?ciId=${randomUUID()}`, { token: agent })).body.items).toEqual([]);
  });

  it('refuses bad filters and forged cursors with a 400 naming the parameter', async () => {
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?ciId=nope`, { token: agent }), 400, 'query.ciId');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?type=powers`, { token: agent }), 400, 'query.type');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?limit=0`, { token: agent }), 400, 'query.limit');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?colour=red`, { token: agent }), 400, 'query.colour');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?cursor=garbage`, { token: agent }), 400, 'query.cursor');
    // A well-formed cursor that does not hold a relation id.
    const forged = Buffer.from(JSON.stringify({ after: 'robert); drop table cis' })).toString('base64url');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations?cursor=${forged}`, { token: agent }), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations/not-a-uuid`, { token: agent }), 400, 'param.id');
    expectProblem(await stack.api('GET', `${BASE}/ci-relations/${randomUUID()}`, { token: agent }), 404);
  });
});

describe('removing a relation', () => {
  it('deletes it and records it as unlinked under both CIs; a second delete is a 404', async () => {
    const app = await ci('erp', 'application');
    const db = await ci('erp-db', 'database');
    const relation = await related(app.id, 'depends_on', db.id);
    const removed = await stack.api('DELETE', `${BASE}/ci-relations/${relation.id}`, { token: manager.token });
    expect(removed.status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/ci-relations/${relation.id}`, { token: agent }), 404);
    expect((await stack.api('GET', `${BASE}/ci-relations?ciId=${app.id}`, { token: agent })).body.items).toEqual([]);

    const value = { relationId: relation.id, source: { id: app.id, name: app.name }, type: 'depends_on', target: { id: db.id, name: db.name } };
    for (const end of [app.id, db.id]) {
      const rows = await relationHistory(end);
      expect(rows.map((r) => r.action)).toEqual(['linked', 'unlinked']);
      expect(rows[1]).toMatchObject({ actor: manager.email, attribute: 'relation:depends_on', oldValue: value, newValue: null });
    }

    expectProblem(await stack.api('DELETE', `${BASE}/ci-relations/${relation.id}`, { token: manager.token }), 404);
    expect(await relationHistory(app.id)).toHaveLength(2);
    expectProblem(await stack.api('DELETE', `${BASE}/ci-relations/nope`, { token: manager.token }), 400, 'param.id');
    // The same relation can be made again after its removal.
    expect((await relate(app.id, 'depends_on', db.id)).status).toBe(201);
  });

  it('goes with a deleted CI, which records it as unlinked under the other end', async () => {
    const app = await ci('temp', 'application');
    const vm = await ci('temp-vm', 'virtual_machine');
    const relation = await related(app.id, 'runs_on', vm.id);
    expect((await stack.api('DELETE', `${BASE}/cis/${vm.id}`, { token: manager.token })).status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/ci-relations/${relation.id}`, { token: agent }), 404);
    expect((await relationHistory(app.id)).map((r) => r.action)).toEqual(['linked', 'unlinked']);
  });
});
