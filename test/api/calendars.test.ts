import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendars, cmdbHistory } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Business-hours calendars, and SLAs that count on them, on the real stack. */

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

const office = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '17:00' },
];
const officeWeek = { mon: office, tue: office, wed: office, thu: office, fri: office, sat: [], sun: [] };
const targets = {
  '1': { responseSeconds: 600, resolutionSeconds: 1800 },
  '2': { responseSeconds: 1800, resolutionSeconds: 14400 },
  '3': { responseSeconds: 3600, resolutionSeconds: 43200 },
  '4': { responseSeconds: 7200, resolutionSeconds: 86400 },
  '5': { responseSeconds: null, resolutionSeconds: null },
};

const newCalendar = async (body: Record<string, unknown>) => {
  const res = await stack.api('POST', `${BASE}/calendars`, { body: { timeZone: 'Europe/Paris', week: officeWeek, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
};
const history = async (id: string) => {
  const res = await stack.api('GET', `${BASE}/calendars/${id}/history`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { actor: string; action: string; attribute: string | null; oldValue: unknown; newValue: unknown }[];
};
const historyRows = async () => (await stack.db.select({ n: count() }).from(cmdbHistory).where(eq(cmdbHistory.subjectType, 'calendar')))[0]!.n;

describe('calendars', () => {
  it('creates, reads, changes and deletes a calendar, recording each change with old and new values', async () => {
    const created = await stack.api('POST', `${BASE}/calendars`, {
      token: people.serviceManager.token,
      body: {
        name: '  Paris office ',
        timeZone: 'europe/paris',
        week: officeWeek,
        holidays: [
          { date: '2026-12-25', name: 'Noël' },
          { date: '2026-05-01', name: 'Fête du Travail' },
        ],
      },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'Paris office',
        timeZone: 'Europe/Paris',
        week: officeWeek,
        // Kept in date order.
        holidays: [
          { date: '2026-05-01', name: 'Fête du Travail' },
          { date: '2026-12-25', name: 'Noël' },
        ],
        createdAt: expect.any(String),
      },
    });
    const { id } = created.body;
    expect((await stack.api('GET', `${BASE}/calendars/${id}`, { token: people.agent.token })).body).toEqual(created.body);

    const nights = { ...officeWeek, fri: [{ start: '22:00', end: '24:00' }], sat: [{ start: '00:00', end: '06:00' }] };
    const changed = await stack.api('PATCH', `${BASE}/calendars/${id}`, {
      token: people.serviceManager.token,
      body: { name: 'Paris support', week: nights, holidays: [{ date: '2026-12-25', name: 'Noël' }] },
    });
    expect(changed).toMatchObject({ status: 200, body: { id, name: 'Paris support', timeZone: 'Europe/Paris', week: nights, holidays: [{ date: '2026-12-25', name: 'Noël' }] } });
    // Naming what is already there changes nothing and records nothing.
    expect((await stack.api('PATCH', `${BASE}/calendars/${id}`, { body: { timeZone: 'Europe/Paris' } })).status).toBe(200);

    const entries = await history(id);
    expect(entries.map((e) => [e.action, e.attribute])).toEqual([
      ['created', null],
      ['updated', 'name'],
      ['updated', 'week'],
      ['updated', 'holidays'],
    ]);
    expect(entries[0]).toMatchObject({ actor: people.serviceManager.email, newValue: { name: 'Paris office', timeZone: 'Europe/Paris', week: officeWeek } });
    expect(entries[1]).toMatchObject({ oldValue: 'Paris office', newValue: 'Paris support' });
    expect(entries[2]).toMatchObject({ oldValue: officeWeek, newValue: nights });
    expect((entries[3]!.oldValue as unknown[]).length).toBe(2);

    expect((await stack.api('DELETE', `${BASE}/calendars/${id}`, { token: people.serviceManager.token })).status).toBe(204);
    expectProblem(await stack.api('GET', `${BASE}/calendars/${id}`), 404);
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/${id}`, { body: { name: 'x' } }), 404);
    expectProblem(await stack.api('DELETE', `${BASE}/calendars/${id}`), 404);
    // Its history outlives it, ending with what it was.
    const after = await history(id);
    expect(after.at(-1)).toMatchObject({ action: 'deleted', oldValue: { name: 'Paris support', week: nights } });
    expectProblem(await stack.api('GET', `${BASE}/calendars/${UNKNOWN}/history`), 404);
  });

  it('lists calendars by name, a page at a time, and finds them by text', async () => {
    for (const name of ['List A', 'List B', 'List C']) await newCalendar({ name });
    const first = await stack.api('GET', `${BASE}/calendars?q=list&limit=2`);
    expect(first.body.items.map((c: { name: string }) => c.name)).toEqual(['List A', 'List B']);
    const second = await stack.api('GET', `${BASE}/calendars?q=list&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ name: 'List C' }], nextCursor: null });
    expect((await stack.api('GET', `${BASE}/calendars?q=nothing-like-it`)).body.items).toEqual([]);
    expectProblem(await stack.api('GET', `${BASE}/calendars?cursor=forged`), 400, 'query.cursor');
    expectProblem(await stack.api('GET', `${BASE}/calendars?limit=0`), 400, 'query.limit');
  });

  it('lets service managers and admins write, staff read, and nobody else', async () => {
    const cal = await newCalendar({ name: 'Roles' });
    const body = { name: 'Roles 2', timeZone: 'UTC', week: officeWeek };
    for (const who of [people.agent, people.configurationManager, people.endUser]) {
      expectProblem(await stack.api('POST', `${BASE}/calendars`, { token: who.token, body }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/calendars/${cal.id}`, { token: who.token, body: { name: 'Taken over' } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/calendars/${cal.id}`, { token: who.token }), 403);
    }
    for (const who of [people.agent, people.configurationManager, people.serviceManager]) {
      expect((await stack.api('GET', `${BASE}/calendars`, { token: who.token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/calendars/${cal.id}`, { token: who.token })).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/calendars/${cal.id}/history`, { token: who.token })).status).toBe(200);
    }
    for (const path of ['', `/${cal.id}`, `/${cal.id}/history`, `/${cal.id}/business-time?from=2026-01-05T09:00:00Z&seconds=60`]) {
      expectProblem(await stack.api('GET', `${BASE}/calendars${path}`, { token: people.endUser.token }), 403);
    }
    expectProblem(await stack.api('GET', `${BASE}/calendars`, { token: null }), 401);
    expect((await stack.api('GET', `${BASE}/calendars/${cal.id}`)).body.name).toBe('Roles');
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const before = await historyRows();
    const cases: [string, Record<string, unknown>, string][] = [
      ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      ['a fixed offset', { timeZone: '+01:00' }, 'timeZone'],
      ['a week without Sunday', { week: { ...officeWeek, sun: undefined } }, 'week.sun'],
      ['an unknown day', { week: { ...officeWeek, monday: office } }, 'week.monday'],
      ['a period ending before it starts', { week: { ...officeWeek, mon: [{ start: '17:00', end: '09:00' }] } }, 'week.mon.0.end'],
      ['an empty period', { week: { ...officeWeek, mon: [{ start: '09:00', end: '09:00' }] } }, 'week.mon.0.end'],
      ['an hour 25', { week: { ...officeWeek, mon: [{ start: '25:00', end: '26:00' }] } }, 'week.mon.0.start'],
      ['24:00 as a start', { week: { ...officeWeek, mon: [{ start: '24:00', end: '24:00' }] } }, 'week.mon.0.start'],
      ['a time without its leading zero', { week: { ...officeWeek, mon: [{ start: '9:00', end: '17:00' }] } }, 'week.mon.0.start'],
      ['overlapping periods', { week: { ...officeWeek, tue: [{ start: '09:00', end: '13:00' }, { start: '12:00', end: '17:00' }] } }, 'week.tue.1.start'],
      ['periods out of order', { week: { ...officeWeek, wed: [{ start: '13:00', end: '17:00' }, { start: '09:00', end: '12:00' }] } }, 'week.wed.1.start'],
      ['a week never open', { week: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } }, 'week'],
      ['an unknown field in a period', { week: { ...officeWeek, thu: [{ start: '09:00', end: '17:00', label: 'x' }] } }, 'week.thu.0.label'],
      ['a date that does not exist', { holidays: [{ date: '2026-02-30', name: 'x' }] }, 'holidays.0.date'],
      ['a date in another format', { holidays: [{ date: '25/12/2026', name: 'x' }] }, 'holidays.0.date'],
      ['a holiday without a name', { holidays: [{ date: '2026-12-25' }] }, 'holidays.0.name'],
      ['a blank holiday name', { holidays: [{ date: '2026-12-25', name: '  ' }] }, 'holidays.0.name'],
      ['a date twice', { holidays: [{ date: '2026-12-25', name: 'a' }, { date: '2026-12-25', name: 'b' }] }, 'holidays.1.date'],
      ['a blank name', { name: ' ' }, 'name'],
      ['an unknown field', { colour: 'blue' }, 'colour'],
    ];
    for (const [what, change, field] of cases) {
      const res = await stack.api('POST', `${BASE}/calendars`, { body: { name: `Bad ${what}`, timeZone: 'Europe/Paris', week: officeWeek, ...change } });
      expectProblem(res, 400, field);
    }
    expectProblem(await stack.api('POST', `${BASE}/calendars`, { body: { name: 'No week', timeZone: 'UTC' } }), 400, 'week');
    expectProblem(await stack.api('POST', `${BASE}/calendars`, { body: { name: 'No zone', week: officeWeek } }), 400, 'timeZone');

    const cal = await newCalendar({ name: 'Target of bad changes' });
    const afterCreate = await historyRows();
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/${cal.id}`, { body: {} }), 400, '(body)');
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/${cal.id}`, { body: { timeZone: 'Nowhere/Land' } }), 400, 'timeZone');
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/${cal.id}`, { body: { week: { ...officeWeek, fri: [{ start: '08:00', end: '24:01' }] } } }), 400, 'week.fri.0.end');
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/not-an-id`, { body: { name: 'x' } }), 400, 'param.id');
    expectProblem(await stack.api('POST', `${BASE}/calendars`, { body: { name: 'Target of bad changes', timeZone: 'UTC', week: officeWeek } }), 409);
    await newCalendar({ name: 'Taken' });
    expectProblem(await stack.api('PATCH', `${BASE}/calendars/${cal.id}`, { body: { name: 'Taken' } }), 409);

    expect((await stack.api('GET', `${BASE}/calendars/${cal.id}`)).body).toMatchObject({ name: 'Target of bad changes', timeZone: 'Europe/Paris', week: officeWeek });
    expect(await historyRows()).toBe(afterCreate + 1);
    expect(afterCreate).toBe(before + 1);
    expect(await stack.db.select().from(calendars).where(eq(calendars.name, 'Bad an unknown time zone'))).toEqual([]);
  });

  it('previews business time: between two instants, or when a budget runs out', async () => {
    const cal = await newCalendar({ name: 'Preview', week: { ...officeWeek, mon: [{ start: '09:00', end: '17:00' }] }, holidays: [{ date: '2026-12-25', name: 'Noël' }] });
    const preview = (query: string) => stack.api('GET', `${BASE}/calendars/${cal.id}/business-time?${query}`, { token: people.agent.token });
    // Thursday 24 December 16:00: an hour of Thursday, Christmas closed, the weekend, Monday 09:00–10:00.
    const due = await preview(`from=${encodeURIComponent('2026-12-24T16:00:00+01:00')}&seconds=7200`);
    expect(due).toMatchObject({ status: 200, body: { from: '2026-12-24T15:00:00.000Z', to: '2026-12-28T09:00:00.000Z', businessSeconds: 7200 } });
    const between = await preview(`from=2026-12-21T00:00:00Z&to=2026-12-28T00:00:00Z`);
    // Monday 8 h, Tuesday to Thursday 7 h each (lunch), Friday a holiday.
    expect(between.body.businessSeconds).toBe((8 + 3 * 7) * 3600);
    expectProblem(await preview('from=2026-12-21T00:00:00Z'), 400, 'query.to');
    expectProblem(await preview('from=2026-12-21T00:00:00Z&to=2026-12-22T00:00:00Z&seconds=60'), 400, 'query.to');
    expectProblem(await preview('from=2026-12-21T00:00:00Z&to=2026-12-20T00:00:00Z'), 400, 'query.to');
    expectProblem(await preview('from=2026-12-21T00:00:00Z&to=2040-12-20T00:00:00Z'), 400, 'query.to');
    expectProblem(await preview('from=yesterday&seconds=60'), 400, 'query.from');
    expectProblem(await preview('from=2026-12-21T00:00:00Z&seconds=-60'), 400, 'query.seconds');
    expectProblem(await stack.api('GET', `${BASE}/calendars/${UNKNOWN}/business-time?from=2026-12-21T00:00:00Z&seconds=60`), 404);
  });
});

