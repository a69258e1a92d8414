import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { DatabaseHandle } from '../../db/client';
import { createUser } from '../../db/people';
import { outbox, teamMembers, teams, ticketEvents, tickets } from '../../db/schema';
import type { TicketEvent, TicketView } from '../../domain/ticket';
import { openTestDatabase } from '../helpers/database';

const clock = { targetSeconds: 3600, elapsedSeconds: 0, dueAt: null, metAt: null, breached: false, paused: false, pausedSeconds: 0 };
const view = (version: number, status: string): TicketView => ({
  number: 'INC000777',
  type: 'incident',
  title: 'Projector flickers',
  description: '',
  category: null,
  status,
  impact: 3,
  urgency: 3,
  priority: 5,
  caller: null,
  assignmentGroup: 'av',
  assignee: null,
  parent: null,
  children: [],
  escalationLevel: 0,
  resolutionCode: null,
  resolutionNotes: null,
  version,
  slaId: 'default',
  sla: { calendar: { kind: '24x7' }, response: clock, resolution: clock },
  createdAt: '2026-11-24T10:00:00.000Z',
  updatedAt: `2026-11-24T10:0${version}:00.000Z`,
  resolvedAt: null,
  closedAt: null,
});
const event = (seq: number, kind: string): TicketEvent => ({
  id: `INC000777:${seq}`,
  number: 'INC000777',
  seq,
  at: `2026-11-24T10:0${seq}:00.000Z`,
  actor: 'agent@example.com',
  kind,
  changes: [],
  data: {},
});

/** The projection against a real database: ordering and retries must never corrupt the read model. */
describe('projectTicket', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    const a = await createUser(database.db, { email: 'av1@example.com', name: 'AV 1', roles: ['agent'] });
    const b = await createUser(database.db, { email: 'av2@example.com', name: 'AV 2', roles: ['agent'] });
    await database.db.insert(teams).values({ name: 'av' });
    await database.db.insert(teamMembers).values([{ team: 'av', userId: a.user.id }, { team: 'av', userId: b.user.id }]);
  });
  afterAll(() => database?.close());

  it('never lets a late write overwrite newer state, and appends each event and notification once', async () => {
    const { projectTicket } = createActivities({ db: database.db });
    const notification = { eventId: 'INC000777:3', recipient: { team: 'av' }, template: 'incident_assigned', payload: {} };
    await projectTicket({ view: view(3, 'in_progress'), events: [event(3, 'acknowledged')], notifications: [notification] });
    // A retry of an older step arrives late, then the newest step is retried.
    await projectTicket({ view: view(2, 'assigned'), events: [event(2, 'assigned')], notifications: [] });
    await projectTicket({ view: view(3, 'in_progress'), events: [event(3, 'acknowledged')], notifications: [notification] });

    const [row] = await database.db.select().from(tickets);
    expect(row).toMatchObject({ number: 'INC000777', version: 3, status: 'in_progress', seq: 777 });
    expect(row!.view.status).toBe('in_progress');
    const events = await database.db.select().from(ticketEvents);
    expect(events.map((e) => e.seq).sort()).toEqual([2, 3]);
    // A team notification goes to each member, once.
    const mails = await database.db.select().from(outbox);
    expect(mails.map((m) => m.recipient).sort()).toEqual(['av1@example.com', 'av2@example.com']);
    expect(mails.every((m) => m.status === 'pending' && (m.payload as object) !== null)).toBe(true);
  });

  it('names the escalation team of a team, or none', async () => {
    const { escalationTeamOf } = createActivities({ db: database.db });
    await database.db.insert(teams).values({ name: 'av-l2' });
    await database.db.insert(teams).values({ name: 'av-l1', escalationTeam: 'av-l2' });
    expect(await escalationTeamOf('av-l1')).toBe('av-l2');
    expect(await escalationTeamOf('av-l2')).toBeNull();
    expect(await escalationTeamOf('no-such-team')).toBeNull();
  });
});
