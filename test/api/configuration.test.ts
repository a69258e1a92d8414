import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe('people', () => {
  it('creates a user whose token works once returned, and is stored only hashed', async () => {
    const created = await stack.api('POST', '/api/v1/users', { body: { email: 'Grace@Example.com', name: 'Grace', roles: ['agent', 'approver'] } });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email: 'grace@example.com', name: 'Grace', roles: ['agent', 'approver'] });
    expect(created.body.token).toMatch(/^tdk_[\w-]{40,}$/);
    const me = await stack.api('GET', '/api/v1/users/me', { token: created.body.token });
    expect(me.body.email).toBe('grace@example.com');

    const { apiTokens } = await import('../../db/schema');
    const stored = await stack.db.select().from(apiTokens);
    expect(stored.some((t) => t.tokenHash === created.body.token)).toBe(false);

    const duplicate = await stack.api('POST', '/api/v1/users', { body: { email: 'grace@example.com', name: 'G', roles: ['agent'] } });
    expect(duplicate.status).toBe(409);
  });

  it('lists users by email with a cursor and a role filter, for admins only', async () => {
    for (const name of ['p1', 'p2', 'p3']) await stack.api('POST', '/api/v1/users', { body: { email: `${name}@pager.example`, name, roles: ['end_user'] } });
    const first = await stack.api('GET', '/api/v1/users?role=end_user&limit=2');
    expect(first.body.items.map((u: { email: string }) => u.email)).toEqual(['p1@pager.example', 'p2@pager.example']);
    const second = await stack.api('GET', `/api/v1/users?role=end_user&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ email: 'p3@pager.example' }], nextCursor: null });
    const agent = await stack.user(['agent']);
    expect((await stack.api('GET', '/api/v1/users', { token: agent.token })).status).toBe(403);
  });

  it('issues further tokens to a user: by themselves or by an admin, and finds users by email', async () => {
    const own = await stack.user(['agent'], 'rotating@example.com');
    const other = await stack.user(['agent']);
    const [{ id }] = (await stack.api('GET', '/api/v1/users?email=Rotating@Example.com')).body.items;
    const mine = await stack.api('POST', `/api/v1/users/${id}/tokens`, { token: own.token, body: { label: 'laptop' } });
    expect(mine.status).toBe(201);
    expect((await stack.api('GET', '/api/v1/users/me', { token: mine.body.token })).body.email).toBe('rotating@example.com');
    // The first token still works: tokens are added, not rotated away.
    expect((await stack.api('GET', '/api/v1/users/me', { token: own.token })).status).toBe(200);
    expect((await stack.api('POST', `/api/v1/users/${id}/tokens`, { token: other.token, body: {} })).status).toBe(403);
    expect((await stack.api('POST', `/api/v1/users/${id}/tokens`, { body: {} })).status).toBe(201);
    expect((await stack.api('POST', '/api/v1/users/00000000-0000-4000-8000-000000000000/tokens', { body: {} })).status).toBe(404);
  });

  it('answers a method a path does not take with 405 and Allow, and an unknown path with 404', async () => {
    const trace = await stack.api('DELETE', '/api/v1/users');
    expect(trace.status).toBe(405);
    expect(trace.headers.get('allow')).toBe('GET, POST');
    expect(trace.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await stack.api('PUT', '/api/v1/incidents/INC000001/acknowledge', { body: {} })).headers.get('allow')).toBe('POST');
    expect((await stack.api('POST', '/health')).status).toBe(405);
    expect((await stack.api('GET', '/api/v1/no-such-thing')).status).toBe(404);
  });

  it('creates teams with members and an escalation team, and refuses unknown references', async () => {
    const member = await stack.user(['agent'], 'tm@example.com');
    expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'db-l2', description: 'Databases, second line' } })).status).toBe(201);
    const l1 = await stack.api('POST', '/api/v1/teams', { body: { name: 'db-l1', members: [member.email], escalationTeam: 'db-l2' } });
    expect(l1).toMatchObject({ status: 201, body: { name: 'db-l1', members: [member.email], escalationTeam: 'db-l2' } });
    expect((await stack.api('GET', '/api/v1/teams/db-l1', { token: member.token })).body.members).toEqual([member.email]);
    expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'db-l1' } })).status).toBe(409);
    const unknownMember = await stack.api('POST', '/api/v1/teams', { body: { name: 'x', members: ['nobody@example.com'] } });
    expect(unknownMember).toMatchObject({ status: 422, body: { errors: [{ field: 'members' }] } });
    expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'y', escalationTeam: 'nope' } })).status).toBe(422);
    expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'z', escalationTeam: 'z' } })).status).toBe(422);
    expect((await stack.api('GET', '/api/v1/teams/nope')).status).toBe(404);
    const list = await stack.api('GET', '/api/v1/teams?limit=1');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.nextCursor).not.toBeNull();
    const endUser = await stack.user(['end_user']);
    expect((await stack.api('GET', '/api/v1/teams', { token: endUser.token })).status).toBe(403);
  });
});

describe('SLAs', () => {
  const targets = {
    '1': { responseSeconds: 600, resolutionSeconds: 1800 },
    '2': { responseSeconds: 1800, resolutionSeconds: 14400 },
    '3': { responseSeconds: 3600, resolutionSeconds: 43200 },
    '4': { responseSeconds: 7200, resolutionSeconds: 86400 },
    '5': { responseSeconds: null, resolutionSeconds: null },
  };

  it('seeds a default SLA with the white paper’s targets', async () => {
    const list = await stack.api('GET', '/api/v1/slas');
    const seeded = list.body.items.find((s: { isDefault: boolean }) => s.isDefault);
    expect(seeded).toMatchObject({ name: 'Default', warnAtPercent: 75 });
    expect(seeded.targets['1']).toEqual({ responseSeconds: 900, resolutionSeconds: 3600 });
    expect(seeded.targets['4']).toEqual({ responseSeconds: 28800, resolutionSeconds: 172800 });
    expect(seeded.targets['5']).toEqual({ responseSeconds: null, resolutionSeconds: null });
  });

  it('applies the SLA an agent names, and a new default to incidents that name none', async () => {
    const gold = await stack.api('POST', '/api/v1/slas', { body: { name: 'Gold', targets, warnAtPercent: 80 } });
    expect(gold).toMatchObject({ status: 201, body: { name: 'Gold', warnAtPercent: 80, isDefault: false } });
    expect((await stack.api('GET', `/api/v1/slas/${gold.body.id}`)).body.name).toBe('Gold');
    const incident = await stack.api('POST', '/api/v1/incidents', { body: { title: 'ERP slow', impact: 1, urgency: 1, slaId: gold.body.id } });
    expect(incident.body.slaId).toBe(gold.body.id);
    expect(incident.body.sla.resolution.targetSeconds).toBe(1800);

    const unknown = await stack.api('POST', '/api/v1/incidents', { body: { title: 'x', impact: 1, urgency: 1, slaId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown).toMatchObject({ status: 422, body: { errors: [{ field: 'slaId' }] } });

    const silver = await stack.api('POST', '/api/v1/slas', { body: { name: 'Silver', targets, isDefault: true } });
    expect(silver.body.isDefault).toBe(true);
    const defaults = (await stack.api('GET', '/api/v1/slas')).body.items.filter((s: { isDefault: boolean }) => s.isDefault);
    expect(defaults.map((s: { name: string }) => s.name)).toEqual(['Silver']);
    const plain = await stack.api('POST', '/api/v1/incidents', { body: { title: 'Mail slow', impact: 2, urgency: 2 } });
    expect(plain.body.slaId).toBe(silver.body.id);
    expect((await stack.api('POST', '/api/v1/slas', { body: { name: 'Silver', targets } })).status).toBe(409);
  });
});

describe('platform endpoints', () => {
  it('reports health of the database, Temporal and a worker, and 503 naming the worker when none polls', async () => {
    const healthy = await stack.api('GET', '/health', { token: null });
    expect(healthy).toMatchObject({ status: 200, body: { status: 'ok', checks: { database: 'ok', temporal: 'ok', worker: 'ok' } } });

    // The same deployment, but pointed at a task queue no worker polls.
    const orphan = createApp({ db: stack.db, temporal: stack.client, taskQueue: 'nobody-polls-this', autoCloseSeconds: 60 });
    const response = await orphan.request('/health');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ status: 'unavailable', checks: { database: 'ok', temporal: 'ok', worker: expect.stringContaining('nobody-polls-this') } });
  });

  it('serves the OpenAPI 3.1 document of every route, and the docs page', async () => {
    const doc = await stack.api('GET', '/api/v1/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.body.paths);
    for (const p of ['/users', '/teams', '/slas', '/incidents', '/incidents/{number}', '/incidents/{number}/history', '/incidents/{number}/link-parent']) {
      expect(paths).toContain(p);
    }
    expect(doc.body.paths['/incidents'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const page = await fetch(`${stack.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/v1/openapi.json');
    const asset = await fetch(`${stack.baseUrl}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
