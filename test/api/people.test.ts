import { serve, type ServerType } from '@hono/node-server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { ADMIN_EMAIL, ensureAdminToken, MAX_LIVE_TOKENS, newToken } from '../../db/people';
import { apiTokens, slas, teamMembers, users } from '../../db/schema';
import { eventually } from '../helpers/eventually';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Managing people, teams, SLAs and tokens through the API, on the real stack. */

const BASE = '/api/v1';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const idOf = async (email: string): Promise<string> => {
  const res = await stack.api('GET', `${BASE}/users?email=${encodeURIComponent(email)}`);
  expect(res.body.items).toHaveLength(1);
  return res.body.items[0].id;
};
const me = (token: string) => stack.api('GET', `${BASE}/users/me`, { token });

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const targets = {
  '1': { responseSeconds: 600, resolutionSeconds: 1800 },
  '2': { responseSeconds: 1800, resolutionSeconds: 14400 },
  '3': { responseSeconds: 3600, resolutionSeconds: 43200 },
  '4': { responseSeconds: 7200, resolutionSeconds: 86400 },
  '5': { responseSeconds: null, resolutionSeconds: null },
};

describe('changing users', () => {
  it('lets a user rename themselves but not change their own roles, active flag or anyone else', async () => {
    const ann = await stack.user(['agent'], 'ann@people.example');
    const bob = await stack.user(['agent'], 'bob@people.example');
    const annId = await idOf(ann.email);
    const renamed = await stack.api('PATCH', `${BASE}/users/${annId}`, { token: ann.token, body: { name: '  Ann Agent ' } });
    expect(renamed).toMatchObject({ status: 200, body: { id: annId, email: ann.email, name: 'Ann Agent', roles: ['agent'], active: true } });
    expect((await me(ann.token)).body.name).toBe('Ann Agent');

    expectProblem(await stack.api('PATCH', `${BASE}/users/${annId}`, { token: ann.token, body: { roles: ['admin'] } }), 403);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${annId}`, { token: ann.token, body: { name: 'A', active: false } }), 403);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${annId}`, { token: bob.token, body: { name: 'Not Ann' } }), 403);
    expectProblem(await stack.api('DELETE', `${BASE}/users/${annId}`, { token: bob.token }), 403);
    expect((await me(ann.token)).body).toMatchObject({ name: 'Ann Agent', roles: ['agent'], active: true });
  });

  it('lets an admin change name and roles, and refuses bad changes with 400 naming the field', async () => {
    const carl = await stack.user(['end_user'], 'carl@people.example');
    const id = await idOf(carl.email);
    const changed = await stack.api('PATCH', `${BASE}/users/${id}`, { body: { name: 'Carl', roles: ['agent', 'approver'] } });
    expect(changed).toMatchObject({ status: 200, body: { name: 'Carl', roles: ['agent', 'approver'], active: true } });
    // The new roles hold on the next request with the same token.
    expect((await stack.api('GET', `${BASE}/teams`, { token: carl.token })).status).toBe(200);

    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { roles: [] } }), 400, 'roles');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { roles: ['wizard'] } }), 400, 'roles.0');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { name: ' ' } }), 400, 'name');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { active: 'no' } }), 400, 'active');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { email: 'new@people.example' } }), 400, 'email');
    expectProblem(await stack.api('PATCH', `${BASE}/users/not-a-uuid`, { body: { name: 'x' } }), 400, 'param.id');
    expectProblem(await stack.api('PATCH', `${BASE}/users/00000000-0000-4000-8000-000000000000`, { body: { name: 'x' } }), 404);
    expect((await me(carl.token)).body).toMatchObject({ name: 'Carl', roles: ['agent', 'approver'] });
  });

  it('deactivates a user: tokens stop at once, history stays, no assignment or membership; reactivation needs a new token', async () => {
    const dana = await stack.user(['agent'], 'dana@people.example');
    const id = await idOf(dana.email);
    const extra = await stack.api('POST', `${BASE}/users/${id}/tokens`, { token: dana.token, body: { label: 'laptop' } });
    expect(extra.status).toBe(201);
    expect((await stack.api('PUT', `${BASE}/teams/dana-team/members/${dana.email}`)).status).toBe(404);
    expect((await stack.api('POST', `${BASE}/teams`, { body: { name: 'dana-team', members: [dana.email] } })).status).toBe(201);
    const logged = await stack.api('POST', `${BASE}/incidents`, { token: dana.token, body: { title: 'Dana’s printer', impact: 3, urgency: 3 } });
    expect(logged.status).toBe(201);

    const deactivated = await stack.api('DELETE', `${BASE}/users/${id}`);
    expect(deactivated).toMatchObject({ status: 200, body: { id, email: dana.email, active: false } });
    for (const token of [dana.token, extra.body.token]) {
      const res = await me(token);
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
    // Kept: the user, listed as inactive, and what they did.
    expect((await stack.api('GET', `${BASE}/users?active=false&email=${dana.email}`)).body.items).toEqual([
      { id, email: dana.email, name: dana.email, roles: ['agent'], active: false, organizationId: null, managerId: null },
    ]);
    expect((await stack.api('GET', `${BASE}/users?active=true&email=${dana.email}`)).body.items).toEqual([]);
    await eventually(async () => {
      const history = await stack.api('GET', `${BASE}/incidents/${logged.body.number}/history`);
      expect(history.body.items[0]).toMatchObject({ kind: 'created', actor: dana.email });
    });
    // Nobody to give work to: hidden from the team, not addable, not assignable.
    expect((await stack.api('GET', `${BASE}/teams/dana-team`)).body.members).toEqual([]);
    expectProblem(await stack.api('PUT', `${BASE}/teams/dana-team/members/${dana.email}`), 422, 'email');
    expectProblem(await stack.api('POST', `${BASE}/teams`, { body: { name: 'dana-team-2', members: [dana.email] } }), 422, 'members');
    const assign = await stack.api('POST', `${BASE}/incidents/${logged.body.number}/assign`, { body: { assignmentGroup: 'dana-team', assignee: dana.email } });
    expectProblem(assign, 422, 'assignee');
    expectProblem(await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: {} }), 409);
    // Inactive is enough on its own: a token that survived somehow still authenticates no one.
    const kept = await stack.user(['agent'], 'kept-token@people.example');
    await stack.db.update(users).set({ active: false }).where(eq(users.email, kept.email));
    expectProblem(await me(kept.token), 401);
    // Deactivating again is the same answer.
    expect((await stack.api('DELETE', `${BASE}/users/${id}`)).body.active).toBe(false);

    const back = await stack.api('PATCH', `${BASE}/users/${id}`, { body: { active: true } });
    expect(back.body.active).toBe(true);
    // The old tokens were revoked, not merely suspended.
    expectProblem(await me(dana.token), 401);
    expect((await stack.api('GET', `${BASE}/users/${id}/tokens`)).body.items).toEqual([]);
    const fresh = await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { label: 'back' } });
    expect((await me(fresh.body.token)).body).toMatchObject({ email: dana.email, active: true });
    // Membership returns with them.
    expect((await stack.api('GET', `${BASE}/teams/dana-team`)).body.members).toEqual([dana.email]);
    expectProblem(await stack.api('DELETE', `${BASE}/users/00000000-0000-4000-8000-000000000000`), 404);
  });

  it('gives users a manager (admins only): an active user other than themselves, or none', async () => {
    const boss = await stack.user(['agent'], 'boss@people.example');
    const bossId = await idOf(boss.email);
    const created = await stack.api('POST', `${BASE}/users`, { body: { email: 'report@people.example', name: 'Report', roles: ['end_user'], managerId: bossId } });
    expect(created).toMatchObject({ status: 201, body: { user: { email: 'report@people.example', organizationId: null, managerId: bossId } } });
    const id = created.body.user.id as string;
    expect((await me(created.body.token)).body).toEqual({ id, email: 'report@people.example', name: 'Report', roles: ['end_user'], active: true, organizationId: null, managerId: bossId });
    expect((await stack.api('GET', `${BASE}/users?email=report@people.example`)).body.items[0].managerId).toBe(bossId);
    expect((await me(boss.token)).body.managerId).toBeNull();

    // The user may not choose their own manager; an admin may change or clear it.
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { token: created.body.token, body: { managerId: null } }), 403);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { token: created.body.token, body: { name: 'R', managerId: id } }), 403);
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { managerId: null, name: 'Report One' } })).body).toMatchObject({ name: 'Report One', managerId: null });
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { managerId: bossId } })).body).toMatchObject({ name: 'Report One', managerId: bossId });
    // Other changes keep the manager.
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { roles: ['end_user', 'approver'] } })).body).toMatchObject({ managerId: bossId });
    expect((await stack.api('DELETE', `${BASE}/users/${id}`)).body).toMatchObject({ active: false, managerId: bossId });
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { active: true } })).body.managerId).toBe(bossId);

    // Unknown, deactivated, themselves: 422 naming managerId, nothing written.
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { managerId: '00000000-0000-4000-8000-000000000000', name: 'Changed' } }), 422, 'managerId');
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { managerId: id } }), 422, 'managerId');
    const gone = await stack.user(['agent'], 'gone-boss@people.example');
    const goneId = await idOf(gone.email);
    await stack.api('DELETE', `${BASE}/users/${goneId}`);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { managerId: goneId } }), 422, 'managerId');
    expectProblem(await stack.api('POST', `${BASE}/users`, { body: { email: 'orphan@people.example', name: 'O', roles: ['end_user'], managerId: goneId } }), 422, 'managerId');
    expectProblem(await stack.api('POST', `${BASE}/users`, { body: { email: 'orphan@people.example', name: 'O', roles: ['end_user'], managerId: 'boss' } }), 400, 'managerId');
    expect((await stack.api('GET', `${BASE}/users?email=orphan@people.example`)).body.items).toEqual([]);
    expect((await stack.api('GET', `${BASE}/users/${id}/tokens`)).status).toBe(200);
    expect((await stack.api('GET', `${BASE}/users?email=report@people.example`)).body.items[0]).toMatchObject({ name: 'Report One', managerId: bossId });
    // Deactivating a manager keeps the link, as deactivation keeps everything else of theirs.
    await stack.api('DELETE', `${BASE}/users/${bossId}`);
    expect((await stack.api('GET', `${BASE}/users?email=report@people.example`)).body.items[0].managerId).toBe(bossId);
    expectProblem(await stack.api('PATCH', `${BASE}/users/00000000-0000-4000-8000-000000000000`, { body: { managerId: await idOf(ADMIN_EMAIL) } }), 404);
  });

  it('never leaves the desk without an active admin (409), even when two admins remove each other at once', async () => {
    const adminId = await idOf(ADMIN_EMAIL);
    expectProblem(await stack.api('DELETE', `${BASE}/users/${adminId}`), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${adminId}`, { body: { roles: ['agent'] } }), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/users/${adminId}`, { body: { active: false } }), 409);
    expect((await me(stack.adminToken)).body).toMatchObject({ roles: ['admin'], active: true });

    // A second admin may step down while another remains.
    const eve = await stack.user(['admin'], 'eve@people.example');
    const eveId = await idOf(eve.email);
    expect((await stack.api('PATCH', `${BASE}/users/${eveId}`, { token: eve.token, body: { roles: ['agent'] } })).body.roles).toEqual(['agent']);
    expectProblem(await stack.api('GET', `${BASE}/users`, { token: eve.token }), 403);

    // Two admins left (the bootstrap one demoted), each deactivating the other at the same moment.
    const c = await stack.user(['admin'], 'c-admin@people.example');
    const d = await stack.user(['admin'], 'd-admin@people.example');
    const [cId, dId] = [await idOf(c.email), await idOf(d.email)];
    expect((await stack.api('PATCH', `${BASE}/users/${adminId}`, { token: c.token, body: { roles: ['agent'] } })).status).toBe(200);
    const [byC, byD] = await Promise.all([
      stack.api('DELETE', `${BASE}/users/${dId}`, { token: c.token }),
      stack.api('DELETE', `${BASE}/users/${cId}`, { token: d.token }),
    ]);
    expect([byC.status, byD.status].filter((s) => s === 200)).toHaveLength(1);
    expect([byC.status, byD.status].every((s) => [200, 401, 409].includes(s))).toBe(true);
    const admins = await stack.db.select({ email: users.email }).from(users).where(sql`${users.active} and 'admin' = any(${users.roles})`);
    expect(admins).toHaveLength(1);

    // TEMPODESK_ADMIN_TOKEN guarantees its admin: the next start restores the bootstrap admin.
    expectProblem(await stack.api('GET', `${BASE}/users`), 403);
    await ensureAdminToken(stack.db, stack.adminToken);
    expect((await me(stack.adminToken)).body).toMatchObject({ email: ADMIN_EMAIL, roles: ['agent', 'admin'], active: true });
    expect((await stack.api('PATCH', `${BASE}/users/${adminId}`, { body: { roles: ['admin'] } })).status).toBe(200);
  });
});

