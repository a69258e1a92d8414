import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogItems, cmdbHistory, slas } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** The service catalog through the API, on the real stack: definitions, who sees what, references, history. */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'catalogManager' | 'serviceManager', { email: string; token: string }>;
let sla: string;
let oldSla: string;

const targets = Object.fromEntries(['1', '2', '3', '4', '5'].map((p) => [p, { responseSeconds: 3600, resolutionSeconds: 86_400 }]));

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    catalogManager: await stack.user(['catalog_manager']),
    serviceManager: await stack.user(['service_manager']),
  };
  for (const name of ['desk', 'procurement', 'finance']) expect((await stack.api('POST', `${BASE}/teams`, { body: { name } })).status).toBe(201);
  const [active, inactive] = await stack.db
    .insert(slas)
    .values([
      { name: 'Requests 3 days', targets: targets as never, warnAtPercent: 75 },
      { name: 'Retired requests SLA', targets: targets as never, warnAtPercent: 75, active: false },
    ])
    .returning({ id: slas.id });
  sla = active!.id;
  oldSla = inactive!.id;
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

/** A laptop: a form with a cost field, a manager level and a finance level above 1500, two tasks in parallel then one after both. */
const laptop = (name: string) => ({
  name,
  category: 'Hardware',
  description: 'A laptop for work',
  form: [
    { key: 'model', label: 'Model', type: 'select', required: true, options: ['13-inch', '15-inch'] },
    { key: 'budget', label: 'Budget', type: 'number', required: true, min: 0, max: 5000 },
    { key: 'reason', label: 'Why', type: 'textarea', maxLength: 500 },
  ],
  approvals: [
    { approver: { kind: 'manager' } },
    { approver: { kind: 'team', team: 'finance' }, rule: { kind: 'quorum', count: 2 }, minimumCost: 1500 },
  ],
  costField: 'budget',
  price: 1200.5,
  tasks: [
    { key: 'order', title: 'Order the laptop', team: 'procurement', instructions: 'From the framework contract' },
    { key: 'account', title: 'Prepare the account', team: 'desk' },
    { key: 'hand_over', title: 'Hand it over', team: 'desk', after: ['order', 'account'] },
  ],
  slaId: sla,
});
/** What the API answers for laptop(name): every default filled in. */
const laptopStored = (name: string) => {
  const sent = laptop(name);
  return {
    ...sent,
    form: [sent.form[0], { ...sent.form[1] }, { ...sent.form[2], required: false }],
    approvals: [{ approver: { kind: 'manager' }, rule: { kind: 'any' } }, sent.approvals[1]],
    tasks: [
      { ...sent.tasks[0], after: [] },
      { ...sent.tasks[1], instructions: '', after: [] },
      { ...sent.tasks[2], instructions: '' },
    ],
    taskOrder: 'parallel',
  };
};

const post = (body: unknown, token = people.catalogManager.token) => stack.api('POST', `${BASE}/catalog-items`, { token, body });
const newItem = async (body: Record<string, unknown>) => {
  const res = await post(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; active: boolean };
};
const history = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/catalog-items/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};
const itemCount = async () => (await stack.db.select({ n: count() }).from(catalogItems))[0]!.n;
const historyCount = async () => (await stack.db.select({ n: count() }).from(cmdbHistory).where(eq(cmdbHistory.subjectType, 'catalog_item')))[0]!.n;

