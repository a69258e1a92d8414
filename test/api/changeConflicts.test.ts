import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCalendar, findConflicts, type ChangePlan } from '../../db/changeConflicts';
import type { DatabaseHandle } from '../../db/client';
import { changeWindows, ciRelations, cis, freezeWindows, serviceCis, services, ticketCis } from '../../db/schema';
import { openTestDatabase } from '../helpers/database';

/**
 * Conflict detection and the change calendar, called directly on a real
 * database (PGlite, or PostgreSQL with DATABASE_URL) filled with rows as the
 * change projection and the CMDB routes write them.
 */

let handle: DatabaseHandle;
const db = () => handle.db;

/** Hours from 10:00 UTC on 1 March 2031: every window below is placed around the plan [0 h, 2 h). */
const T0 = Date.parse('2031-03-01T10:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

/*
 *   app ─runs_on─▶ srv ─hosts─▶ vm        (app and vm depend on srv)
 *   app ─depends_on─▶ dbase               (two hops from srv)
 *   lone                                   (related to nothing)
 *   mail service: delivered by srv;  billing service: delivered by lone
 */
const ci: Record<'srv' | 'app' | 'vm' | 'dbase' | 'lone', string> = {} as never;
const service: Record<'mail' | 'billing' | 'portal', string> = {} as never;
const freeze: Record<string, string> = {};

interface ChangeRow {
  number: string;
  status: string;
  from: number;
  to: number;
  cis: (keyof typeof ci)[];
  type?: string;
}

/*
 * Around the plan [0 h, 2 h) on srv:
 *   CHG000001 srv            [1, 3)     shares srv
 *   CHG000002 app            [-1, 0.5)  app runs on srv: related
 *   CHG000003 srv            [2, 4)     touches the plan's end: no conflict
 *   CHG000004 srv            [-2, 0)    touches the plan's start: no conflict
 *   CHG000005-7 srv          [0, 2)     closed, cancelled, rejected: over
 *   CHG000008 lone           [0, 2)     unrelated
 *   CHG000009 dbase          [0, 2)     two hops away: not directly related
 *   CHG000010 srv, app, vm   [1, 1.5)   shares srv, app and vm related
 *   CHG000011 srv            [0, 2)     the change the plan is, when numbered
 *   CHG000012 vm             [24, 26)   a day later
 */
const CHANGES: ChangeRow[] = [
  { number: 'CHG000001', status: 'scheduled', from: 1, to: 3, cis: ['srv'] },
  { number: 'CHG000002', status: 'implement', from: -1, to: 0.5, cis: ['app'], type: 'emergency' },
  { number: 'CHG000003', status: 'scheduled', from: 2, to: 4, cis: ['srv'] },
  { number: 'CHG000004', status: 'review', from: -2, to: 0, cis: ['srv'] },
  { number: 'CHG000005', status: 'closed', from: 0, to: 2, cis: ['srv'] },
  { number: 'CHG000006', status: 'cancelled', from: 0, to: 2, cis: ['srv'] },
  { number: 'CHG000007', status: 'rejected', from: 0, to: 2, cis: ['srv'] },
  { number: 'CHG000008', status: 'authorize', from: 0, to: 2, cis: ['lone'] },
  { number: 'CHG000009', status: 'assess', from: 0, to: 2, cis: ['dbase'] },
  { number: 'CHG000010', status: 'new', from: 1, to: 1.5, cis: ['srv', 'app', 'vm'], type: 'standard' },
  { number: 'CHG000011', status: 'scheduled', from: 0, to: 2, cis: ['srv'] },
  { number: 'CHG000012', status: 'scheduled', from: 24, to: 26, cis: ['vm'] },
];

beforeAll(async () => {
  handle = await openTestDatabase();
  const keys = ['srv', 'app', 'vm', 'dbase', 'lone'] as const;
  const made = await db()
    .insert(cis)
    .values(keys.map((name) => ({ class: 'generic', name: `${name}-conflicts`, status: 'production', criticality: 'high' })))
    .returning({ id: cis.id, name: cis.name });
  for (const row of made) ci[row.name.replace('-conflicts', '') as keyof typeof ci] = row.id;
  await db()
    .insert(ciRelations)
    .values([
      { sourceId: ci.app, type: 'runs_on', targetId: ci.srv, createdBy: 'test' },
      { sourceId: ci.srv, type: 'hosts', targetId: ci.vm, createdBy: 'test' },
      { sourceId: ci.app, type: 'depends_on', targetId: ci.dbase, createdBy: 'test' },
    ]);
  const svc = await db()
    .insert(services)
    .values(['mail', 'billing', 'portal'].map((name) => ({ name: `${name}-conflicts`, criticality: 'high' })))
    .returning({ id: services.id, name: services.name });
  for (const row of svc) service[row.name.replace('-conflicts', '') as keyof typeof service] = row.id;
  await db()
    .insert(serviceCis)
    .values([
      { serviceId: service.mail, ciId: ci.srv },
      { serviceId: service.billing, ciId: ci.lone },
    ]);
  await db()
    .insert(changeWindows)
    .values(
      CHANGES.map((c) => ({
        number: c.number,
        title: `Change ${c.number}`,
        changeType: c.type ?? 'normal',
        status: c.status,
        plannedStart: at(c.from),
        plannedEnd: at(c.to),
        updatedAt: new Date(),
      })),
    );
  await db()
    .insert(ticketCis)
    .values(CHANGES.flatMap((c) => c.cis.map((k) => ({ number: c.number, ciId: ci[k] }))));
  /*
   *   everything    [1, 5)    global
   *   srv-freeze    [-3, 0.5) names srv
   *   mail-freeze   [1.5, 9)  names the mail service (which srv delivers)
   *   portal-freeze [0, 2)    names the portal service (only when the plan names it)
   *   elsewhere     [0, 2)    names lone and billing
   *   touching      [2, 3)    global, touches the plan's end
   *   before        [-1, 0)   global, touches the plan's start
   */
  const FREEZES = [
    { name: 'everything', from: 1, to: 5 },
    { name: 'srv-freeze', from: -3, to: 0.5, ciIds: [ci.srv] },
    { name: 'mail-freeze', from: 1.5, to: 9, serviceIds: [service.mail] },
    { name: 'portal-freeze', from: 0, to: 2, serviceIds: [service.portal] },
    { name: 'elsewhere', from: 0, to: 2, ciIds: [ci.lone], serviceIds: [service.billing] },
    { name: 'touching', from: 2, to: 3 },
    { name: 'before', from: -1, to: 0 },
  ];
  const rows = await db()
    .insert(freezeWindows)
    .values(FREEZES.map(({ name, from, to, ciIds = [], serviceIds = [] }) => ({ name, reason: `why ${name}`, startsAt: at(from), endsAt: at(to), ciIds, serviceIds })))
    .returning({ id: freezeWindows.id, name: freezeWindows.name });
  for (const row of rows) freeze[row.name] = row.id;
});
afterAll(() => handle?.close());

const plan = (over: Partial<ChangePlan> = {}): ChangePlan => ({ ciIds: [ci.srv], serviceIds: [], start: at(0), end: at(2), ...over });
const numbers = (changes: { number: string }[]) => changes.map((c) => c.number);
const names = (freezes: { name: string }[]) => freezes.map((f) => f.name);
const sorted = (ids: string[]) => [...ids].sort();

describe('findConflicts', () => {
  it('finds live changes overlapping on the same CI or a CI one relation away, in order of planned start; ignores touching, closed, unrelated and farther ones', async () => {
    const { changes } = await findConflicts(db(), plan({ number: 'CHG000011' }));
    // CHG000002 starts first (-1 h); CHG000001 and CHG000010 both start at 1 h: by number.
    expect(numbers(changes)).toEqual(['CHG000002', 'CHG000001', 'CHG000010']);
    expect(changes[0]).toEqual({
      number: 'CHG000002',
      title: 'Change CHG000002',
      changeType: 'emergency',
      status: 'implement',
      plannedStart: at(-1),
      plannedEnd: at(0.5),
      sharedCiIds: [],
      relatedCiIds: [ci.app],
    });
    expect(changes[1]).toMatchObject({ number: 'CHG000001', sharedCiIds: [ci.srv], relatedCiIds: [] });
    // app depends on srv (runs_on) and vm depends on srv (srv hosts vm): both one relation away.
    expect(changes[2]).toMatchObject({ number: 'CHG000010', changeType: 'standard', status: 'new', sharedCiIds: [ci.srv], relatedCiIds: sorted([ci.app, ci.vm]) });
  });

  it('leaves the change itself out only when it is the one asked about', async () => {
    expect(numbers((await findConflicts(db(), plan())).changes)).toEqual(['CHG000002', 'CHG000011', 'CHG000001', 'CHG000010']);
  });

  it('follows relations from the dependent end to the provider as well', async () => {
    // app runs on srv: changes on srv conflict with a plan on app; vm's change is two hops away (app → srv → vm), dbase's one.
    const { changes } = await findConflicts(db(), plan({ ciIds: [ci.app] }));
    expect(numbers(changes)).toEqual(['CHG000002', 'CHG000009', 'CHG000011', 'CHG000001', 'CHG000010']);
    expect(changes.find((c) => c.number === 'CHG000009')).toMatchObject({ sharedCiIds: [], relatedCiIds: [ci.dbase] });
    expect(changes.find((c) => c.number === 'CHG000010')).toMatchObject({ sharedCiIds: [ci.app], relatedCiIds: [ci.srv] });
    // vm is hosted by srv (the target of hosts depends on its source): a plan on vm meets srv's changes.
    const fromVm = await findConflicts(db(), plan({ ciIds: [ci.vm] }));
    expect(numbers(fromVm.changes)).toEqual(['CHG000011', 'CHG000001', 'CHG000010']);
    expect(fromVm.changes.at(-1)).toMatchObject({ sharedCiIds: [ci.vm], relatedCiIds: [ci.srv] });
  });

  it('finds nothing on an unrelated CI, on no CI, and across a window that only touches', async () => {
    expect((await findConflicts(db(), plan({ ciIds: [ci.lone] }))).changes.map((c) => [c.number, c.sharedCiIds])).toEqual([['CHG000008', [ci.lone]]]);
    expect((await findConflicts(db(), plan({ ciIds: [] }))).changes).toEqual([]);
    // [4, 24): CHG000003 ends at 4, CHG000012 starts at 24.
    expect((await findConflicts(db(), plan({ ciIds: [ci.srv, ci.vm], start: at(4), end: at(24) }))).changes).toEqual([]);
    expect(numbers((await findConflicts(db(), plan({ ciIds: [ci.srv, ci.vm], start: at(4), end: at(24.01) }))).changes)).toEqual(['CHG000012']);
  });

  it('answers with the same conflicts whatever the number of CIs the plan names (one set, no query per CI)', async () => {
    const unknown = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const { changes } = await findConflicts(db(), plan({ number: 'CHG000011', ciIds: [...unknown, ci.srv] }));
    expect(numbers(changes)).toEqual(['CHG000002', 'CHG000001', 'CHG000010']);
  });

  it('finds the freezes overlapping the plan: global ones, those naming its CIs, its services, or a service one of its CIs delivers', async () => {
    const { freezes } = await findConflicts(db(), plan());
    // srv-freeze names srv; mail-freeze names the mail service, which srv delivers; touching and before only touch.
    expect(names(freezes)).toEqual(['srv-freeze', 'everything', 'mail-freeze']);
    expect(freezes[0]).toEqual({ id: freeze['srv-freeze'], name: 'srv-freeze', reason: 'why srv-freeze', startsAt: at(-3), endsAt: at(0.5) });
    // Naming the portal service brings its freeze in.
    expect(names((await findConflicts(db(), plan({ serviceIds: [service.portal] }))).freezes)).toEqual(['srv-freeze', 'portal-freeze', 'everything', 'mail-freeze']);
    // lone is named by one freeze and delivers billing, named by the same one.
    expect(names((await findConflicts(db(), plan({ ciIds: [ci.lone] }))).freezes)).toEqual(['elsewhere', 'everything']);
    expect(names((await findConflicts(db(), plan({ ciIds: [], serviceIds: [service.billing] }))).freezes)).toEqual(['elsewhere', 'everything']);
    // Only the global freeze covers a plan on app, which delivers no service.
    expect(names((await findConflicts(db(), plan({ ciIds: [ci.app] }))).freezes)).toEqual(['everything']);
    // Between freezes: [0.5, 1) meets none; the freezes touching it do not count.
    expect((await findConflicts(db(), plan({ start: at(0.5), end: at(1) }))).freezes).toEqual([]);
  });
});

describe('changeCalendar', () => {
  it('lists the changes overlapping the period, closed ones too, each with the conflicts findConflicts finds for it and the freezes it falls into', async () => {
    const calendar = await changeCalendar(db(), { from: at(0), to: at(2), limit: 50 });
    // CHG000003 starts at 2 and CHG000004 ends at 0: they only touch the period.
    expect(numbers(calendar.changes)).toEqual([
      'CHG000002',
      'CHG000005',
      'CHG000006',
      'CHG000007',
      'CHG000008',
      'CHG000009',
      'CHG000011',
      'CHG000001',
      'CHG000010',
    ]);
    expect(calendar.truncated).toBe(false);
    for (const change of calendar.changes) {
      const live = !['closed', 'cancelled', 'rejected'].includes(change.status);
      const expected = await findConflicts(db(), { number: change.number, ciIds: change.ciIds, serviceIds: [], start: change.plannedStart, end: change.plannedEnd });
      expect(change.conflicts, change.number).toEqual(live ? expected.changes : []);
      expect(change.freezeIds, change.number).toEqual(expected.freezes.map((f) => f.id));
    }
    const byNumber = Object.fromEntries(calendar.changes.map((c) => [c.number, c]));
    expect(byNumber.CHG000010).toMatchObject({ status: 'new', changeType: 'standard', plannedStart: at(1), plannedEnd: at(1.5), ciIds: sorted([ci.srv, ci.app, ci.vm]) });
    // CHG000010 [1, 1.5) names app, on which dbase's change is one relation away; CHG000002 ended at 0.5.
    expect(numbers(byNumber.CHG000010!.conflicts)).toEqual(['CHG000009', 'CHG000011', 'CHG000001']);
    // CHG000001 [1, 3) meets CHG000003 [2, 4), outside the period.
    expect(byNumber.CHG000001!.conflicts.map((c) => [c.number, c.sharedCiIds, c.relatedCiIds])).toEqual([
      ['CHG000011', [ci.srv], []],
      ['CHG000010', [ci.srv], sorted([ci.app, ci.vm])],
      ['CHG000003', [ci.srv], []],
    ]);
    // CHG000002 [-1, 0.5) on app meets CHG000004 [-2, 0) on srv, which only touches the period.
    expect(numbers(byNumber.CHG000002!.conflicts)).toEqual(['CHG000004', 'CHG000009', 'CHG000011']);
    // Closed changes are history: no conflicts, but the freezes they ran in still show.
    expect(byNumber.CHG000005).toMatchObject({ status: 'closed', conflicts: [] });
    expect(byNumber.CHG000005!.freezeIds).toEqual([freeze['srv-freeze'], freeze.everything, freeze['mail-freeze']]);
    expect(byNumber.CHG000008!.freezeIds).toEqual([freeze.elsewhere, freeze.everything]);
    // The period's freezes, whole, by start.
    expect(names(calendar.freezes)).toEqual(['srv-freeze', 'elsewhere', 'portal-freeze', 'everything', 'mail-freeze']);
    expect(calendar.freezes.find((f) => f.name === 'elsewhere')).toEqual({
      id: freeze.elsewhere,
      name: 'elsewhere',
      reason: 'why elsewhere',
      startsAt: at(0),
      endsAt: at(2),
      serviceIds: [service.billing],
      ciIds: [ci.lone],
    });
  });

  it('keeps to the limit and says so, and finds conflicts with changes it does not list', async () => {
    const calendar = await changeCalendar(db(), { from: at(1.2), to: at(30), limit: 3 });
    expect(calendar.truncated).toBe(true);
    expect(numbers(calendar.changes)).toEqual(['CHG000005', 'CHG000006', 'CHG000007']);
    const late = await changeCalendar(db(), { from: at(1.2), to: at(30), limit: 100 });
    expect(late.truncated).toBe(false);
    // CHG000002 [-1, 0.5) is outside [1.2, 30), yet CHG000011 [0, 2) still conflicts with it.
    expect(numbers(late.changes.find((c) => c.number === 'CHG000011')!.conflicts)).toEqual(['CHG000002', 'CHG000001', 'CHG000010']);
    expect(numbers(late.changes).at(-1)).toBe('CHG000012');
    expect(late.changes.at(-1)!.conflicts).toEqual([]);
  });

  it('answers an empty period with nothing', async () => {
    expect(await changeCalendar(db(), { from: at(100), to: at(200), limit: 10 })).toEqual({ changes: [], truncated: false, freezes: [] });
  });
});