describe('tokens', () => {
  it('lists a user’s tokens without secrets, issues expiring ones, and revokes them at once', async () => {
    const fay = await stack.user(['agent'], 'fay@people.example');
    const other = await stack.user(['agent'], 'other@people.example');
    const id = await idOf(fay.email);
    const before = Date.now();
    const issued = await stack.api('POST', `${BASE}/users/${id}/tokens`, { token: fay.token, body: { label: 'ci', expiresInDays: 30 } });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ token: expect.stringMatching(/^tdk_/), id: expect.any(String), label: 'ci', createdAt: expect.any(String), expiresAt: expect.any(String) });
    const days = (Date.parse(issued.body.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    const forever = await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { label: 'laptop' } });
    expect(forever.body.expiresAt).toBeNull();

    const list = await stack.api('GET', `${BASE}/users/${id}/tokens`, { token: fay.token });
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items.map((t: { label: string }) => t.label).sort()).toEqual(['ci', 'initial', 'laptop']);
    for (const t of list.body.items) expect(Object.keys(t).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'label']);
    expect(JSON.stringify(list.body)).not.toContain(issued.body.token);
    expect(list.body.items.find((t: { id: string }) => t.id === issued.body.id)).toMatchObject({ label: 'ci', expiresAt: issued.body.expiresAt });
    const firstPage = await stack.api('GET', `${BASE}/users/${id}/tokens?limit=2`);
    const secondPage = await stack.api('GET', `${BASE}/users/${id}/tokens?limit=2&cursor=${firstPage.body.nextCursor}`);
    expect([...firstPage.body.items, ...secondPage.body.items].map((t: { id: string }) => t.id).sort()).toEqual(list.body.items.map((t: { id: string }) => t.id).sort());
    expect(secondPage.body.nextCursor).toBeNull();

    // Others' tokens are none of an agent's business; admins see them.
    expectProblem(await stack.api('GET', `${BASE}/users/${id}/tokens`, { token: other.token }), 403);
    expectProblem(await stack.api('DELETE', `${BASE}/users/${id}/tokens/${issued.body.id}`, { token: other.token }), 403);
    expect((await stack.api('GET', `${BASE}/users/${id}/tokens`)).body.items).toHaveLength(3);

    expect((await me(issued.body.token)).status).toBe(200);
    const revoked = await stack.api('DELETE', `${BASE}/users/${id}/tokens/${issued.body.id}`, { token: fay.token });
    expect(revoked.status).toBe(204);
    expectProblem(await me(issued.body.token), 401);
    expect((await me(fay.token)).status).toBe(200);
    expectProblem(await stack.api('DELETE', `${BASE}/users/${id}/tokens/${issued.body.id}`), 404);
    // A token id under another user's path is not that user's token.
    const otherId = await idOf(other.email);
    expectProblem(await stack.api('DELETE', `${BASE}/users/${otherId}/tokens/${forever.body.id}`), 404);
    expect((await me(forever.body.token)).status).toBe(200);
    expectProblem(await stack.api('GET', `${BASE}/users/00000000-0000-4000-8000-000000000000/tokens`), 404);
    expectProblem(await stack.api('GET', `${BASE}/users/${id}/tokens?cursor=garbage`), 400, 'query.cursor');
  });

  it('refuses a token that has expired with 401', async () => {
    const gil = await stack.user(['agent'], 'gil@people.example');
    const id = await idOf(gil.email);
    const issued = await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { expiresInDays: 1 } });
    expect((await me(issued.body.token)).status).toBe(200);
    await stack.db.update(apiTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiTokens.id, issued.body.id));
    const res = await me(issued.body.token);
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await me(gil.token)).status).toBe(200);
  });

  it('bounds expiresInDays to 1..3650 with 400 naming the field', async () => {
    const id = await idOf(ADMIN_EMAIL);
    for (const expiresInDays of [0, -1, 3651, 1.5, '7', null]) {
      expectProblem(await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { expiresInDays } }), 400, 'expiresInDays');
    }
    expect((await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { label: 'long', expiresInDays: 3650 } })).status).toBe(201);
  });

  it(`caps a user at ${MAX_LIVE_TOKENS} live tokens (409), counting neither revoked nor expired ones`, async () => {
    const hal = await stack.user(['agent'], 'hal@people.example');
    const id = await idOf(hal.email);
    // Issued concurrently: the cap holds under a race too.
    const results = await Promise.all(Array.from({ length: MAX_LIVE_TOKENS + 4 }, (_, i) => stack.api('POST', `${BASE}/users/${id}/tokens`, { body: { label: `t${i}` } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX_LIVE_TOKENS - 1);
    for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 409);
    expect(await stack.db.select().from(apiTokens).where(eq(apiTokens.userId, id))).toHaveLength(MAX_LIVE_TOKENS);

    const some = results.find((r) => r.status === 201)!;
    expect((await stack.api('DELETE', `${BASE}/users/${id}/tokens/${some.body.id}`)).status).toBe(204);
    const again = await stack.api('POST', `${BASE}/users/${id}/tokens`, { token: hal.token, body: {} });
    expect(again.status).toBe(201);
    expectProblem(await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: {} }), 409);

    await stack.db.update(apiTokens).set({ expiresAt: sql`now() - interval '1 day'` }).where(eq(apiTokens.id, again.body.id));
    expect((await stack.api('POST', `${BASE}/users/${id}/tokens`, { body: {} })).status).toBe(201);
  });

  it('rotating TEMPODESK_ADMIN_TOKEN revokes the previous value and keeps the admin’s other tokens', async () => {
    const adminId = await idOf(ADMIN_EMAIL);
    const personal = await stack.api('POST', `${BASE}/users/${adminId}/tokens`, { body: { label: 'personal' } });
    const labelled = async () => (await stack.api('GET', `${BASE}/users/${adminId}/tokens?limit=100`, { token: personal.body.token })).body.items.map((t: { label: string }) => t.label);
    expect((await labelled()).filter((l: string) => l === 'admin-token')).toHaveLength(1);

    const rotated = newToken();
    await ensureAdminToken(stack.db, rotated);
    expect((await me(rotated)).body).toMatchObject({ email: ADMIN_EMAIL, roles: expect.arrayContaining(['admin']) });
    expectProblem(await me(stack.adminToken), 401);
    expect((await me(personal.body.token)).status).toBe(200);
    expect((await labelled()).filter((l: string) => l === 'admin-token')).toHaveLength(1);
    // The same value again changes nothing.
    await ensureAdminToken(stack.db, rotated);
    expect((await me(rotated)).status).toBe(200);

    // Back to the stack's token for the rest of the file: the rotated one goes.
    await ensureAdminToken(stack.db, stack.adminToken);
    expect((await me(stack.adminToken)).status).toBe(200);
    expectProblem(await me(rotated), 401);
    expect((await labelled()).filter((l: string) => l === 'admin-token')).toHaveLength(1);
  });
});