describe('catalog items', () => {
  it('creates, reads, changes and deactivates an item, recording each change', async () => {
    const created = await post(laptop('  Laptop '));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const stored = laptopStored('Laptop');
    expect(created.body).toEqual({ id, ...stored, active: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(await stack.api('GET', `${BASE}/catalog-items/${id}`, { token: people.agent.token })).toMatchObject({ status: 200, body: created.body });

    const changed = await stack.api('PATCH', `${BASE}/catalog-items/${id}`, {
      token: people.catalogManager.token,
      // The form sent again as it is, keys in another order: no change, no history row.
      body: { price: 999.99, taskOrder: 'sequential', slaId: null, form: stored.form.map((f) => Object.fromEntries(Object.entries(f!).reverse())) },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ price: 999.99, taskOrder: 'sequential', slaId: null, form: stored.form, name: 'Laptop', active: true });

    const deactivated = await stack.api('DELETE', `${BASE}/catalog-items/${id}`, { token: people.catalogManager.token });
    expect(deactivated).toMatchObject({ status: 200, body: { id, active: false, price: 999.99 } });
    // Deactivating again changes nothing and records nothing.
    expect((await stack.api('DELETE', `${BASE}/catalog-items/${id}`)).body.active).toBe(false);
    const reactivated = await stack.api('PATCH', `${BASE}/catalog-items/${id}`, { body: { active: true, price: null } });
    expect(reactivated.body).toMatchObject({ active: true, price: null });

    const actor = people.catalogManager.email;
    const { name: _, ...rest } = stored;
    const items = await history(id);
    expect(items).toEqual([
      { at: expect.any(String), actor, action: 'created', attribute: null, oldValue: null, newValue: expect.objectContaining({ ...rest, name: 'Laptop', active: true }) },
      { at: expect.any(String), actor, action: 'updated', attribute: 'price', oldValue: 1200.5, newValue: 999.99 },
      { at: expect.any(String), actor, action: 'updated', attribute: 'taskOrder', oldValue: 'parallel', newValue: 'sequential' },
      { at: expect.any(String), actor, action: 'updated', attribute: 'slaId', oldValue: sla, newValue: null },
      { at: expect.any(String), actor, action: 'updated', attribute: 'active', oldValue: true, newValue: false },
      { at: expect.any(String), actor: expect.stringMatching(/@/), action: 'updated', attribute: 'price', oldValue: 999.99, newValue: null },
      { at: expect.any(String), actor: expect.stringMatching(/@/), action: 'updated', attribute: 'active', oldValue: false, newValue: true },
    ]);
    expect(items[0]!.newValue).toEqual(expect.objectContaining({ form: stored.form, tasks: stored.tasks, approvals: stored.approvals }));
    expectProblem(await stack.api('GET', `${BASE}/catalog-items/${UNKNOWN}/history`), 404);
  });

  it('changes the parts of a definition, checked against what is kept', async () => {
    const made = await newItem(laptop('Patched laptop'));
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/catalog-items/${made.id}`, { token: people.catalogManager.token, body });
    const before = await historyCount();
    // A form without the cost field's number field, tasks waiting for later ones in a sequential order, a cycle.
    expectProblem(await patch({ form: [{ key: 'model', label: 'Model', type: 'text' }] }), 400, 'costField');
    expectProblem(await patch({ taskOrder: 'sequential', tasks: [{ key: 'a', title: 'A', team: 'desk', after: ['b'] }, { key: 'b', title: 'B', team: 'desk' }] }), 400, 'tasks.0.after.0');
    expectProblem(await patch({ tasks: [{ key: 'a', title: 'A', team: 'desk', after: ['b'] }, { key: 'b', title: 'B', team: 'desk', after: ['a'] }] }), 400, 'tasks.1.after.0');
    expectProblem(await patch({ costField: 'reason' }), 400, 'costField');
    expectProblem(await patch({ form: [{ key: 'x', label: 'X', type: 'select' }] }), 400, 'form.0.options');
    expect(await historyCount()).toBe(before);

    const changed = await patch({ form: [{ key: 'amount', label: 'Amount', type: 'number' }], costField: 'amount', approvals: [], tasks: [{ key: 'ship', title: 'Ship it', team: 'procurement' }] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      form: [{ key: 'amount', label: 'Amount', type: 'number', required: false }],
      costField: 'amount',
      approvals: [],
      tasks: [{ key: 'ship', title: 'Ship it', team: 'procurement', instructions: '', after: [] }],
    });
    // Without a cost field, the form may drop its number field.
    expect((await patch({ costField: null, form: [] })).body).toMatchObject({ costField: null, form: [] });
    expect((await history(made.id)).map((h) => h.attribute)).toEqual([null, 'form', 'approvals', 'costField', 'tasks', 'form', 'costField']);
  });

  it('lets catalog managers and admins write, staff read everything, and end users read the active entries only', async () => {
    const made = await newItem(laptop('Roles laptop'));
    const retired = await newItem({ name: 'Roles retired', category: 'Hardware' });
    await stack.api('DELETE', `${BASE}/catalog-items/${retired.id}`);
    for (const who of ['endUser', 'agent', 'serviceManager'] as const) {
      const { token } = people[who];
      expectProblem(await post(laptop('Roles 2'), token), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/catalog-items/${made.id}`, { token, body: { price: 1 } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/catalog-items/${made.id}`, { token }), 403);
    }
    for (const who of ['agent', 'serviceManager', 'catalogManager'] as const) {
      const { token } = people[who];
      expect((await stack.api('GET', `${BASE}/catalog-items/${made.id}`, { token })).body).toMatchObject({ approvals: expect.any(Array), tasks: expect.any(Array) });
      expect((await stack.api('GET', `${BASE}/catalog-items/${retired.id}`, { token })).body).toMatchObject({ active: false });
      expect((await stack.api('GET', `${BASE}/catalog-items?q=Roles`, { token })).body.items.map((i: { name: string }) => i.name)).toEqual(['Roles laptop', 'Roles retired']);
      expect((await stack.api('GET', `${BASE}/catalog-items/${made.id}/history`, { token })).status).toBe(200);
    }

    // End users see what they may order, and only that of it.
    const { token } = people.endUser;
    const entry = { id: made.id, name: 'Roles laptop', category: 'Hardware', description: 'A laptop for work', form: laptopStored('x').form, price: 1200.5 };
    expect(await stack.api('GET', `${BASE}/catalog-items/${made.id}`, { token })).toMatchObject({ status: 200, body: entry });
    expect(Object.keys((await stack.api('GET', `${BASE}/catalog-items/${made.id}`, { token })).body).sort()).toEqual(Object.keys(entry).sort());
    expect((await stack.api('GET', `${BASE}/catalog-items?q=Roles`, { token })).body).toEqual({ items: [entry], nextCursor: null });
    expect((await stack.api('GET', `${BASE}/catalog-items?q=Roles&active=false`, { token })).body.items).toEqual([]);
    expectProblem(await stack.api('GET', `${BASE}/catalog-items/${retired.id}`, { token }), 404);
    expectProblem(await stack.api('GET', `${BASE}/catalog-items/${made.id}/history`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/catalog-items`, { token: null }), 401);

    // Admins write too (stack.api signs in as the admin by default); nothing the refused roles sent was written.
    expect((await stack.api('GET', `${BASE}/catalog-items/${made.id}`)).body).toMatchObject({ price: 1200.5, active: true });
    expect((await stack.api('PATCH', `${BASE}/catalog-items/${made.id}`, { body: { price: 1 } })).body.price).toBe(1);
    expect((await post(laptop('Roles 2'), stack.adminToken)).status).toBe(201);
    expect((await stack.api('DELETE', `${BASE}/catalog-items/${made.id}`)).body.active).toBe(false);
  });

  it('refuses bad definitions with a 400 naming each field, writing nothing', async () => {
    const [itemsBefore, historyBefore] = [await itemCount(), await historyCount()];
    const bad = (body: Record<string, unknown>) => post({ ...laptop('Bad'), ...body });
    const form = laptop('x').form;
    expectProblem(await bad({ name: '  ' }), 400, 'name');
    expectProblem(await bad({ category: 'x'.repeat(81) }), 400, 'category');
    expectProblem(await bad({ description: 'x'.repeat(10_001) }), 400, 'description');
    expectProblem(await bad({ colour: 'red' }), 400, 'colour');
    expectProblem(await bad({ form: [...form, { key: 'size', label: 'Size', type: 'select', options: ['S', 'S'] }] }), 400, 'form.3.options.1');
    expectProblem(await bad({ form: [...form, { key: 'size', label: 'Size', type: 'multiselect' }] }), 400, 'form.3.options');
    expectProblem(await bad({ form: [...form, { key: 'model', label: 'Again', type: 'text' }] }), 400, 'form.3.key');
    expectProblem(await bad({ form: [...form, { key: 'Bad-Key', label: 'Bad', type: 'text' }] }), 400, 'form.3.key');
    expectProblem(await bad({ form: [...form, { key: 'n', label: 'N', type: 'number', min: 5, max: 1 }] }), 400, 'form.3.max');
    expectProblem(await bad({ form: [...form, { key: 't', label: 'T', type: 'text', maxLength: 10_001 }] }), 400, 'form.3.maxLength');
    expectProblem(await bad({ form: [...form, { key: 't', label: 'T', type: 'text', pattern: '(' }] }), 400, 'form.3.pattern');
    expectProblem(await bad({ form: [...form, { key: 't', label: 'T', type: 'text', pattern: '(a+)+' }] }), 400, 'form.3.pattern');
    expectProblem(await bad({ form: Array.from({ length: 101 }, (_, i) => ({ key: `f${i}`, label: 'F', type: 'text' })), costField: null }), 400, 'form');
    expectProblem(await bad({ costField: 'reason' }), 400, 'costField');
    expectProblem(await bad({ costField: 'nothing' }), 400, 'costField');
    expectProblem(await bad({ price: 10.001 }), 400, 'price');
    expectProblem(await bad({ price: -1 }), 400, 'price');
    expectProblem(await bad({ approvals: Array.from({ length: 6 }, () => ({ approver: { kind: 'manager' } })) }), 400, 'approvals');
    expectProblem(await bad({ approvals: [{ approver: { kind: 'team' } }] }), 400, 'approvals.0.approver.team');
    expectProblem(await bad({ approvals: [{ approver: { kind: 'manager' }, minimumCost: -5 }] }), 400, 'approvals.0.minimumCost');
    expectProblem(await bad({ approvals: [{ approver: { kind: 'manager' }, rule: { kind: 'quorum', count: 0 } }] }), 400, 'approvals.0.rule.count');
    expectProblem(await bad({ tasks: [{ key: 'a', title: 'A', team: 'desk' }, { key: 'b', title: 'B', team: 'desk', after: ['c'] }] }), 400, 'tasks.1.after.0');
    expectProblem(await bad({ tasks: [{ key: 'a', title: 'A', team: 'desk', after: ['a'] }] }), 400, 'tasks.0.after.0');
    expectProblem(await bad({ tasks: [{ key: 'a', title: 'A', team: 'desk' }, { key: 'a', title: 'B', team: 'desk' }] }), 400, 'tasks.1.key');
    expectProblem(await bad({ tasks: Array.from({ length: 51 }, (_, i) => ({ key: `t${i}`, title: 'T', team: 'desk' })) }), 400, 'tasks');
    expectProblem(await bad({ taskOrder: 'random' }), 400, 'taskOrder');
    expectProblem(await bad({ slaId: 'gold' }), 400, 'slaId');
    const { category: _, ...noCategory } = laptop('No category');
    expectProblem(await post(noCategory), 400, 'category');

    const made = await newItem(laptop('Patch me'));
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/catalog-items/${made.id}`, { body });
    expectProblem(await patch({}), 400);
    expectProblem(await patch({ id: UNKNOWN }), 400, 'id');
    expectProblem(await patch({ active: 'no' }), 400, 'active');
    expectProblem(await patch({ name: null }), 400, 'name');
    expectProblem(await patch({ form: null }), 400, 'form');
    expectProblem(await patch({ form: [{ key: 'a', label: 'A', type: 'text', options: ['x'] }] }), 400, 'form.0.options');
    expectProblem(await stack.api('GET', `${BASE}/catalog-items/not-an-id`), 400);
    expectProblem(await stack.api('GET', `${BASE}/catalog-items?active=maybe`), 400, 'query.active');
    expectProblem(await stack.api('GET', `${BASE}/catalog-items?cursor=nonsense`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/catalog-items?cursor=${Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url')}`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/catalog-items?sort=name`), 400, 'query.sort');
    expect(await itemCount()).toBe(itemsBefore + 1);
    expect(await historyCount()).toBe(historyBefore + 1);
    expect((await stack.api('GET', `${BASE}/catalog-items/${made.id}`)).body).toMatchObject(laptopStored('Patch me'));
  });

  it('refuses unknown teams and SLAs with a 422 naming the field, and a taken name with a 409, writing nothing', async () => {
    const made = await newItem(laptop('Taken'));
    const [itemsBefore, historyBefore] = [await itemCount(), await historyCount()];
    const sent = laptop('References');
    expectProblem(await post({ ...sent, approvals: [sent.approvals[0], { approver: { kind: 'team', team: 'nobody' } }] }), 422, 'approvals.1.approver.team');
    expectProblem(await post({ ...sent, tasks: [sent.tasks[0], { ...sent.tasks[1], team: 'ghosts' }, sent.tasks[2]] }), 422, 'tasks.1.team');
    expectProblem(await post({ ...sent, slaId: UNKNOWN }), 422, 'slaId');
    expectProblem(await post({ ...sent, slaId: oldSla }), 422, 'slaId');
    expectProblem(await post({ ...laptop('Taken') }), 409);
    // Deactivated items keep their names.
    await stack.api('DELETE', `${BASE}/catalog-items/${made.id}`);
    expectProblem(await post({ ...laptop('Taken') }), 409);

    const other = await newItem({ name: 'Other', category: 'Software' });
    const patch = (body: unknown) => stack.api('PATCH', `${BASE}/catalog-items/${other.id}`, { body });
    expectProblem(await patch({ name: 'Taken', price: 5 }), 409);
    expectProblem(await patch({ tasks: [{ key: 'a', title: 'A', team: 'ghosts' }] }), 422, 'tasks.0.team');
    expectProblem(await patch({ approvals: [{ approver: { kind: 'team', team: 'nobody' } }] }), 422, 'approvals.0.approver.team');
    expectProblem(await patch({ slaId: oldSla }), 422, 'slaId');
    expect(await itemCount()).toBe(itemsBefore + 1);
    // The deactivation of `made` and the creation of `other`, nothing else.
    expect(await historyCount()).toBe(historyBefore + 2);
    expect((await stack.api('GET', `${BASE}/catalog-items/${other.id}`)).body).toMatchObject({ name: 'Other', price: null, tasks: [], approvals: [], slaId: null });
    expectProblem(await stack.api('PATCH', `${BASE}/catalog-items/${UNKNOWN}`, { body: { price: 1 } }), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/catalog-items/${UNKNOWN}`), 404);
    expectProblem(await stack.api('GET', `${BASE}/catalog-items/${UNKNOWN}`), 404);
  });

  it('lists by name, finds by text, category and active, and pages through long names', async () => {
    // The longest name there is, in a script whose letters take more than one byte each.
    const long = `Ł-${'é"'.repeat(59)}`;
    const specs = [
      { name: 'Ł-b', category: 'Access' },
      { name: 'Ł-a', category: 'Hardware' },
      { name: long, category: 'Hardware' },
      { name: 'Ł-c', category: 'Software', description: 'Licence for the DESIGN suite' },
    ];
    const made = Object.fromEntries(await Promise.all(specs.map(async (s) => [s.name, await newItem(s)])));
    await stack.api('DELETE', `${BASE}/catalog-items/${made['Ł-b']!.id}`);
    const list = async (query: string, token = people.agent.token) => {
      const res = await stack.api('GET', `${BASE}/catalog-items?${query}`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: { name: string }[]; nextCursor: string | null };
    };
    const namesOf = (page: { items: { name: string }[] }) => page.items.map((t) => t.name);
    const ordered = ['Ł-a', 'Ł-b', 'Ł-c', long].sort();
    expect(namesOf(await list('q=%C5%81-'))).toEqual(ordered);
    expect(namesOf(await list('q=%C5%81-&active=true'))).toEqual(ordered.filter((n) => n !== 'Ł-b'));
    expect(namesOf(await list('q=%C5%81-&active=false'))).toEqual(['Ł-b']);
    expect(namesOf(await list('q=%C5%81-', people.endUser.token))).toEqual(ordered.filter((n) => n !== 'Ł-b'));
    expect(namesOf(await list('q=%C5%81-&category=Hardware'))).toEqual(['Ł-a', long].sort());
    expect(namesOf(await list('q=%C5%81-&category=hardware'))).toEqual([]);
    // q looks in the description and the category too, case-insensitively; % is literal.
    expect(namesOf(await list('q=design'))).toEqual(['Ł-c']);
    expect(namesOf(await list('q=ACCESS'))).toEqual(['Ł-b']);
    expect(namesOf(await list('q=%25'))).toEqual([]);

    for (const [limit, token, expected] of [
      [1, people.agent.token, ordered],
      [3, people.agent.token, ordered],
      [1, people.endUser.token, ordered.filter((n) => n !== 'Ł-b')],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`q=%C5%81-&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...namesOf(page));
        cursor = page.nextCursor;
        if (cursor) expect(cursor.length).toBeLessThanOrEqual(200);
      } while (cursor);
      expect(seen).toEqual(expected);
    }
  });
});
