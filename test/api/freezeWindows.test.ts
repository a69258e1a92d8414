import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cis, cmdbHistory, freezeWindows, services } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Freeze windows through the API, on the real stack. */

const BASE = '/api/v1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let stack: Stack;
let people: Record<'endUser' | 'agent' | 'approver' | 'changeManager' | 'serviceManager', { email: string; token: string }>;
let ci: string[];
let service: string[];

beforeAll(async () => {
  stack = await startStack();
  people = {
    endUser: await stack.user(['end_user']),
    agent: await stack.user(['agent']),
    approver: await stack.user(['approver']),
    changeManager: await stack.user(['change_manager']),
    serviceManager: await stack.user(['service_manager']),
  };
  // Straight into the tables: the CI and service routes are tested on their own.
  ci = (
    await stack.db
      .insert(cis)
      .values(['fw-a', 'fw-b', 'fw-c'].map((name) => ({ class: 'generic', name, status: 'production', criticality: 'high' })))
      .returning({ id: cis.id })
  ).map((r) => r.id);
  service = (
    await stack.db
      .insert(services)
      .values(['fw-mail', 'fw-web'].map((name) => ({ name, criticality: 'high' })))
      .returning({ id: services.id })
  ).map((r) => r.id);
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const sorted = (ids: string[]) => [...ids].sort();
const newFreeze = async (body: Record<string, unknown>) => {
  const res = await stack.api('POST', `${BASE}/freeze-windows`, { token: people.changeManager.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
};
const history = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/freeze-windows/${id}/history`, { token: people.agent.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};
const freezeCount = async () => (await stack.db.select({ n: count() }).from(freezeWindows))[0]!.n;
const historyCount = async () => (await stack.db.select({ n: count() }).from(cmdbHistory).where(eq(cmdbHistory.subjectType, 'freeze_window')))[0]!.n;

describe('freeze windows', () => {
  it('creates, reads, changes and deletes a freeze window, recording each change', async () => {
    const created = await stack.api('POST', `${BASE}/freeze-windows`, {
      token: people.changeManager.token,
      body: {
        name: '  Year-end close ',
        reason: 'Finance closes the books',
        startsAt: '2031-12-20T01:00:00+01:00',
        endsAt: '2032-01-04T00:00:00Z',
        // Kept as a set in id order, lower-cased as stored.
        ciIds: [ci[1]!.toUpperCase(), ci[0]!],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toEqual({
      id,
      name: 'Year-end close',
      reason: 'Finance closes the books',
      startsAt: '2031-12-20T00:00:00.000Z',
      endsAt: '2032-01-04T00:00:00.000Z',
      serviceIds: [],
      ciIds: sorted([ci[0]!, ci[1]!]),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await stack.api('GET', `${BASE}/freeze-windows/${id}`, { token: people.agent.token });
    expect(read).toMatchObject({ status: 200, body: created.body });

    const changed = await stack.api('PATCH', `${BASE}/freeze-windows/${id}`, {
      token: people.changeManager.token,
      body: { endsAt: '2032-01-05T00:00:00Z', serviceIds: [service[0]], ciIds: [ci[1], ci[2]], reason: 'Finance closes the books' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ endsAt: '2032-01-05T00:00:00.000Z', serviceIds: [service[0]], ciIds: sorted([ci[1]!, ci[2]!]), name: 'Year-end close' });

    const deleted = await stack.api('DELETE', `${BASE}/freeze-windows/${id}`, { token: people.changeManager.token });
    expect(deleted.status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows/${id}`), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/freeze-windows/${id}`), 404);

    // The history outlives the freeze: its creation, each attribute and member changed (the unchanged reason is not), its deletion.
    const actor = people.changeManager.email;
    const snapshot = {
      name: 'Year-end close',
      reason: 'Finance closes the books',
      startsAt: '2031-12-20T00:00:00.000Z',
      endsAt: '2032-01-04T00:00:00.000Z',
      serviceIds: [],
      ciIds: sorted([ci[0]!, ci[1]!]),
    };
    expect(await history(id)).toEqual([
      { at: expect.any(String), actor, action: 'created', attribute: null, oldValue: null, newValue: snapshot },
      { at: expect.any(String), actor, action: 'updated', attribute: 'endsAt', oldValue: '2032-01-04T00:00:00.000Z', newValue: '2032-01-05T00:00:00.000Z' },
      { at: expect.any(String), actor, action: 'linked', attribute: 'service', oldValue: null, newValue: service[0] },
      { at: expect.any(String), actor, action: 'linked', attribute: 'ci', oldValue: null, newValue: ci[2] },
      { at: expect.any(String), actor, action: 'unlinked', attribute: 'ci', oldValue: ci[0], newValue: null },
      {
        at: expect.any(String),
        actor,
        action: 'deleted',
        attribute: null,
        oldValue: { ...snapshot, endsAt: '2032-01-05T00:00:00.000Z', serviceIds: [service[0]], ciIds: sorted([ci[1]!, ci[2]!]) },
        newValue: null,
      },
    ]);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows/${UNKNOWN}/history`), 404);
  });

  it('lets change managers and admins write, staff read, and nobody else either', async () => {
    const freeze = await newFreeze({ name: 'Roles', startsAt: '2031-06-01T00:00:00Z', endsAt: '2031-06-02T00:00:00Z' });
    const body = { name: 'Roles 2', startsAt: '2031-06-01T00:00:00Z', endsAt: '2031-06-02T00:00:00Z' };
    for (const who of ['endUser', 'agent', 'approver', 'serviceManager'] as const) {
      const { token } = people[who];
      expectProblem(await stack.api('POST', `${BASE}/freeze-windows`, { token, body }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/freeze-windows/${freeze.id}`, { token, body: { reason: 'mine' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/freeze-windows/${freeze.id}`, { token }), 403);
    }
    for (const who of ['agent', 'approver', 'serviceManager', 'changeManager'] as const) {
      const { token } = people[who];
      expect((await stack.api('GET', `${BASE}/freeze-windows/${freeze.id}`, { token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/freeze-windows`, { token })).status).toBe(200);
    }
    const { token } = people.endUser;
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows/${freeze.id}`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows/${freeze.id}/history`, { token }), 403);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows`, { token: null }), 401);
    // Admins write too (stack.api signs in as the admin by default).
    expect((await stack.api('PATCH', `${BASE}/freeze-windows/${freeze.id}`, { body: { reason: 'admin says' } })).body.reason).toBe('admin says');
    const fromAdmin = await stack.api('POST', `${BASE}/freeze-windows`, { body });
    expect(fromAdmin.status).toBe(201);
    expect((await stack.api('DELETE', `${BASE}/freeze-windows/${fromAdmin.body.id}`)).status).toBe(204);
  });

  it('refuses a taken name (409), an end not after the start and unknown services or CIs (422 naming them), writing nothing', async () => {
    const freeze = await newFreeze({ name: 'Taken', startsAt: '2031-07-01T00:00:00Z', endsAt: '2031-07-02T00:00:00Z', ciIds: [ci[0]] });
    const [freezesBefore, historyBefore] = [await freezeCount(), await historyCount()];
    const post = (body: Record<string, unknown>) =>
      stack.api('POST', `${BASE}/freeze-windows`, { token: people.changeManager.token, body: { name: 'Fresh', startsAt: '2031-07-01T00:00:00Z', endsAt: '2031-07-02T00:00:00Z', ...body } });
    const patch = (body: Record<string, unknown>) => stack.api('PATCH', `${BASE}/freeze-windows/${freeze.id}`, { token: people.changeManager.token, body });

    expectProblem(await post({ name: 'Taken' }), 409);
    expectProblem(await post({ endsAt: '2031-07-01T00:00:00Z' }), 422, 'endsAt');
    expectProblem(await post({ endsAt: '2031-06-30T00:00:00Z' }), 422, 'endsAt');
    expectProblem(await post({ ciIds: [ci[0], UNKNOWN] }), 422, 'ciIds.1');
    expectProblem(await post({ serviceIds: [UNKNOWN] }), 422, 'serviceIds.0');

    const other = await newFreeze({ name: 'Other', startsAt: '2031-07-01T00:00:00Z', endsAt: '2031-07-02T00:00:00Z' });
    expectProblem(await patch({ name: 'Other' }), 409);
    // Against the stored start when only the end moves, and the stored end when only the start does.
    expectProblem(await patch({ endsAt: '2031-06-30T00:00:00Z' }), 422, 'endsAt');
    expectProblem(await patch({ startsAt: '2031-07-02T00:00:00Z' }), 422, 'endsAt');
    expectProblem(await patch({ ciIds: [ci[1], UNKNOWN], reason: 'half' }), 422, 'ciIds.1');
    expectProblem(await patch({ serviceIds: [service[0], service[1], UNKNOWN] }), 422, 'serviceIds.2');
    expectProblem(await stack.api('PATCH', `${BASE}/freeze-windows/${UNKNOWN}`, { token: people.changeManager.token, body: { reason: 'x' } }), 404);

    expect(await freezeCount()).toBe(freezesBefore + 1);
    expect(await historyCount()).toBe(historyBefore + 1);
    const unchanged = await stack.api('GET', `${BASE}/freeze-windows/${freeze.id}`);
    expect(unchanged.body).toMatchObject({ name: 'Taken', reason: '', endsAt: '2031-07-02T00:00:00.000Z', ciIds: [ci[0]], serviceIds: [] });
    await stack.api('DELETE', `${BASE}/freeze-windows/${other.id}`);
    await stack.api('DELETE', `${BASE}/freeze-windows/${freeze.id}`);
  });

  it('refuses malformed input with a 400 naming the field', async () => {
    const good = { name: 'Bad input', startsAt: '2031-08-01T00:00:00Z', endsAt: '2031-08-02T00:00:00Z' };
    const post = (body: Record<string, unknown>) => stack.api('POST', `${BASE}/freeze-windows`, { token: people.changeManager.token, body });
    expectProblem(await post({ ...good, name: '   ' }), 400, 'name');
    expectProblem(await post({ ...good, name: 'x'.repeat(121) }), 400, 'name');
    expectProblem(await post({ ...good, reason: 'x'.repeat(4001) }), 400, 'reason');
    expectProblem(await post({ ...good, startsAt: '2031-08-01' }), 400, 'startsAt');
    expectProblem(await post({ ...good, endsAt: 'tomorrow' }), 400, 'endsAt');
    expectProblem(await post({ ...good, ciIds: ['not-a-uuid'] }), 400, 'ciIds.0');
    expectProblem(await post({ ...good, serviceIds: [service[0], service[0]] }), 400, 'serviceIds');
    expectProblem(await post({ ...good, colour: 'blue' }), 400, 'colour');
    const { startsAt: _, ...noStart } = good;
    expectProblem(await post(noStart), 400, 'startsAt');
    expectProblem(await stack.api('PATCH', `${BASE}/freeze-windows/${UNKNOWN}`, { body: {} }), 400);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows/not-an-id`), 400);
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows?from=yesterday`), 400, 'query.from');
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows?from=2031-01-02T00:00:00Z&to=2031-01-01T00:00:00Z`), 400, 'query.to');
    expectProblem(await stack.api('GET', `${BASE}/freeze-windows?cursor=nonsense`), 400, 'query.cursor');
  });

  it('lists by start (then id), keeps those overlapping [from, to), and pages through them', async () => {
    // Three starting at the same instant, one with the longest name there is; one before, one after.
    const at = (day: number) => `2035-03-${String(day).padStart(2, '0')}T00:00:00.000Z`;
    const long = `L-${'é"'.repeat(59)}`;
    const made = {
      'L-c': await newFreeze({ name: 'L-c', startsAt: at(10), endsAt: at(12) }),
      'L-a': await newFreeze({ name: 'L-a', startsAt: at(10), endsAt: at(11) }),
      [long]: await newFreeze({ name: long, startsAt: at(10), endsAt: at(15) }),
      'L-early': await newFreeze({ name: 'L-early', startsAt: at(1), endsAt: at(5) }),
      'L-late': await newFreeze({ name: 'L-late', startsAt: at(20), endsAt: at(25) }),
    };
    const sameStart = ['L-c', 'L-a', long].sort((a, b) => (made[a]!.id < made[b]!.id ? -1 : 1));
    const list = async (query: string) => {
      const res = await stack.api('GET', `${BASE}/freeze-windows?${query}`, { token: people.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: { name: string }[]; nextCursor: string | null };
    };
    const namesOf = (page: { items: { name: string }[] }) => page.items.map((f) => f.name);
    expect(namesOf(await list(`from=${at(1)}&to=${at(30)}`))).toEqual(['L-early', ...sameStart, 'L-late']);
    // Half-open: L-early ends at 5, L-late starts at 20, L-a ends at 11.
    expect(namesOf(await list(`from=${at(5)}&to=${at(20)}`))).toEqual(sameStart);
    expect(namesOf(await list(`from=${at(11)}&to=${at(20)}`))).toEqual(sameStart.filter((n) => n !== 'L-a'));
    expect(namesOf(await list(`from=${at(14)}`))).toEqual([long, 'L-late']);
    const before = namesOf(await list(`to=${at(10)}`));
    expect(before).toContain('L-early');
    expect(before).not.toContain('L-a');

    // Pages of one and two, through the three that start together and the long name.
    for (const limit of [1, 2]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`from=${at(1)}&to=${at(30)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...namesOf(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['L-early', ...sameStart, 'L-late']);
    }
    for (const f of Object.values(made)) await stack.api('DELETE', `${BASE}/freeze-windows/${f.id}`);
  });
});