describe('team membership and escalation', () => {
  it('adds and removes members (admins only), refusing unknown teams and people', async () => {
    const ivy = await stack.user(['agent'], 'ivy@people.example');
    expect((await stack.api('POST', `${BASE}/teams`, { body: { name: 'desk' } })).status).toBe(201);
    const added = await stack.api('PUT', `${BASE}/teams/desk/members/IVY@people.example`);
    expect(added).toMatchObject({ status: 201, body: { name: 'desk', members: [ivy.email] } });
    expect(await stack.api('PUT', `${BASE}/teams/desk/members/${ivy.email}`)).toMatchObject({ status: 200, body: { members: [ivy.email] } });
    expectProblem(await stack.api('PUT', `${BASE}/teams/desk/members/${ivy.email}`, { token: ivy.token }), 403);
    expectProblem(await stack.api('DELETE', `${BASE}/teams/desk/members/${ivy.email}`, { token: ivy.token }), 403);
    expectProblem(await stack.api('PUT', `${BASE}/teams/nowhere/members/${ivy.email}`), 404);
    expectProblem(await stack.api('PUT', `${BASE}/teams/desk/members/ghost@people.example`), 422, 'email');
    expectProblem(await stack.api('PUT', `${BASE}/teams/desk/members/not-an-email`), 400, 'param.email');
    // Membership is what assignment checks.
    const incident = await stack.api('POST', `${BASE}/incidents`, { body: { title: 'Desk phone', impact: 3, urgency: 3 } });
    expect((await stack.api('POST', `${BASE}/incidents/${incident.body.number}/assign`, { body: { assignmentGroup: 'desk', assignee: ivy.email } })).status).toBe(200);

    const removed = await stack.api('DELETE', `${BASE}/teams/desk/members/${ivy.email}`);
    expect(removed).toMatchObject({ status: 200, body: { name: 'desk', members: [] } });
    expectProblem(await stack.api('DELETE', `${BASE}/teams/desk/members/${ivy.email}`), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/teams/nowhere/members/${ivy.email}`), 404);
    const reassign = await stack.api('POST', `${BASE}/incidents/${incident.body.number}/assign`, { body: { assignmentGroup: 'desk', assignee: ivy.email } });
    expectProblem(reassign, 422, 'assignee');
  });

  it('changes description and escalation team, refusing unknown teams, itself and loops (422)', async () => {
    for (const name of ['l1', 'l2', 'l3']) expect((await stack.api('POST', `${BASE}/teams`, { body: { name } })).status).toBe(201);
    expect(await stack.api('PATCH', `${BASE}/teams/l1`, { body: { escalationTeam: 'l2', description: 'First line' } })).toMatchObject({
      status: 200,
      body: { name: 'l1', description: 'First line', escalationTeam: 'l2' },
    });
    expect((await stack.api('PATCH', `${BASE}/teams/l2`, { body: { escalationTeam: 'l3' } })).body.escalationTeam).toBe('l3');
    const loop = await stack.api('PATCH', `${BASE}/teams/l3`, { body: { escalationTeam: 'l1' } });
    expectProblem(loop, 422, 'escalationTeam');
    expect(loop.body.detail).toContain('l3 → l1 → l2 → l3');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l2`, { body: { escalationTeam: 'l1' } }), 422, 'escalationTeam');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l3`, { body: { escalationTeam: 'l3' } }), 422, 'escalationTeam');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l3`, { body: { escalationTeam: 'nowhere' } }), 422, 'escalationTeam');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/nowhere`, { body: { description: 'x' } }), 404);
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l3`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l3`, { body: { name: 'l4' } }), 400, 'name');
    const agent = await stack.user(['agent']);
    expectProblem(await stack.api('PATCH', `${BASE}/teams/l3`, { token: agent.token, body: { description: 'mine' } }), 403);
    expect((await stack.api('GET', `${BASE}/teams/l3`)).body).toMatchObject({ description: '', escalationTeam: null });

    // Unset, and the link that was a loop is fine.
    expect((await stack.api('PATCH', `${BASE}/teams/l1`, { body: { escalationTeam: null } })).body).toMatchObject({ escalationTeam: null, description: 'First line' });
    expect((await stack.api('PATCH', `${BASE}/teams/l3`, { body: { escalationTeam: 'l1' } })).status).toBe(200);
  });

  it('refuses a loop made of two concurrent changes', async () => {
    for (const name of ['ping', 'pong']) expect((await stack.api('POST', `${BASE}/teams`, { body: { name } })).status).toBe(201);
    const [a, b] = await Promise.all([
      stack.api('PATCH', `${BASE}/teams/ping`, { body: { escalationTeam: 'pong' } }),
      stack.api('PATCH', `${BASE}/teams/pong`, { body: { escalationTeam: 'ping' } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 422]);
  });

  it('deletes a team and its memberships, but not while other teams escalate to it (409)', async () => {
    const jo = await stack.user(['agent'], 'jo@people.example');
    expect((await stack.api('POST', `${BASE}/teams`, { body: { name: 'backline', members: [jo.email] } })).status).toBe(201);
    for (const name of ['front-a', 'front-b']) {
      expect((await stack.api('POST', `${BASE}/teams`, { body: { name, escalationTeam: 'backline' } })).status).toBe(201);
    }
    const refused = await stack.api('DELETE', `${BASE}/teams/backline`);
    expectProblem(refused, 409);
    expect(refused.body.escalatingTeams).toEqual(['front-a', 'front-b']);
    expectProblem(await stack.api('DELETE', `${BASE}/teams/backline`, { token: jo.token }), 403);

    for (const name of ['front-a', 'front-b']) expect((await stack.api('PATCH', `${BASE}/teams/${name}`, { body: { escalationTeam: null } })).status).toBe(200);
    expect((await stack.api('DELETE', `${BASE}/teams/backline`)).status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/teams/backline`), 404);
    expect(await stack.db.select().from(teamMembers).where(eq(teamMembers.team, 'backline'))).toEqual([]);
    expectProblem(await stack.api('DELETE', `${BASE}/teams/backline`), 404);
    // The person stays.
    expect((await me(jo.token)).status).toBe(200);
  });
});

