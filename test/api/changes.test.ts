import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cis, outbox } from '../../db/schema';
import { commandSignal } from '../../workflows/kernel/messages';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

/**
 * Changes through the API on the real dev server: a CAB that approves by
 * quorum, a reject, a slow board reminded then escalated, conflicts and a
 * freeze window found by assessment, the window opening on its timer, and
 * the incident → problem → change cascade that resolves the incident.
 */
const exec = promisify(execFile);
let stack: Stack;
type Person = { email: string; token: string };
let requester: Person, cm1: Person, cm2: Person, dba1: Person, dba2: Person, dba3: Person, pm: Person, endUser: Person, implementer: Person;
let databaseCi: string;
const SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789';

beforeAll(async () => {
  stack = await startStack({ signingKey: SIGNING_KEY });
  requester = await stack.user(['agent'], 'requester@example.com');
  cm1 = await stack.user(['change_manager'], 'cm1@example.com');
  cm2 = await stack.user(['change_manager'], 'cm2@example.com');
  dba1 = await stack.user(['agent'], 'dba1@example.com');
  dba2 = await stack.user(['agent'], 'dba2@example.com');
  dba3 = await stack.user(['agent'], 'dba3@example.com');
  pm = await stack.user(['problem_manager'], 'pm@example.com');
  endUser = await stack.user(['end_user'], 'user@example.com');
  implementer = await stack.user(['implementer'], 'implementer@example.com');
  expect((await stack.api('POST', '/api/v1/teams', { body: { name: 'dba', members: [dba1.email, dba2.email, dba3.email] } })).status).toBe(201);
  const [ci] = await stack.db.insert(cis).values({ class: 'database', name: 'orders-db', status: 'production', criticality: 'high', supportTeam: 'dba', attributes: { engine: 'postgresql' } }).returning();
  databaseCi = ci!.id;
}, 180_000);
afterAll(() => stack?.stop());

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const rfc = (overrides: Record<string, unknown> = {}) => ({
  changeType: 'normal',
  title: 'Upgrade orders-db to PostgreSQL 17',
  impact: 2,
  urgency: 3,
  risk: 'medium',
  ciIds: [databaseCi],
  plannedStart: inSeconds(3600),
  plannedEnd: inSeconds(7200),
  implementationPlan: 'pg_upgrade --link',
  backoutPlan: 'Restore the snapshot taken before',
  assignee: requester.email,
  ...overrides,
});
const open = async (who: Person, body: Record<string, unknown>) => {
  const created = await stack.api('POST', '/api/v1/changes', { token: who.token, body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.number as string;
};
const command = (who: Person, number: string, name: string, body: Record<string, unknown> = {}) =>
  stack.api('POST', `/api/v1/changes/${number}/${name}`, { token: who.token, body });
const kinds = async (number: string) => (await stack.api('GET', `/api/v1/changes/${number}/history`, { token: cm1.token })).body.items.map((e: { kind: string }) => e.kind);

describe('changes', () => {
  it('is assessed, authorized by its CAB by quorum, scheduled, opened on time, implemented, reviewed and closed', async () => {
    const number = await open(requester, rfc({ plannedStart: inSeconds(4), plannedEnd: inSeconds(3600) }));
    expect((await command(requester, number, 'request-approval')).status).toBe(409); // a normal change is assessed first
    const assessed = await command(requester, number, 'assess');
    expect(assessed.body).toMatchObject({ status: 'assess', details: { assessment: { conflictingChanges: [], freezes: [] } } });

    // Database changes need two DBAs: an approval rule, held as data.
    const rule = await stack.api('POST', '/api/v1/change-approval-rules', { token: cm1.token, body: { ciClass: 'database', team: 'dba', rule: { kind: 'quorum', count: 2 } } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const requested = await command(requester, number, 'request-approval');
    expect(requested.status, JSON.stringify(requested.body)).toBe(200);
    expect(requested.body.status).toBe('authorize');
    expect(requested.body.details.approval.groups.map((g: { name: string; rule: unknown }) => [g.name, g.rule])).toEqual([
      ['change managers', { kind: 'any' }],
      ['dba', { kind: 'quorum', count: 2 }],
    ]);

    // The requester cannot approve their own change; a stranger is not an approver.
    expect((await command(requester, number, 'approve')).status).toBe(403);
    expect((await command(pm, number, 'approve')).status).toBe(403);
    expect((await command(dba1, number, 'approve', { comment: 'fine' })).body.status).toBe('authorize');
    expect((await command(dba1, number, 'approve')).status).toBe(403); // decided already
    expect((await command(cm1, number, 'approve')).body.status).toBe('authorize'); // the DBAs need two
    const approved = await command(dba3, number, 'approve');
    expect(approved.body.status).toBe('scheduled');
    expect(approved.body.details.approval.decisions).toHaveLength(3);

    // The window opens on the workflow's timer: the implementer is told, the window checked again.
    await eventually(async () => expect(await kinds(number)).toEqual(expect.arrayContaining(['window_opened', 'window_checked'])), { timeoutMs: 30_000 });
    expect((await command(requester, number, 'start-implementation')).body.status).toBe('implement');
    expect((await command(requester, number, 'complete', { outcome: 'successful', notes: 'Upgraded in 4 minutes' })).body.status).toBe('review');
    expect((await command(requester, number, 'close', { review: 'Went to plan' })).status).toBe(403); // the change manager closes
    const closed = await command(cm2, number, 'close', { review: 'Went to plan' });
    expect(closed.body).toMatchObject({ status: 'closed', details: { outcome: 'successful', review: 'Went to plan' } });
  });

  it('ends on a reject with its reason, and takes decisions only as Updates, never from a signal', async () => {
    const number = await open(requester, rfc());
    await command(requester, number, 'assess');
    await command(requester, number, 'request-approval');
    // A signal naming an approver is not a decision: approvals are not exposed as signals.
    await stack.client.workflow.getHandle(number).signal(commandSignal<{ comment: string }>('approve'), { actor: cm1.email, comment: 'forged' });
    const rejected = await command(dba2, number, 'reject', { comment: 'No tested back-out' });
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.details.approval.decisions).toEqual([expect.objectContaining({ approver: dba2.email, decision: 'reject' })]);
    expect((await command(cm1, number, 'approve')).status).toBe(409);
    await eventually(async () => expect(await stack.db.select().from(outbox).where(eq(outbox.template, 'change_rejected'))).toEqual([expect.objectContaining({ recipient: requester.email })]));
  });

  it('takes a decision sent as a Signal only with the platform\'s signature, and once (tempodesk sign-decision)', async () => {
    const number = await open(requester, rfc());
    await command(requester, number, 'assess');
    await command(requester, number, 'request-approval', { rules: [{ group: 'dba', rule: { kind: 'all' } }] });
    const handle = stack.client.workflow.getHandle(number);
    // Forged: the right shape, a signature made with another key.
    await handle.signal(commandSignal<Record<string, string>>('approve'), { actor: cm1.email, commandId: 'forged-1', comment: '', signature: 'ab'.repeat(32) });
    await eventually(async () => {
      const refused = (await stack.api('GET', `/api/v1/changes/${number}/history`, { token: cm1.token })).body.items.filter((e: { kind: string }) => e.kind === 'command_rejected');
      expect(refused.map((e: { data: { reason: string } }) => e.data.reason)).toEqual(['the signature is not valid']);
    });
    // Genuine, as an operator signs it with the CLI: the command it prints carries the input to send.
    const signedBy = async (approver: string) => {
      const { stdout } = await exec('npx', ['tsx', 'cli/index.ts', 'sign-decision', number, 'approve', '--as', approver, '--comment', 'signed off'], {
        env: { ...process.env, TEMPODESK_SIGNING_KEY: SIGNING_KEY },
      });
      expect(stdout).toContain(`temporal workflow signal --workflow-id ${number} --name approve --input`);
      return JSON.parse(/--input '(.*)'/.exec(stdout)![1]!) as Record<string, string>;
    };
    const cmDecision = await signedBy(cm1.email);
    await handle.signal(commandSignal<Record<string, string>>('approve'), cmDecision);
    await handle.signal(commandSignal<Record<string, string>>('approve'), cmDecision); // the same signal again applies once
    for (const dba of [dba1, dba2, dba3]) await handle.signal(commandSignal<Record<string, string>>('approve'), await signedBy(dba.email));
    await eventually(async () => {
      const change = (await stack.api('GET', `/api/v1/changes/${number}`, { token: cm1.token })).body;
      expect(change.status).toBe('scheduled');
      expect(change.details.approval.decisions.map((d: { approver: string }) => d.approver)).toEqual([cm1.email, dba1.email, dba2.email, dba3.email]);
    });
  });

  it('reminds a slow board halfway, then escalates to the change managers', async () => {
    const number = await open(requester, rfc());
    await command(requester, number, 'assess');
    await command(requester, number, 'request-approval', { dueInSeconds: 2 });
    await eventually(async () => {
      const change = (await stack.api('GET', `/api/v1/changes/${number}`, { token: cm1.token })).body;
      expect(change).toMatchObject({ status: 'authorize', escalationLevel: 1, details: { approval: { reminded: true, escalated: true } } });
    }, { timeoutMs: 30_000 });
    expect(await kinds(number)).toEqual(expect.arrayContaining(['approval_reminded', 'approval_escalated']));
    await eventually(async () => {
      const overdue = await stack.db.select().from(outbox).where(eq(outbox.template, 'change_approval_overdue'));
      expect(overdue.filter((n) => (n.payload as { number: string }).number === number).map((n) => n.recipient).sort()).toEqual([cm1.email, cm2.email]);
    });
  });

  it('finds changes on the same CI and freeze windows in the window, and shows them on the calendar', async () => {
    const start = inSeconds(30 * 24 * 3600);
    const end = inSeconds(30 * 24 * 3600 + 7200);
    const freeze = await stack.api('POST', '/api/v1/freeze-windows', { token: cm1.token, body: { name: 'Year-end close', startsAt: start, endsAt: end } });
    expect(freeze.status, JSON.stringify(freeze.body)).toBe(201);
    const first = await open(requester, rfc({ title: 'Vacuum orders-db', plannedStart: start, plannedEnd: end }));
    const second = await open(requester, rfc({ title: 'Reindex orders-db', plannedStart: start, plannedEnd: end }));
    await eventually(async () => {
      const assessed = await command(requester, second, 'assess');
      expect(assessed.body.details.assessment.conflictingChanges.map((c: { number: string }) => c.number)).toEqual([first]);
      expect(assessed.body.details.assessment.freezes.map((f: { name: string }) => f.name)).toEqual(['Year-end close']);
    });
    const calendar = await stack.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(start)}&to=${encodeURIComponent(end)}`, { token: cm1.token });
    expect(calendar.status).toBe(200);
    const entry = calendar.body.changes.find((c: { number: string }) => c.number === second);
    expect(entry.conflicts.map((c: { number: string }) => c.number)).toEqual([first]);
    expect(calendar.body.freezes.map((f: { name: string }) => f.name)).toEqual(['Year-end close']);
    const backwards = await stack.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(end)}&to=${encodeURIComponent(start)}`, { token: cm1.token });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([expect.objectContaining({ field: 'query.to' })]);
  });

  it('resolves the problem and its incident when the change that fixes it closes successfully', async () => {
    const incident = (await stack.api('POST', '/api/v1/incidents', { token: endUser.token, body: { title: 'Orders time out', impact: 2, urgency: 2 } })).body.number as string;
    const raised = await stack.api('POST', `/api/v1/incidents/${incident}/raise-problem`, { token: requester.token, body: { incidentPolicy: 'resolve' } });
    const problem = raised.body.links[0].target as string;
    await eventually(async () => expect((await stack.api('GET', `/api/v1/problems/${problem}`, { token: pm.token })).status).toBe(200));
    await stack.api('POST', `/api/v1/problems/${problem}/investigate`, { token: pm.token, body: {} });
    const fix = await stack.api('POST', `/api/v1/problems/${problem}/raise-change`, {
      token: pm.token,
      body: { changeType: 'emergency', risk: 'high', plannedStart: inSeconds(-60), plannedEnd: inSeconds(3600), implementationPlan: 'Add the missing index', backoutPlan: 'Drop it' },
    });
    expect(fix.status, JSON.stringify(fix.body)).toBe(200);
    expect(fix.body.status).toBe('fix_in_progress');
    const change = fix.body.links.find((l: { relation: string }) => l.relation === 'fixed_by').target as string;
    await eventually(async () => {
      const body = (await stack.api('GET', `/api/v1/changes/${change}`, { token: cm1.token })).body;
      expect(body).toMatchObject({ status: 'new', links: [{ relation: 'fix_for', target: problem }], details: { changeType: 'emergency' } });
    });
    // The emergency board (the change managers) is asked at once.
    const requested = await command(pm, change, 'request-approval');
    expect(requested.body.details.approval.groups.map((g: { name: string }) => g.name)).toEqual(['emergency board']);
    expect((await command(cm2, change, 'approve')).body.status).toBe('scheduled');
    // Nobody assigned: implementing is an implementer's (or those in charge), not any agent's.
    expect((await command(requester, change, 'start-implementation')).status).toBe(403);
    expect((await command(implementer, change, 'start-implementation')).body.status).toBe('implement');
    await command(implementer, change, 'complete', { outcome: 'successful', notes: 'Index added' });
    await command(cm1, change, 'close', { review: 'Latency back to normal' });
    await eventually(async () => {
      expect((await stack.api('GET', `/api/v1/problems/${problem}`, { token: pm.token })).body).toMatchObject({ status: 'resolved', resolutionCode: 'fixed' });
      expect((await stack.api('GET', `/api/v1/incidents/${incident}`, { token: requester.token })).body).toMatchObject({ status: 'resolved', resolutionCode: 'known_error' });
    }, { timeoutMs: 30_000 });
  });

  it('escalates an implementation that runs past its window', async () => {
    const number = await open(requester, rfc({ changeType: 'emergency', plannedStart: inSeconds(-60), plannedEnd: inSeconds(3) }));
    await command(requester, number, 'request-approval');
    expect((await command(cm1, number, 'approve')).body.status).toBe('scheduled');
    expect((await command(requester, number, 'start-implementation')).body.status).toBe('implement');
    await eventually(async () => {
      const change = (await stack.api('GET', `/api/v1/changes/${number}`, { token: cm1.token })).body;
      expect(change).toMatchObject({ status: 'implement', escalationLevel: 1, details: { overrunEscalated: true } });
    }, { timeoutMs: 30_000 });
    await eventually(async () => {
      const overrun = await stack.db.select().from(outbox).where(eq(outbox.template, 'change_window_overrun'));
      expect(overrun.filter((n) => (n.payload as { number: string }).number === number).map((n) => n.recipient).sort()).toEqual([cm1.email, cm2.email]);
    });
  });

  it('raises a standard change from its pre-approved template, within the template\'s longest window', async () => {
    const template = await stack.api('POST', '/api/v1/change-templates', {
      token: cm1.token,
      body: { name: 'Rotate TLS certificate', risk: 'low', impact: 3, urgency: 3, implementationPlan: 'certbot renew', backoutPlan: 'Restore the old certificate', maxDurationMinutes: 30 },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const standard = { changeType: 'standard', templateId: template.body.id, ciIds: [databaseCi], plannedStart: inSeconds(3600), plannedEnd: inSeconds(3600 + 1200) };
    const created = await stack.api('POST', '/api/v1/changes', { token: requester.token, body: standard });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'scheduled', title: 'Rotate TLS certificate', impact: 3, details: { changeType: 'standard', risk: 'low', implementationPlan: 'certbot renew' } });
    const tooLong = await stack.api('POST', '/api/v1/changes', { token: requester.token, body: { ...standard, plannedEnd: inSeconds(3600 + 7200) } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: 'plannedEnd' })]);
    const unknown = await stack.api('POST', '/api/v1/changes', { token: requester.token, body: { ...standard, templateId: '6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'templateId' })]);
    const { templateId: _omitted, ...withoutTemplate } = standard;
    expect((await stack.api('POST', '/api/v1/changes', { token: requester.token, body: withoutTemplate })).status).toBe(400);
  });

  it('keeps changes to staff and refuses a window that ends before it starts', async () => {
    expect((await stack.api('GET', '/api/v1/changes', { token: endUser.token })).status).toBe(403);
    const backwards = await stack.api('POST', '/api/v1/changes', { token: requester.token, body: rfc({ plannedStart: inSeconds(7200), plannedEnd: inSeconds(3600) }) });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([expect.objectContaining({ field: 'plannedEnd' })]);
    const unknownCi = await stack.api('POST', '/api/v1/changes', { token: requester.token, body: rfc({ ciIds: ['6f1c1d1e-2b2b-4c4c-8d8d-9e9e9e9e9e9e'] }) });
    expect(unknownCi.status).toBe(422);
  });

  it('seats users with the approver role on the CAB of normal changes, not on an emergency board', async () => {
    const advisor = await stack.user(['approver'], 'advisor@example.com');
    const normal = await open(requester, rfc());
    await command(requester, normal, 'assess');
    const requested = await command(requester, normal, 'request-approval');
    const cab = requested.body.details.approval.groups.find((g: { name: string }) => g.name === 'change advisory board');
    expect(cab).toEqual({ name: 'change advisory board', members: [advisor.email], rule: { kind: 'any' } });
    expect((await command(advisor, normal, 'approve', { comment: 'CAB agrees' })).body.details.approval.decisions).toEqual([
      expect.objectContaining({ approver: advisor.email, group: 'change advisory board', decision: 'approve' }),
    ]);
    const emergency = await open(requester, rfc({ changeType: 'emergency' }));
    const board = (await command(requester, emergency, 'request-approval')).body.details.approval.groups;
    expect(board.map((g: { name: string }) => g.name)).toEqual(['emergency board']);
  });
});
