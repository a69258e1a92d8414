import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdbHistory, contracts, organizations } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Organizations and contacts, and the organization of users and teams, on the real stack. */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'serviceManager' | 'configurationManager', { email: string; token: string }>;

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    serviceManager: await stack.user(['service_manager']),
    configurationManager: await stack.user(['configuration_manager']),
  };
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const newOrganization = async (body: Record<string, unknown>, token?: string) => {
  const res = await stack.api('POST', `${BASE}/organizations`, { body, ...(token && { token }) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
};
const history = async (path: string) => {
  const res = await stack.api('GET', `${BASE}/${path}/history`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};

describe('organizations', () => {
  it('creates, reads, lists and changes organizations, recording each change with old and new values', async () => {
    const created = await stack.api('POST', `${BASE}/organizations`, {
      token: people.serviceManager.token,
      body: { name: '  Acme Corp ', code: 'ACME', description: 'A customer' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'Acme Corp', code: 'ACME', description: 'A customer', parentId: null, active: true, createdAt: expect.any(String) },
    });
    const { id } = created.body;
    const child = await newOrganization({ name: 'Acme Labs', parentId: id });
    expect((await stack.api('GET', `${BASE}/organizations/${child.id}`, { token: people.agent.token })).body).toMatchObject({
      name: 'Acme Labs',
      code: null,
      description: '',
      parentId: id,
    });

    const changed = await stack.api('PATCH', `${BASE}/organizations/${id}`, { body: { name: 'Acme Corporation', code: null, description: 'Our largest customer' } });
    expect(changed).toMatchObject({ status: 200, body: { id, name: 'Acme Corporation', code: null, description: 'Our largest customer' } });
    expect(Date.parse(changed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    const entries = await history(`organizations/${id}`);
    expect(entries).toEqual([
      {
        at: expect.any(String),
        actor: people.serviceManager.email,
        action: 'created',
        attribute: null,
        oldValue: null,
        newValue: { name: 'Acme Corp', code: 'ACME', description: 'A customer', parentId: null, active: true },
      },
      { at: expect.any(String), actor: 'admin@tempodesk.local', action: 'updated', attribute: 'name', oldValue: 'Acme Corp', newValue: 'Acme Corporation' },
      { at: expect.any(String), actor: 'admin@tempodesk.local', action: 'updated', attribute: 'code', oldValue: 'ACME', newValue: null },
      { at: expect.any(String), actor: 'admin@tempodesk.local', action: 'updated', attribute: 'description', oldValue: 'A customer', newValue: 'Our largest customer' },
    ]);
    // Pages of history follow each other.
    const first = await stack.api('GET', `${BASE}/organizations/${id}/history?limit=3`);
    const second = await stack.api('GET', `${BASE}/organizations/${id}/history?limit=3&cursor=${first.body.nextCursor}`);
    expect([...first.body.items, ...second.body.items].map((e: { attribute: string }) => e.attribute)).toEqual([null, 'name', 'code', 'description']);
    expect(second.body.nextCursor).toBeNull();
    expectProblem(await stack.api('GET', `${BASE}/organizations/${UNKNOWN}/history`), 404);
  });

  it('lists by name with text search, an active filter and pages', async () => {
    for (const name of ['Zeta Search One', 'Zeta Search Two', 'Zeta Search Three']) await newOrganization({ name, code: name.split(' ').at(-1)!.toUpperCase() });
    const found = await stack.api('GET', `${BASE}/organizations?q=zeta%20search&limit=2`, { token: people.agent.token });
    expect(found.body.items.map((o: { name: string }) => o.name)).toEqual(['Zeta Search One', 'Zeta Search Three']);
    const rest = await stack.api('GET', `${BASE}/organizations?q=zeta%20search&limit=2&cursor=${found.body.nextCursor}`);
    expect(rest.body).toMatchObject({ items: [{ name: 'Zeta Search Two' }], nextCursor: null });
    // The code is searched too, and LIKE's wildcards are only characters.
    expect((await stack.api('GET', `${BASE}/organizations?q=thre`)).body.items.map((o: { code: string }) => o.code)).toEqual(['THREE']);
    expect((await stack.api('GET', `${BASE}/organizations?q=%25`)).body.items).toEqual([]);
    const two = (await stack.api('GET', `${BASE}/organizations?q=Zeta%20Search%20Two`)).body.items[0];
    await stack.api('DELETE', `${BASE}/organizations/${two.id}`);
    const active = await stack.api('GET', `${BASE}/organizations?q=zeta&active=true`);
    expect(active.body.items.map((o: { name: string }) => o.name)).toEqual(['Zeta Search One', 'Zeta Search Three']);
    expect((await stack.api('GET', `${BASE}/organizations?q=zeta&active=false`)).body.items.map((o: { name: string }) => o.name)).toEqual(['Zeta Search Two']);
    expectProblem(await stack.api('GET', `${BASE}/organizations?active=yes`), 400, 'query.active');
    expectProblem(await stack.api('GET', `${BASE}/organizations?cursor=forged`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/organizations?limit=0`), 400, 'query.limit');
  });

  it('refuses a taken name or code (409), bad fields (400) and unknown parents (422)', async () => {
    await newOrganization({ name: 'Unique Org', code: 'UNQ' });
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Unique Org' } }), 409);
    const code = await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Other Org', code: 'UNQ' } });
    expectProblem(code, 409);
    expect(code.body.detail).toMatch(/code UNQ/);
    const other = await newOrganization({ name: 'Renamed Org' });
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${other.id}`, { body: { name: 'Unique Org' } }), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${other.id}`, { body: { code: 'UNQ' } }), 409);

    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: ' ' } }), 400, 'name');
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'x'.repeat(121) } }), 400, 'name');
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Nul\u0000Org' } }), 400, 'name');
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'X', parentId: 'nope' } }), 400, 'parentId');
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'X', colour: 'red' } }), 400, 'colour');
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'X', parentId: UNKNOWN } }), 422, 'parentId');
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${other.id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${other.id}`, { body: { parentId: UNKNOWN } }), 422, 'parentId');
    // Deactivating while naming a parent that does not exist: still a 422, never the foreign key's 500 (found by schemathesis).
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${other.id}`, { body: { parentId: UNKNOWN, active: false } }), 422, 'parentId');
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${UNKNOWN}`, { body: { name: 'Y' } }), 404);
    expectProblem(await stack.api('GET', `${BASE}/organizations/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/organizations/not-a-uuid`), 400, 'param.id');
    // Nothing half-written: no organization X, and no history for the refused writes.
    expect((await stack.api('GET', `${BASE}/organizations?q=Renamed`)).body.items).toMatchObject([{ name: 'Renamed Org', code: null, parentId: null }]);
    expect(await history(`organizations/${other.id}`)).toHaveLength(1);
  });

  it('refuses a parent that would make a loop, and a deactivated parent (422)', async () => {
    const top = await newOrganization({ name: 'Loop Top' });
    const middle = await newOrganization({ name: 'Loop Middle', parentId: top.id });
    const bottom = await newOrganization({ name: 'Loop Bottom', parentId: middle.id });
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${top.id}`, { body: { parentId: bottom.id } }), 422, 'parentId');
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${top.id}`, { body: { parentId: top.id } }), 422, 'parentId');
    // Moving within the tree without a loop is fine, and so is detaching.
    expect((await stack.api('PATCH', `${BASE}/organizations/${bottom.id}`, { body: { parentId: top.id } })).body.parentId).toBe(top.id);
    expect((await stack.api('PATCH', `${BASE}/organizations/${bottom.id}`, { body: { parentId: null } })).body.parentId).toBeNull();

    // Two moves that each look fine alone cannot close a loop together.
    const left = await newOrganization({ name: 'Loop Left' });
    const right = await newOrganization({ name: 'Loop Right' });
    const both = await Promise.all([
      stack.api('PATCH', `${BASE}/organizations/${left.id}`, { body: { parentId: right.id } }),
      stack.api('PATCH', `${BASE}/organizations/${right.id}`, { body: { parentId: left.id } }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 422]);

    const retired = await newOrganization({ name: 'Loop Retired' });
    await stack.api('DELETE', `${BASE}/organizations/${retired.id}`);
    expectProblem(await stack.api('POST', `${BASE}/organizations`, { body: { name: 'Under Retired', parentId: retired.id } }), 422, 'parentId');
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${bottom.id}`, { body: { parentId: retired.id } }), 422, 'parentId');
  });

  it('deactivates an organization for history, but not while active sub-organizations or contracts name it (409)', async () => {
    const parent = await newOrganization({ name: 'Deact Parent' });
    const child = await newOrganization({ name: 'Deact Child', parentId: parent.id });
    const blocked = await stack.api('DELETE', `${BASE}/organizations/${parent.id}`, { token: people.serviceManager.token });
    expectProblem(blocked, 409);
    expect(blocked.body.subOrganizations).toEqual(['Deact Child']);

    await stack.api('DELETE', `${BASE}/organizations/${child.id}`);
    await stack.db.insert(contracts).values({ kind: 'customer', name: 'Deact Contract', organizationId: parent.id, startsOn: '2026-01-01' });
    const contracted = await stack.api('DELETE', `${BASE}/organizations/${parent.id}`);
    expectProblem(contracted, 409);
    expect(contracted.body).toMatchObject({ subOrganizations: [], contracts: ['Deact Contract'] });
    await stack.db.update(contracts).set({ active: false }).where(eq(contracts.name, 'Deact Contract'));

    const deactivated = await stack.api('DELETE', `${BASE}/organizations/${parent.id}`);
    expect(deactivated).toMatchObject({ status: 200, body: { id: parent.id, active: false } });
    // Kept, and its history says what happened.
    expect((await stack.db.select().from(organizations).where(eq(organizations.id, parent.id)))[0]?.active).toBe(false);
    expect((await history(`organizations/${parent.id}`)).at(-1)).toMatchObject({ action: 'updated', attribute: 'active', oldValue: true, newValue: false });
    // A child cannot come back under an inactive parent; the parent can come back, then the child.
    expectProblem(await stack.api('PATCH', `${BASE}/organizations/${child.id}`, { body: { active: true } }), 422, 'parentId');
    expect((await stack.api('PATCH', `${BASE}/organizations/${parent.id}`, { body: { active: true } })).body.active).toBe(true);
    expect((await stack.api('PATCH', `${BASE}/organizations/${child.id}`, { body: { active: true } })).body.active).toBe(true);
  });

  it('lets service managers and admins write, staff read, and an end user read only their own organization', async () => {
    const org = await newOrganization({ name: 'Roles Org' });
    for (const { token } of [people.endUser, people.agent, people.configurationManager]) {
      expectProblem(await stack.api('POST', `${BASE}/organizations`, { token, body: { name: 'Not Allowed' } }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/organizations/${org.id}`, { token, body: { description: 'x' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/organizations/${org.id}`, { token }), 403);
    }
    for (const { token } of [people.agent, people.configurationManager, people.serviceManager]) {
      expect((await stack.api('GET', `${BASE}/organizations`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/organizations/${org.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/organizations/${org.id}/history`, { token })).status).toBe(200);
    }
    expect((await stack.api('PATCH', `${BASE}/organizations/${org.id}`, { token: people.serviceManager.token, body: { description: 'ok' } })).status).toBe(200);

    const caller = await stack.user(['end_user']);
    expectProblem(await stack.api('GET', `${BASE}/organizations`, { token: caller.token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/organizations/${org.id}`, { token: caller.token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/organizations/${org.id}/history`, { token: caller.token }), 403);
    const callerId = (await stack.api('GET', `${BASE}/users?email=${caller.email}`)).body.items[0].id;
    await stack.api('PATCH', `${BASE}/users/${callerId}`, { body: { organizationId: org.id } });
    expect((await stack.api('GET', `${BASE}/organizations/${org.id}`, { token: caller.token })).body).toMatchObject({ id: org.id, name: 'Roles Org' });
    expectProblem(await stack.api('GET', `${BASE}/organizations`, { token: caller.token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/organizations`, { token: null }), 401);
  });
});

describe('contacts', () => {
  it('records people with or without a user account, lower-casing emails, with history', async () => {
    const org = await newOrganization({ name: 'Contact Org' });
    const user = await stack.user(['end_user'], 'linked.person@contacts.example');
    const userId = (await stack.api('GET', `${BASE}/users?email=${user.email}`)).body.items[0].id;
    const created = await stack.api('POST', `${BASE}/contacts`, {
      token: people.serviceManager.token,
      body: { name: 'Linda Linked', email: 'Linked.Person@Contacts.Example', phone: '+33 1 23 45 67 89', function: 'IT manager', organizationId: org.id, userId },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'Linda Linked', email: 'linked.person@contacts.example', phone: '+33 1 23 45 67 89', function: 'IT manager', organizationId: org.id, userId, active: true },
    });
    const plain = await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Paul Phone', organizationId: org.id } });
    expect(plain).toMatchObject({ status: 201, body: { email: null, phone: '', function: '', userId: null } });
    expect((await stack.api('GET', `${BASE}/contacts/${plain.body.id}`, { token: people.agent.token })).body.name).toBe('Paul Phone');

    const other = await newOrganization({ name: 'Contact Org Two' });
    const moved = await stack.api('PATCH', `${BASE}/contacts/${created.body.id}`, { body: { organizationId: other.id, userId: null, phone: '' } });
    expect(moved).toMatchObject({ status: 200, body: { organizationId: other.id, userId: null, phone: '' } });
    expect(await history(`contacts/${created.body.id}`)).toEqual([
      expect.objectContaining({ action: 'created', actor: people.serviceManager.email, newValue: expect.objectContaining({ email: 'linked.person@contacts.example', userId }) }),
      expect.objectContaining({ action: 'updated', attribute: 'phone', oldValue: '+33 1 23 45 67 89', newValue: '' }),
      expect.objectContaining({ action: 'updated', attribute: 'organizationId', oldValue: org.id, newValue: other.id }),
      expect.objectContaining({ action: 'updated', attribute: 'userId', oldValue: userId, newValue: null }),
    ]);
    const rows = await stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, created.body.id));
    expect(rows.every((r) => r.subjectType === 'contact')).toBe(true);

    const deactivated = await stack.api('DELETE', `${BASE}/contacts/${plain.body.id}`);
    expect(deactivated).toMatchObject({ status: 200, body: { active: false } });
    expect((await history(`contacts/${plain.body.id}`)).at(-1)).toMatchObject({ attribute: 'active', oldValue: true, newValue: false });
  });

  it('lists contacts by organization, text and activity, in pages even among equal names', async () => {
    const org = await newOrganization({ name: 'List Contacts Org' });
    const ids: string[] = [];
    for (const [name, email] of [['Sam Same', 'sam1@list.example'], ['Sam Same', 'sam2@list.example'], ['Sam Same', 'sam3@list.example'], ['Alex Other', null]]) {
      ids.push((await stack.api('POST', `${BASE}/contacts`, { body: { name, organizationId: org.id, ...(email && { email }) } })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await stack.api('GET', `${BASE}/contacts?organizationId=${org.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen[0]).toBe(ids[3]);
    expect((await stack.api('GET', `${BASE}/contacts?q=SAM2%40`)).body.items.map((c: { email: string }) => c.email)).toEqual(['sam2@list.example']);
    await stack.api('DELETE', `${BASE}/contacts/${ids[0]}`);
    expect((await stack.api('GET', `${BASE}/contacts?organizationId=${org.id}&active=false`)).body.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    expect((await stack.api('GET', `${BASE}/contacts?organizationId=${org.id}&active=true`)).body.items).toHaveLength(3);
    expectProblem(await stack.api('GET', `${BASE}/contacts?cursor=${Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url')}`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/contacts?organizationId=nope`), 400, 'query.organizationId');
  });

  it('refuses duplicates (409), bad fields (400), unknown or deactivated references (422), and other roles (403)', async () => {
    const org = await newOrganization({ name: 'Bad Contacts Org' });
    const user = await stack.user(['agent']);
    const userId = (await stack.api('GET', `${BASE}/users?email=${user.email}`)).body.items[0].id;
    const first = await stack.api('POST', `${BASE}/contacts`, { body: { name: 'First', email: 'dup@contacts.example', organizationId: org.id, userId } });
    expect(first.status).toBe(201);
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Again', email: 'DUP@contacts.example', organizationId: org.id } }), 409);
    const linked = await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Again', organizationId: org.id, userId } });
    expectProblem(linked, 409);
    expect(linked.body.detail).toMatch(/already linked/);
    const second = await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Second', organizationId: org.id } });
    expectProblem(await stack.api('PATCH', `${BASE}/contacts/${second.body.id}`, { body: { email: 'dup@contacts.example' } }), 409);

    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'No Org' } }), 400, 'organizationId');
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Bad Email', email: 'not-an-email', organizationId: org.id } }), 400, 'email');
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Long', phone: '1'.repeat(121), organizationId: org.id } }), 400, 'phone');
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Unknown Org', organizationId: UNKNOWN } }), 422, 'organizationId');
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Unknown User', organizationId: org.id, userId: UNKNOWN } }), 422, 'userId');
    expectProblem(await stack.api('PATCH', `${BASE}/contacts/${second.body.id}`, { body: { organizationId: UNKNOWN } }), 422, 'organizationId');
    const gone = await newOrganization({ name: 'Gone Contacts Org' });
    await stack.api('DELETE', `${BASE}/organizations/${gone.id}`);
    expectProblem(await stack.api('POST', `${BASE}/contacts`, { body: { name: 'Gone', organizationId: gone.id } }), 422, 'organizationId');
    expectProblem(await stack.api('PATCH', `${BASE}/contacts/${UNKNOWN}`, { body: { name: 'x' } }), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/contacts/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/contacts/${UNKNOWN}`), 404);
    // The contact stayed as it was.
    expect((await stack.api('GET', `${BASE}/contacts/${second.body.id}`)).body).toMatchObject({ email: null, organizationId: org.id });

    for (const { token } of [people.endUser, people.agent, people.configurationManager]) {
      expectProblem(await stack.api('POST', `${BASE}/contacts`, { token, body: { name: 'Nope', organizationId: org.id } }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/contacts/${second.body.id}`, { token, body: { name: 'Nope' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/contacts/${second.body.id}`, { token }), 403);
    }
    for (const path of ['contacts', `contacts/${second.body.id}`, `contacts/${second.body.id}/history`]) {
      expectProblem(await stack.api('GET', `${BASE}/${path}`, { token: people.endUser.token }), 403);
      expect((await stack.api('GET', `${BASE}/${path}`, { token: people.agent.token })).status).toBe(200);
    }
  });
});

describe('the organization of users and teams', () => {
  it('sets a user’s organization on creation and change (admins only), refusing unknown or deactivated ones (422)', async () => {
    const org = await newOrganization({ name: 'Users Org' });
    const created = await stack.api('POST', `${BASE}/users`, { body: { email: 'member@users-org.example', name: 'Member', roles: ['end_user'], organizationId: org.id } });
    expect(created).toMatchObject({ status: 201, body: { user: { email: 'member@users-org.example', organizationId: org.id } } });
    expect((await stack.api('GET', `${BASE}/users/me`, { token: created.body.token })).body.organizationId).toBe(org.id);
    expect((await stack.api('GET', `${BASE}/users?organizationId=${org.id}`)).body.items.map((u: { email: string }) => u.email)).toEqual(['member@users-org.example']);
    const id = created.body.user.id;

    // A user may rename themselves, but not move between organizations.
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { token: created.body.token, body: { organizationId: null } }), 403);
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { token: created.body.token, body: { name: 'Renamed' } })).body).toMatchObject({ name: 'Renamed', organizationId: org.id });
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { organizationId: null, roles: ['agent'] } })).body).toMatchObject({ roles: ['agent'], organizationId: null });
    expect((await stack.api('PATCH', `${BASE}/users/${id}`, { body: { organizationId: org.id } })).body).toMatchObject({ name: 'Renamed', organizationId: org.id });

    expectProblem(await stack.api('POST', `${BASE}/users`, { body: { email: 'x@users-org.example', name: 'X', roles: ['end_user'], organizationId: UNKNOWN } }), 422, 'organizationId');
    expect((await stack.api('GET', `${BASE}/users?email=x@users-org.example`)).body.items).toEqual([]);
    expectProblem(await stack.api('POST', `${BASE}/users`, { body: { email: 'y@users-org.example', name: 'Y', roles: ['end_user'], organizationId: 'nope' } }), 400, 'organizationId');
    const gone = await newOrganization({ name: 'Gone Users Org' });
    await stack.api('DELETE', `${BASE}/organizations/${gone.id}`);
    // Refused as a whole: neither the organization nor the name changes.
    expectProblem(await stack.api('PATCH', `${BASE}/users/${id}`, { body: { organizationId: gone.id, name: 'Half' } }), 422, 'organizationId');
    expect((await stack.api('GET', `${BASE}/users?email=member@users-org.example`)).body.items[0]).toMatchObject({ name: 'Renamed', organizationId: org.id });
    // A user deactivated keeps their organization.
    expect((await stack.api('DELETE', `${BASE}/users/${id}`)).body).toMatchObject({ active: false, organizationId: org.id });
  });

  it('sets a team’s organization on creation and change, refusing unknown ones (422)', async () => {
    const org = await newOrganization({ name: 'Teams Org' });
    const created = await stack.api('POST', `${BASE}/teams`, { body: { name: 'org-team', organizationId: org.id } });
    expect(created).toMatchObject({ status: 201, body: { name: 'org-team', organizationId: org.id } });
    expect((await stack.api('GET', `${BASE}/teams/org-team`, { token: people.agent.token })).body.organizationId).toBe(org.id);
    expect((await stack.api('POST', `${BASE}/teams`, { body: { name: 'no-org-team' } })).body.organizationId).toBeNull();
    expect((await stack.api('PATCH', `${BASE}/teams/org-team`, { body: { organizationId: null } })).body.organizationId).toBeNull();
    expect((await stack.api('PATCH', `${BASE}/teams/org-team`, { body: { organizationId: org.id } })).body.organizationId).toBe(org.id);
    expectProblem(await stack.api('POST', `${BASE}/teams`, { body: { name: 'bad-org-team', organizationId: UNKNOWN } }), 422, 'organizationId');
    expectProblem(await stack.api('GET', `${BASE}/teams/bad-org-team`), 404);
    expectProblem(await stack.api('PATCH', `${BASE}/teams/org-team`, { body: { organizationId: UNKNOWN } }), 422, 'organizationId');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/org-team`, { body: { organizationId: 'nope' } }), 400, 'organizationId');
    expectProblem(await stack.api('PATCH', `${BASE}/teams/org-team`, { token: people.serviceManager.token, body: { organizationId: null } }), 403);
    expect((await stack.api('GET', `${BASE}/teams?limit=100`)).body.items.find((t: { name: string }) => t.name === 'org-team').organizationId).toBe(org.id);
  });
});