describe('changing SLAs', () => {
  const defaults = async () => (await stack.db.select({ name: slas.name }).from(slas).where(eq(slas.isDefault, true))).map((s) => s.name);

  it('changes name, targets and warning point; a taken name is 409', async () => {
    const created = await stack.api('POST', `${BASE}/slas`, { body: { name: 'Bronze', targets } });
    const id = created.body.id;
    const changed = await stack.api('PATCH', `${BASE}/slas/${id}`, {
      body: { name: 'Bronze+', targets: { ...targets, '1': { responseSeconds: 300, resolutionSeconds: 900 } }, warnAtPercent: 60 },
    });
    expect(changed).toMatchObject({ status: 200, body: { id, name: 'Bronze+', warnAtPercent: 60, isDefault: false, active: true } });
    expect((await stack.api('GET', `${BASE}/slas/${id}`)).body.targets['1']).toEqual({ responseSeconds: 300, resolutionSeconds: 900 });
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { name: 'Default' } }), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { warnAtPercent: 100 } }), 400, 'warnAtPercent');
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { calendar: { kind: '24x7' } } }), 400, 'calendar');
    expectProblem(await stack.api('PATCH', `${BASE}/slas/00000000-0000-4000-8000-000000000000`, { body: { warnAtPercent: 50 } }), 404);
    const agent = await stack.user(['agent']);
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { token: agent.token, body: { warnAtPercent: 50 } }), 403);
    expect((await stack.api('GET', `${BASE}/slas/${id}`)).body).toMatchObject({ name: 'Bronze+', warnAtPercent: 60 });
  });

  it('moves the default flag atomically, and never unsets it', async () => {
    const [a, b] = await Promise.all(['Gold', 'Platinum'].map((name) => stack.api('POST', `${BASE}/slas`, { body: { name, targets } })));
    expect((await stack.api('PATCH', `${BASE}/slas/${a!.body.id}`, { body: { isDefault: true } })).body.isDefault).toBe(true);
    expect(await defaults()).toEqual(['Gold']);
    const plain = await stack.api('POST', `${BASE}/incidents`, { body: { title: 'Default SLA please', impact: 2, urgency: 2 } });
    expect(plain.body.slaId).toBe(a!.body.id);

    // Moves at once: each succeeds in turn, and exactly one default remains.
    const more = await Promise.all(['Iron', 'Copper', 'Steel'].map((name) => stack.api('POST', `${BASE}/slas`, { body: { name, targets } })));
    for (let round = 0; round < 3; round++) {
      const moves = await Promise.all([a, b, ...more].map((s) => stack.api('PATCH', `${BASE}/slas/${s!.body.id}`, { body: { isDefault: true } })));
      expect(moves.map((m) => m.status)).toEqual([200, 200, 200, 200, 200]);
      expect(await defaults()).toHaveLength(1);
    }
    // Back to one of the first two, for what follows.
    expect((await stack.api('PATCH', `${BASE}/slas/${b!.body.id}`, { body: { isDefault: true } })).status).toBe(200);

    const current = (await defaults())[0] === 'Gold' ? a! : b!;
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${current.body.id}`, { body: { isDefault: false } }), 409);
    // Saying false of one that is not the default changes nothing.
    const other = current === a ? b! : a!;
    expect((await stack.api('PATCH', `${BASE}/slas/${other.body.id}`, { body: { isDefault: false, warnAtPercent: 70 } })).body).toMatchObject({ isDefault: false, warnAtPercent: 70 });
    expect(await defaults()).toHaveLength(1);
  });

  it('deactivates an SLA but never the default (409); an inactive one cannot become the default until reactivated', async () => {
    const [theDefault] = (await stack.api('GET', `${BASE}/slas?limit=100`)).body.items.filter((s: { isDefault: boolean }) => s.isDefault);
    expectProblem(await stack.api('DELETE', `${BASE}/slas/${theDefault.id}`), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${theDefault.id}`, { body: { active: false } }), 409);

    const tin = await stack.api('POST', `${BASE}/slas`, { body: { name: 'Tin', targets } });
    const gone = await stack.api('DELETE', `${BASE}/slas/${tin.body.id}`);
    expect(gone).toMatchObject({ status: 200, body: { id: tin.body.id, name: 'Tin', active: false } });
    const names = async (query: string) => (await stack.api('GET', `${BASE}/slas?limit=100${query}`)).body.items.map((s: { name: string }) => s.name);
    expect(await names('&active=true')).not.toContain('Tin');
    expect(await names('&active=false')).toEqual(['Tin']);
    expect(await names('')).toContain('Tin');
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${tin.body.id}`, { body: { isDefault: true } }), 409);
    expectProblem(await stack.api('DELETE', `${BASE}/slas/00000000-0000-4000-8000-000000000000`), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/slas/tin`), 400, 'param.id');
    expectProblem(await stack.api('GET', `${BASE}/slas?active=maybe`), 400, 'query.active');

    const back = await stack.api('PATCH', `${BASE}/slas/${tin.body.id}`, { body: { active: true, isDefault: true } });
    expect(back.body).toMatchObject({ active: true, isDefault: true });
    expect(await defaults()).toEqual(['Tin']);
  });
});

