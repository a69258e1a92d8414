import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciRelations, cis, contacts, contracts, contractServices, organizations, serviceCis, services, slas, ticketCis, tickets, users } from '../../db/schema';
import { recordHistory } from '../../db/cmdbHistory';
import { DEFAULT_SLA_TARGETS } from '../../domain/sla';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/**
 * Incidents on the CMDB: the CIs they name, the service (given or derived),
 * the caller's organization, and the SLA chosen by rule from contract,
 * service and default. Configuration is written straight to its tables; what
 * is under test goes through the API.
 */
let stack: Stack;
let agent: { email: string; token: string };
let acmeCaller: { email: string; token: string };
let globexCaller: { email: string; token: string };
const ids = {} as Record<'acme' | 'globex' | 'goldSla' | 'silverSla' | 'expiredSla' | 'mailServer' | 'mailApp' | 'printer' | 'email' | 'archive', string>;

async function insertOne<T extends { id: string }>(rows: Promise<T[]>): Promise<string> {
  return (await rows)[0]!.id;
}

beforeAll(async () => {
  stack = await startStack();
  const db = stack.db;
  agent = await stack.user(['agent'], 'agent@example.com');
  acmeCaller = await stack.user(['end_user'], 'wile@acme.example');
  globexCaller = await stack.user(['end_user'], 'hank@globex.example');
  ids.acme = await insertOne(db.insert(organizations).values({ name: 'Acme' }).returning());
  ids.globex = await insertOne(db.insert(organizations).values({ name: 'Globex' }).returning());
  await db.update(users).set({ organizationId: ids.acme }).where(eq(users.email, acmeCaller.email));
  // Globex's caller is known as a contact only; the contact names the organization.
  await db.insert(contacts).values({ name: 'Hank', email: globexCaller.email, organizationId: ids.globex });
  const sla = (name: string) => insertOne(db.insert(slas).values({ name, targets: DEFAULT_SLA_TARGETS, warnAtPercent: 75 }).returning());
  ids.goldSla = await sla('Gold');
  ids.silverSla = await sla('Silver');
  ids.expiredSla = await sla('Expired');
  ids.mailServer = await insertOne(db.insert(cis).values({ class: 'server', name: 'mail-01', status: 'production', criticality: 'high' }).returning());
  ids.mailApp = await insertOne(db.insert(cis).values({ class: 'application', name: 'exchange', status: 'production', criticality: 'high' }).returning());
  ids.printer = await insertOne(db.insert(cis).values({ class: 'generic', name: 'printer-2f', status: 'production', criticality: 'low' }).returning());
  ids.email = await insertOne(db.insert(services).values({ name: 'Email', criticality: 'critical', slaId: ids.silverSla }).returning());
  ids.archive = await insertOne(db.insert(services).values({ name: 'Mail archive', criticality: 'medium' }).returning());
  await db.insert(serviceCis).values([
    { serviceId: ids.email, ciId: ids.mailApp },
    { serviceId: ids.email, ciId: ids.mailServer },
    { serviceId: ids.archive, ciId: ids.mailServer },
  ]);
  const contract = async (name: string, organizationId: string, slaId: string, startsOn: string, endsOn: string | null) => {
    const id = await insertOne(db.insert(contracts).values({ kind: 'customer', name, organizationId, slaId, startsOn, endsOn }).returning());
    await db.insert(contractServices).values({ contractId: id, serviceId: ids.email });
  };
  await contract('Acme email', ids.acme, ids.goldSla, '2020-01-01', null);
  await contract('Globex email (lapsed)', ids.globex, ids.expiredSla, '2020-01-01', '2021-01-01');
}, 180_000);
afterAll(() => stack?.stop());

const log = (token: string, body: Record<string, unknown>) => stack.api('POST', '/api/v1/incidents', { token, body: { title: 'Mail is down', impact: 2, urgency: 2, ...body } });
const defaultSlaId = async () => (await stack.db.select({ id: slas.id }).from(slas).where(eq(slas.isDefault, true)))[0]!.id;