describe('SLAs on calendars', () => {
  it('names a calendar, shows it, changes it, and refuses one that does not exist (422)', async () => {
    const cal = await newCalendar({ name: 'SLA hours' });
    const created = await stack.api('POST', `${BASE}/slas`, { token: people.serviceManager.token, body: { name: 'Office SLA', targets, calendarId: cal.id } });
    expect(created).toMatchObject({ status: 201, body: { name: 'Office SLA', calendarId: cal.id } });
    const id = created.body.id;
    expect((await stack.api('GET', `${BASE}/slas/${id}`, { token: people.agent.token })).body.calendarId).toBe(cal.id);
    expect((await stack.api('POST', `${BASE}/slas`, { body: { name: 'Round the clock', targets } })).body.calendarId).toBeNull();

    expectProblem(await stack.api('POST', `${BASE}/slas`, { body: { name: 'Ghost hours', targets, calendarId: UNKNOWN } }), 422, 'calendarId');
    expectProblem(await stack.api('POST', `${BASE}/slas`, { body: { name: 'Bad hours', targets, calendarId: 'office' } }), 400, 'calendarId');
    expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { calendarId: UNKNOWN } }), 422, 'calendarId');
    expect((await stack.api('GET', `${BASE}/slas?limit=100`)).body.items.map((s: { name: string }) => s.name)).not.toContain('Ghost hours');

    const other = await newCalendar({ name: 'SLA hours 2', timeZone: 'America/New_York' });
    expect((await stack.api('PATCH', `${BASE}/slas/${id}`, { token: people.serviceManager.token, body: { calendarId: other.id } })).body.calendarId).toBe(other.id);
    expect((await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { calendarId: null } })).body.calendarId).toBeNull();
    expect((await stack.api('PATCH', `${BASE}/slas/${id}`, { body: { calendarId: cal.id } })).body.calendarId).toBe(cal.id);
  });

  it('lets service managers and admins write SLAs; staff read them; end users neither', async () => {
    const made = await stack.api('POST', `${BASE}/slas`, { token: people.serviceManager.token, body: { name: 'Managed', targets } });
    expect(made.status).toBe(201);
    const id = made.body.id;
    expect((await stack.api('PATCH', `${BASE}/slas/${id}`, { token: people.serviceManager.token, body: { warnAtPercent: 60 } })).body.warnAtPercent).toBe(60);
    for (const who of [people.agent, people.configurationManager, people.endUser]) {
      expectProblem(await stack.api('POST', `${BASE}/slas`, { token: who.token, body: { name: `By ${who.email}`, targets } }), 403);
      expectProblem(await stack.api('PATCH', `${BASE}/slas/${id}`, { token: who.token, body: { warnAtPercent: 50 } }), 403);
      expectProblem(await stack.api('DELETE', `${BASE}/slas/${id}`, { token: who.token }), 403);
    }
    for (const who of [people.agent, people.configurationManager, people.serviceManager]) {
      expect((await stack.api('GET', `${BASE}/slas/${id}`, { token: who.token })).status).toBe(200);
    }
    expectProblem(await stack.api('GET', `${BASE}/slas`, { token: people.endUser.token }), 403);
    expect((await stack.api('DELETE', `${BASE}/slas/${id}`, { token: people.serviceManager.token })).body).toMatchObject({ active: false, warnAtPercent: 60 });
  });

  it('refuses to delete a calendar while an SLA, even a deactivated one, uses it (409)', async () => {
    const cal = await newCalendar({ name: 'In use' });
    const sla = await stack.api('POST', `${BASE}/slas`, { body: { name: 'Uses it', targets, calendarId: cal.id } });
    expect((await stack.api('DELETE', `${BASE}/slas/${sla.body.id}`)).body.active).toBe(false);
    const refused = await stack.api('DELETE', `${BASE}/calendars/${cal.id}`);
    expectProblem(refused, 409);
    expect(refused.body.slas).toEqual([{ id: sla.body.id, name: 'Uses it' }]);
    expect((await stack.api('GET', `${BASE}/calendars/${cal.id}`)).status).toBe(200);
    expect((await history(cal.id)).map((e) => e.action)).toEqual(['created']);

    expect((await stack.api('PATCH', `${BASE}/slas/${sla.body.id}`, { body: { calendarId: null } })).status).toBe(200);
    expect((await stack.api('DELETE', `${BASE}/calendars/${cal.id}`)).status).toBe(204);
  });

  it('runs a new incident’s clocks on its SLA’s calendar: closed days count nothing', async () => {
    // Open all day, every day, except five holidays around today (UTC): the clocks start when they end.
    const DAY = 24 * 3600 * 1000;
    const today = Math.floor(Date.now() / DAY);
    const holidays = [-1, 0, 1, 2, 3].map((d) => ({ date: new Date((today + d) * DAY).toISOString().slice(0, 10), name: `closed ${d}` }));
    const allDay = [{ start: '00:00', end: '24:00' }];
    const cal = await newCalendar({ name: 'Closed this week', timeZone: 'UTC', week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay }, holidays });
    const sla = await stack.api('POST', `${BASE}/slas`, { body: { name: 'After the break', targets, calendarId: cal.id } });
    const incident = await stack.api('POST', `${BASE}/incidents`, { body: { title: 'Printer on fire', impact: 1, urgency: 1, slaId: sla.body.id } });
    expect(incident.status, JSON.stringify(incident.body)).toBe(201);
    const opens = (today + 4) * DAY;
    expect(incident.body.sla.calendar).toMatchObject({ kind: 'business', id: cal.id, timeZone: 'UTC' });
    expect(incident.body.sla.response).toMatchObject({ targetSeconds: 600, elapsedSeconds: 0, dueAt: new Date(opens + 600_000).toISOString() });
    expect(incident.body.sla.resolution.dueAt).toBe(new Date(opens + 1_800_000).toISOString());
    const read = await stack.api('GET', `${BASE}/incidents/${incident.body.number}`);
    expect(read.body.sla.response).toMatchObject({ elapsedSeconds: 0, dueAt: new Date(opens + 600_000).toISOString(), breached: false });
  });
});