describe('repeated bad tokens', () => {
  /** Another app on the same deployment: its own process, its own counts. */
  async function serveApp() {
    const app = createApp({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue, autoCloseSeconds: 3600 });
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const get = (token: string | null) => fetch(`${base}${BASE}/users/me`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { get, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('answers 429 with Retry-After after 20 bad tokens a minute from one address, valid tokens included, until the window passes', async () => {
    const app = await serveApp();
    try {
      for (let i = 0; i < 20; i++) expect((await app.get(`tdk_guess-${i}`)).status).toBe(401);
      for (const token of ['tdk_guess-20', stack.adminToken]) {
        const refused = await app.get(token);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const wait = Number(refused.headers.get('retry-after'));
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(60);
        expect(await refused.json()).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.any(String) });
      }
      // A request without a token guesses nothing: still the plain 401 that asks for one.
      const bare = await app.get(null);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toBe('Bearer');
      // Another app (process) keeps its own count.
      expect((await me(stack.adminToken)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('never counts a valid token', async () => {
    const app = await serveApp();
    try {
      for (let i = 0; i < 19; i++) expect((await app.get(`tdk_guess-${i}`)).status).toBe(401);
      for (let i = 0; i < 30; i++) expect((await app.get(stack.adminToken)).status).toBe(200);
      expect((await app.get('tdk_guess-19')).status).toBe(401);
      expect((await app.get(stack.adminToken)).status).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('documents 429 on authenticated routes', async () => {
    const doc = await stack.api('GET', `${BASE}/openapi.json`, { token: null });
    expect(doc.body.paths['/users/{id}'].patch.responses['429']).toBeDefined();
    expect(doc.body.paths['/teams/{name}/members/{email}'].put.operationId).toBe('addTeamMember');
    expect(doc.body.paths['/slas/{id}'].delete.operationId).toBe('deactivateSla');
    expect(doc.body.paths['/users/{id}/tokens/{tokenId}'].delete.responses['204']).toBeDefined();
  });
});
