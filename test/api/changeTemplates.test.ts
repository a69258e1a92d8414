import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTemplate } from '../../db/changeRules';
import { changeTemplates, cmdbHistory } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Change templates (pre-approved standard changes) through the API, on the real stack. */

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
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const template = (name: string) => ({
  name,
  description: 'Restart one node of a pool',
  risk: 'low',
  impact: 3,
  urgency: 2,
  implementationPlan: 'Drain the node, restart it, check its health',
  backoutPlan: 'Put the node back as it was',
  maxDurationMinutes: 30,
});
const newTemplate = async (name: string, extra: Record<string, unknown> = {}) => {
  const res = await stack.api('POST', `${BASE}/change-templates`, { token: people.changeManager.token, body: { ...template(name), ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; active: boolean };
};
const history = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/change-templates/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};
const templateCount = async () => (await stack.db.select({ n: count() }).from(changeTemplates))[0]!.n;
const historyCount = async () => (await stack.db.select({ n: count() }).from(cmdbHistory).where(eq(cmdbHistory.subjectType, 'change_template')))[0]!.n;

describe('change templates', () => {
  it('creates, reads, changes and deactivates a template, recording each change', async () => {
    const created = await stack.api('POST', `${BASE}/change-templates`, {
      token: people.changeManager.token,
      body: { ...template('  Restart an app server '), description: undefined },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const stored = { ...template('Restart an app server'), description: '' };
    expect(created.body).toEqual({ id, ...stored, active: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(await stack.api('GET', `${BASE}/change-templates/${id}`, { token: people.agent.token })).toMatchObject({ status: 200, body: created.body });
    expect(await activeTemplate(stack.db, id)).toMatchObject({ id, name: 'Restart an app server', maxDurationMinutes: 30, active: true });

    const changed = await stack.api('PATCH', `${BASE}/change-templates/${id}`, {
      token: people.changeManager.token,
      body: { risk: 'medium', maxDurationMinutes: 45, backoutPlan: 'Put the node back as it was' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ risk: 'medium', maxDurationMinutes: 45, name: 'Restart an app server', active: true });
    expect(Date.parse(changed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    // Deactivated, not deleted: still readable (changes raised from it name it), no longer offered.
    const deactivated = await stack.api('DELETE', `${BASE}/change-templates/${id}`, { token: people.changeManager.token });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    expect(deactivated.body).toMatchObject({ id, active: false, risk: 'medium' });
    expect((await stack.api('GET', `${BASE}/change-templates/${id}`)).body.active).toBe(false);
    expect(await activeTemplate(stack.db, id)).toBeNull();
    // Deactivating again changes nothing and records nothing.
    expect((await stack.api('DELETE', `${BASE}/change-templates/${id}`)).status).toBe(200);

    const reactivated = await stack.api('PATCH', `${BASE}/change-templates/${id}`, { body: { active: true } });
    expect(reactivated.body.active).toBe(true);
    expect(await activeTemplate(stack.db, id)).toMatchObject({ id });

    const actor = people.changeManager.email;
    expect(await history(id)).toEqual([
      { at: expect.any(String), actor, action: 'created', attribute: null, oldValue: null, newValue: { ...stored, active: true } },
      { at: expect.any(String), actor, action: 'updated', attribute: 'risk', oldValue: 'low', newValue: 'medium' },
      { at: expect.any(String), actor, action: 'updated', attribute: 'maxDurationMinutes', oldValue: 30, newValue: 45 },
      { at: expect.any(String), actor, action: 'updated', attribute: 'active', oldValue: true, newValue: false },
      { at: expect.any(String), actor: expect.stringMatching(/@/), action: 'updated', attribute: 'active', oldValue: false, newValue: true },
    ]);
    expectProblem(await stack.api('GET', `${BASE}/change-templates/${UNKNOWN}/history`), 404);
    expect(await activeTemplate(stack.db, UNKNOWN)).toBeNull();
  });

  it('lets change managers and admins write, staff read, and nobody else either', async () => {
    const made = await newTemplate('Roles');
    for (const who of ['endUser', 'agent', 'approver', 'serviceManager'] as const) {
      const { token } = people[who];
      expectProblem(await stack.api('POST', `${BASE}/change-templates`, { token, body: template('Roles 2') }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/change-templates/${made.id}`, { token, body: { risk: 'high' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/change-templates/${made.id}`, { token }), 403);
    }
    for (const who of ['agent', 'approver', 'serviceManager', 'changeManager'] as const) {
      const { token } = people[who];
      expect((await stack.api('GET', `${BASE}/change-templates/${made.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/change-templates`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/change-templates/${made.id}/history`, { token })).status).toBe(200);
    }
    const { token } = people.endUser;
    expectProblem(await stack.api('GET', `${BASE}/change-templates/${made.id}`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-templates`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-templates/${made.id}/history`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/change-templates`, { token: null }), 401);
    // Admins write too (stack.api signs in as the admin by default); nothing the refused roles sent was written.
    expect((await stack.api('GET', `${BASE}/change-templates/${made.id}`)).body.risk).toBe('low');
    expect((await stack.api('PATCH', `${BASE}/change-templates/${made.id}`, { body: { risk: 'high' } })).body.risk).toBe('high');
    expect((await stack.api('POST', `${BASE}/change-templates`, { body: template('Roles 2') })).status).toBe(201);
    expect((await stack.api('DELETE', `${BASE}/change-templates/${made.id}`)).body.active).toBe(false);
  });

  it('refuses a taken name with a 409, writing nothing', async () => {
    const made = await newTemplate('Taken');
    await newTemplate('Other');
    const [templatesBefore, historyBefore] = [await templateCount(), await historyCount()];
    expectProblem(await stack.api('POST', `${BASE}/change-templates`, { token: people.changeManager.token, body: template('Taken') }), 409);
    // Deactivated templates keep their names.
    await stack.api('DELETE', `${BASE}/change-templates/${made.id}`);
    expectProblem(await stack.api('POST', `${BASE}/change-templates`, { token: people.changeManager.token, body: template('Taken') }), 409);
    expectProblem(await stack.api('PATCH', `${BASE}/change-templates/${made.id}`, { token: people.changeManager.token, body: { name: 'Other', risk: 'high' } }), 409);
    expect(await templateCount()).toBe(templatesBefore);
    expect(await historyCount()).toBe(historyBefore + 1);
    expect((await stack.api('GET', `${BASE}/change-templates/${made.id}`)).body).toMatchObject({ name: 'Taken', risk: 'low' });
    expectProblem(await stack.api('PATCH', `${BASE}/change-templates/${UNKNOWN}`, { body: { risk: 'high' } }), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/change-templates/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/change-templates/${UNKNOWN}`), 404);
  });

  it('refuses malformed input with a 400 naming the field', async () => {
    const post = (body: Record<string, unknown>) => stack.api('POST', `${BASE}/change-templates`, { token: people.changeManager.token, body: { ...template('Bad input'), ...body } });
    expectProblem(await post({ name: '   ' }), 400, 'name');
    expectProblem(await post({ name: 'x'.repeat(121) }), 400, 'name');
    expectProblem(await post({ name: 'nul\u0000' }), 400);
    expectProblem(await post({ description: 'x'.repeat(10_001) }), 400, 'description');
    expectProblem(await post({ implementationPlan: ' ' }), 400, 'implementationPlan');
    expectProblem(await post({ backoutPlan: 'x'.repeat(10_001) }), 400, 'backoutPlan');
    expectProblem(await post({ risk: 'extreme' }), 400, 'risk');
    expectProblem(await post({ impact: 0 }), 400, 'impact');
    expectProblem(await post({ urgency: 4 }), 400, 'urgency');
    expectProblem(await post({ impact: '1' }), 400, 'impact');
    expectProblem(await post({ maxDurationMinutes: 0 }), 400, 'maxDurationMinutes');
    expectProblem(await post({ maxDurationMinutes: 10_081 }), 400, 'maxDurationMinutes');
    expectProblem(await post({ maxDurationMinutes: 1.5 }), 400, 'maxDurationMinutes');
    expectProblem(await post({ colour: 'blue' }), 400, 'colour');
    const { backoutPlan: _, ...noBackout } = template('No backout');
    expectProblem(await stack.api('POST', `${BASE}/change-templates`, { body: noBackout }), 400, 'backoutPlan');
    // The bounds themselves are fine.
    expect((await post({ name: 'Bounds', maxDurationMinutes: 10_080, impact: 1, urgency: 3 })).status).toBe(201);

    const made = await newTemplate('Patch me');
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/change-templates/${made.id}`, { body });
    expectProblem(await patch({}), 400);
    expectProblem(await patch({ id: UNKNOWN }), 400, 'id');
    expectProblem(await patch({ active: 'no' }), 400, 'active');
    expectProblem(await patch({ maxDurationMinutes: -5 }), 400, 'maxDurationMinutes');
    expectProblem(await patch({ name: null }), 400, 'name');
    expectProblem(await stack.api('GET', `${BASE}/change-templates/not-an-id`), 400);
    expectProblem(await stack.api('GET', `${BASE}/change-templates?active=maybe`), 400, 'query.active');
    expectProblem(await stack.api('GET', `${BASE}/change-templates?cursor=nonsense`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/change-templates?cursor=${Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url')}`), 400, 'query.cursor');
    expect((await stack.api('GET', `${BASE}/change-templates/${made.id}`)).body.name).toBe('Patch me');
  });

  it('lists by name, finds by text and active, and pages through long names', async () => {
    // The longest name there is, in a script whose letters take more than one byte each.
    const long = `Ł-${'é"'.repeat(59)}`;
    const names = ['Ł-b', 'Ł-a', long, 'Ł-c'];
    const made = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await newTemplate(n, { description: n === 'Ł-c' ? 'Patch the kernel' : '' })])));
    await stack.api('DELETE', `${BASE}/change-templates/${made['Ł-b']!.id}`);
    const list = async (query: string) => {
      const res = await stack.api('GET', `${BASE}/change-templates?${query}`, { token: people.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: { name: string; active: boolean }[]; nextCursor: string | null };
    };
    const namesOf = (page: { items: { name: string }[] }) => page.items.map((t) => t.name);
    const ordered = ['Ł-a', 'Ł-b', 'Ł-c', long].sort();
    expect(namesOf(await list('q=%C5%81-'))).toEqual(ordered);
    expect(namesOf(await list('q=%C5%81-&active=true'))).toEqual(ordered.filter((n) => n !== 'Ł-b'));
    expect(namesOf(await list('q=%C5%81-&active=false'))).toEqual(['Ł-b']);
    // q looks in the description too, case-insensitively; % is literal.
    expect(namesOf(await list('q=KERNEL'))).toEqual(['Ł-c']);
    expect(namesOf(await list('q=%25'))).toEqual([]);

    for (const limit of [1, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`q=%C5%81-&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...namesOf(page));
        cursor = page.nextCursor;
        if (cursor) expect(cursor.length).toBeLessThanOrEqual(200);
      } while (cursor);
      expect(seen).toEqual(ordered);
    }
  });
});