describe('incidents on the CMDB', () => {
  it('derives the service from the CIs, the most critical first, and projects CIs, service and organization', async () => {
    const created = await log(acmeCaller.token, { ciIds: [ids.mailServer] });
    expect(created.status).toBe(201);
    // mail-01 delivers Email (critical) and Mail archive (medium): Email is the one the incident is about.
    expect(created.body).toMatchObject({ ciIds: [ids.mailServer], serviceId: ids.email, organizationId: ids.acme });
    const number = created.body.number as string;
    await eventually(async () => {
      const [row] = await stack.db.select().from(tickets).where(eq(tickets.number, number));
      expect(row).toMatchObject({ serviceId: ids.email, organizationId: ids.acme });
      const rows = await stack.db.select().from(ticketCis).where(eq(ticketCis.number, number));
      expect(rows.map((r) => r.ciId)).toEqual([ids.mailServer]);
    });
  });

  it("takes the SLA of the caller's contract covering the service, else the service's, else the default", async () => {
    // Acme's current contract covers Email at Gold.
    expect((await log(acmeCaller.token, { serviceId: ids.email })).body.slaId).toBe(ids.goldSla);
    // Globex's contract has lapsed: Email's own SLA applies.
    expect((await log(globexCaller.token, { serviceId: ids.email })).body.slaId).toBe(ids.silverSla);
    // Mail archive has no SLA of its own: the default.
    expect((await log(acmeCaller.token, { serviceId: ids.archive })).body.slaId).toBe(await defaultSlaId());
    // No service at all: the default.
    expect((await log(acmeCaller.token, { ciIds: [ids.printer] })).body).toMatchObject({ serviceId: null, slaId: await defaultSlaId() });
    // An agent naming an SLA overrides the rule.
    expect((await log(agent.token, { caller: acmeCaller.email, serviceId: ids.email, slaId: ids.expiredSla })).body.slaId).toBe(ids.expiredSla);
  });

  it('passes over a contract whose SLA is deactivated', async () => {
    await stack.db.update(slas).set({ active: false }).where(eq(slas.id, ids.goldSla));
    try {
      expect((await log(acmeCaller.token, { serviceId: ids.email })).body.slaId).toBe(ids.silverSla);
    } finally {
      await stack.db.update(slas).set({ active: true }).where(eq(slas.id, ids.goldSla));
    }
  });

  it('refuses CIs and services that do not exist, naming the field, and logs nothing', async () => {
    const unknownCi = await log(agent.token, { title: 'Refused report', ciIds: [ids.mailServer, '6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e'] });
    expect(unknownCi.status).toBe(422);
    expect(unknownCi.body.errors).toEqual([expect.objectContaining({ field: 'ciIds.1' })]);
    const unknownService = await log(agent.token, { title: 'Refused report', serviceId: '6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e' });
    expect(unknownService.status).toBe(422);
    expect(unknownService.body.errors).toEqual([expect.objectContaining({ field: 'serviceId' })]);
    const twice = await log(agent.token, { title: 'Refused report', ciIds: [ids.printer, ids.printer] });
    expect(twice.status).toBe(400);
    const notUuid = await log(agent.token, { title: 'Refused report', ciIds: ['mail-01'] });
    expect(notUuid.status).toBe(400);
    // Refused before a number is taken or a workflow started.
    expect(await stack.db.select().from(tickets).where(eq(tickets.title, 'Refused report'))).toEqual([]);
  });

  it('changes CIs and service with PATCH, recorded in the history, and derives a missing service', async () => {
    const created = await log(agent.token, { caller: acmeCaller.email, ciIds: [ids.printer] });
    const number = created.body.number as string;
    expect(created.body.serviceId).toBeNull();
    const patched = await stack.api('PATCH', `/api/v1/incidents/${number}`, { token: agent.token, body: { ciIds: [ids.printer, ids.mailApp] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ciIds: [ids.printer, ids.mailApp], serviceId: ids.email, slaId: created.body.slaId });
    const cleared = await stack.api('PATCH', `/api/v1/incidents/${number}`, { token: agent.token, body: { serviceId: null, ciIds: [] } });
    expect(cleared.body).toMatchObject({ ciIds: [], serviceId: null });
    // The same list again changes nothing and records no field change.
    const same = await stack.api('PATCH', `/api/v1/incidents/${number}`, { token: agent.token, body: { ciIds: [] } });
    expect(same.status).toBe(200);
    await eventually(async () => {
      const history = await stack.api('GET', `/api/v1/incidents/${number}/history`, { token: agent.token });
      const updates = history.body.items.filter((e: { kind: string }) => e.kind === 'updated');
      expect(updates.map((e: { changes: { field: string }[] }) => e.changes.map((c) => c.field).sort())).toEqual([['ciIds', 'serviceId'], ['ciIds', 'serviceId'], []]);
      expect(updates[0].changes).toContainEqual({ field: 'ciIds', from: [ids.printer], to: [ids.printer, ids.mailApp] });
      expect(await stack.db.select().from(ticketCis).where(eq(ticketCis.number, number))).toEqual([]);
    });
    const unknown = await stack.api('PATCH', `/api/v1/incidents/${number}`, { token: agent.token, body: { ciIds: ['6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e'] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'ciIds.0' })]);
  });

  it("lets a portal power user read and comment on their organization's incidents, and no one else's", async () => {
    const power = await stack.user(['portal_power_user'], 'boss@acme.example');
    const colleague = await stack.user(['end_user'], 'road@acme.example');
    await stack.db.update(users).set({ organizationId: ids.acme }).where(eq(users.email, power.email));
    await stack.db.update(users).set({ organizationId: ids.acme }).where(eq(users.email, colleague.email));
    const acme = (await log(acmeCaller.token, { title: 'Anvil delivery tracker is down' })).body.number as string;
    const globex = (await log(globexCaller.token, { title: 'Doomsday device offline' })).body.number as string;
    await eventually(async () => {
      const rows = await stack.db.select({ n: tickets.number }).from(tickets);
      expect(rows.map((r) => r.n)).toEqual(expect.arrayContaining([acme, globex]));
    });

    expect((await stack.api('GET', `/api/v1/incidents/${acme}`, { token: power.token })).status).toBe(200);
    expect((await stack.api('GET', `/api/v1/incidents/${globex}`, { token: power.token })).status).toBe(404);
    // A plain end user of the same organization sees only what they reported.
    expect((await stack.api('GET', `/api/v1/incidents/${acme}`, { token: colleague.token })).status).toBe(404);
    const listed = await stack.api('GET', '/api/v1/incidents?limit=100', { token: power.token });
    const numbers = listed.body.items.map((t: { number: string }) => t.number);
    expect(numbers).toContain(acme);
    expect(numbers).not.toContain(globex);
    expect(listed.body.items.every((t: { organizationId: string }) => t.organizationId === ids.acme)).toBe(true);
    expect((await stack.api('GET', '/api/v1/incidents?limit=100', { token: colleague.token })).body.items).toEqual([]);

    const comment = await stack.api('POST', `/api/v1/incidents/${acme}/comment`, { token: power.token, body: { body: 'Same here on floor 3' } });
    expect(comment.status).toBe(200);
    const close = await stack.api('POST', `/api/v1/incidents/${acme}/close`, { token: power.token, body: {} });
    expect(close.status).toBe(403);
    // Without the role, membership of the organization grants nothing.
    await stack.db.update(users).set({ roles: ['end_user'] }).where(eq(users.email, power.email));
    expect((await stack.api('GET', `/api/v1/incidents/${acme}`, { token: power.token })).status).toBe(404);
  });

  it("tells a CI's and a service's story: configuration changes and the milestones of tickets about them, newest first", async () => {
    const [ci] = await stack.db.insert(cis).values({ class: 'server', name: 'timeline-01', status: 'production', criticality: 'medium' }).returning();
    await recordHistory(stack.db, 'cmdb@example.com', [
      { subjectType: 'ci', subjectId: ci!.id, action: 'created' },
      { subjectType: 'ci', subjectId: ci!.id, action: 'updated', attribute: 'status', oldValue: 'test', newValue: 'production' },
    ]);
    const number = (await log(agent.token, { ciIds: [ci!.id], serviceId: ids.archive })).body.number as string;
    const resolved = await stack.api('POST', `/api/v1/incidents/${number}/resolve`, {
      token: agent.token,
      body: { resolutionCode: 'fixed', resolutionNotes: 'Rebooted' },
    });
    expect(resolved.status).toBe(200);

    const entries = async (path: string) => {
      const seen: { source: string; action: string; ticket: { number: string } | null }[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: typeof seen; nextCursor: string | null } } = await stack.api(
          'GET',
          `${path}?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          { token: agent.token },
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return seen.map((e) => `${e.source}:${e.action}${e.ticket ? `:${e.ticket.number}` : ''}`);
    };
    await eventually(async () => {
      expect(await entries(`/api/v1/cis/${ci!.id}/timeline`)).toEqual([`ticket:resolved:${number}`, `ticket:created:${number}`, 'configuration:updated', 'configuration:created']);
    });
    expect((await entries(`/api/v1/services/${ids.archive}/timeline`)).slice(0, 2)).toEqual([`ticket:resolved:${number}`, `ticket:created:${number}`]);

    expect((await stack.api('GET', `/api/v1/cis/${ci!.id}/timeline`, { token: acmeCaller.token })).status).toBe(403);
    expect((await stack.api('GET', '/api/v1/cis/6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e/timeline', { token: agent.token })).status).toBe(404);
    expect((await stack.api('GET', `/api/v1/cis/${ci!.id}/timeline?cursor=bogus`, { token: agent.token })).status).toBe(400);
  });

  it('follows the CMDB from a CI to the services that depend on it, nearest first', async () => {
    const [database] = await stack.db.insert(cis).values({ class: 'database', name: 'payroll-db', status: 'production', criticality: 'high', attributes: { engine: 'postgresql' } }).returning();
    const [app] = await stack.db.insert(cis).values({ class: 'application', name: 'payroll-app', status: 'production', criticality: 'high' }).returning();
    const [portal] = await stack.db.insert(cis).values({ class: 'application', name: 'hr-portal', status: 'production', criticality: 'medium' }).returning();
    const [payroll] = await stack.db.insert(services).values({ name: 'Payroll', criticality: 'high' }).returning();
    const [hr] = await stack.db.insert(services).values({ name: 'HR self-service', criticality: 'critical' }).returning();
    await stack.db.insert(serviceCis).values([
      { serviceId: payroll!.id, ciId: app!.id },
      { serviceId: hr!.id, ciId: portal!.id },
    ]);
    // payroll-app depends on the database; hr-portal depends on payroll-app: two hops from the database.
    await stack.db.insert(ciRelations).values([
      { sourceId: app!.id, type: 'depends_on', targetId: database!.id, createdBy: 'test' },
      { sourceId: portal!.id, type: 'depends_on', targetId: app!.id, createdBy: 'test' },
    ]);

    const created = await log(agent.token, { ciIds: [database!.id] });
    // The nearest service wins over a more critical one further away.
    expect(created.body.serviceId).toBe(payroll!.id);
    const read = await stack.api('GET', `/api/v1/incidents/${created.body.number}`, { token: agent.token });
    expect(read.body.impactedServices).toEqual([
      { id: payroll!.id, name: 'Payroll', criticality: 'high', status: 'production', from: database!.id, through: app!.id, depth: 1 },
      { id: hr!.id, name: 'HR self-service', criticality: 'critical', status: 'production', from: database!.id, through: portal!.id, depth: 2 },
    ]);
    // An incident without CIs affects no service it names.
    const bare = await log(agent.token, { title: 'Something odd' });
    expect((await stack.api('GET', `/api/v1/incidents/${bare.body.number}`, { token: agent.token })).body.impactedServices).toEqual([]);
  });
});
