import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema';
import { eventually, sleep } from '../helpers/eventually';
import { events, kinds, quickSla, signal, startIncident, team, update, view } from '../helpers/incidents';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  const l1 = await stack.user(['agent'], 'l1-agent@example.com');
  const l2 = await stack.user(['agent'], 'l2-agent@example.com');
  await team(stack, 'network-l2', { members: [l2.email] });
  await team(stack, 'network-l1', { escalationTeam: 'network-l2', members: [l1.email] });
});
afterAll(() => stack?.stop());

describe.concurrent('incident workflow on a real Temporal server', () => {
  it('warns, breaches and escalates on SLA timers, handing the ticket up the escalation chain once', async () => {
    const { number } = await startIncident(stack, { sla: quickSla(1, 2) });
    await update(stack, number, 'assign', { assignmentGroup: 'network-l1' });

    // Response and resolution: warning at 75 %, breach at 100 %, escalations at 150 % and 200 %.
    const slaEvents = await eventually(async () => {
      const found = (await events(stack, number)).filter((e) => e.kind.startsWith('sla_'));
      expect(found).toHaveLength(8);
      return found;
    });
    expect(slaEvents.map((e) => `${e.kind}:${e.data.clock}:${e.data.percent}`)).toEqual(
      expect.arrayContaining(['sla_warning:response:75', 'sla_breached:response:100', 'sla_escalated:response:150', 'sla_escalated:response:200', 'sla_warning:resolution:75', 'sla_breached:resolution:100']),
    );
    const ticket = await view(stack, number);
    expect(ticket.sla.response.breached).toBe(true);
    expect(ticket.sla.resolution.breached).toBe(true);
    // The first breach hands the ticket to network-l2; network-l2 escalates to nobody, so the level stays at 1.
    expect(ticket).toMatchObject({ assignmentGroup: 'network-l2', escalationLevel: 1 });
    const handovers = (await events(stack, number)).filter((e) => e.kind === 'handed_over');
    expect(handovers).toHaveLength(1);
    expect(handovers[0]!.changes).toEqual(
      expect.arrayContaining([{ field: 'assignmentGroup', from: 'network-l1', to: 'network-l2' }, { field: 'escalationLevel', from: 0, to: 1 }]),
    );
    const breach = slaEvents.find((e) => e.kind === 'sla_breached' && e.data.clock === 'response')!;
    expect(handovers[0]!.data).toEqual({ reason: 'sla_breached' });
    // A breach is never early: the timer fires at or after the due instant.
    expect(breach.at.getTime()).toBeGreaterThanOrEqual(new Date(ticket.createdAt).getTime() + 1000);

    const mails = await stack.db.select().from(outbox);
    const escalations = mails.filter((m) => m.template === 'ticket_escalated' && (m.payload as { number: string }).number === number);
    expect(escalations.map((m) => m.recipient)).toEqual(expect.arrayContaining(['l1-agent@example.com', 'l2-agent@example.com']));
  });

  it('pauses the resolution clock while pending and gives the budget back on resume', async () => {
    const { number } = await startIncident(stack, { sla: quickSla(null, 3) });
    await update(stack, number, 'acknowledge');
    await update(stack, number, 'pend', { reason: 'waiting for the caller to reboot' });
    await sleep(4000);
    const paused = await view(stack, number);
    expect(paused.sla.resolution).toMatchObject({ paused: true, breached: false, dueAt: null });
    expect(await kinds(stack, number)).not.toContain('sla_breached');

    const resumed = await update(stack, number, 'resume');
    expect(resumed.sla.resolution.paused).toBe(false);
    expect(resumed.sla.resolution.pausedSeconds).toBeGreaterThanOrEqual(3);
    // What was left of the 3 s budget (minus the instant before pending) is due from now, not from creation.
    expect(new Date(resumed.sla.resolution.dueAt!).getTime()).toBeGreaterThan(new Date(resumed.updatedAt).getTime() + 2000);
    await eventually(async () => expect((await view(stack, number)).sla.resolution.breached).toBe(true));
  });

  it('rebases the clocks when the priority changes, keeping the elapsed time', async () => {
    const { number } = await startIncident(stack, {
      impact: 3,
      urgency: 3,
      sla: { ...quickSla(null, null), targets: { ...quickSla(null, 60).targets, '1': { responseSeconds: null, resolutionSeconds: 3 } } },
    });
    expect((await view(stack, number)).sla.resolution.targetSeconds).toBe(60);
    await sleep(1500);
    const raised = await update(stack, number, 'set-priority', { impact: 1, urgency: 1 });
    expect(raised.priority).toBe(1);
    expect(raised.sla.resolution.targetSeconds).toBe(3);
    expect(raised.sla.resolution.elapsedSeconds).toBeGreaterThanOrEqual(1);
    // Due 3 s after creation, not 3 s after the change.
    expect(new Date(raised.sla.resolution.dueAt!).getTime() - new Date(raised.createdAt).getTime()).toBe(3000);
    const change = await eventually(async () => {
      const found = (await events(stack, number)).find((e) => e.kind === 'priority_changed');
      expect(found).toBeDefined();
      return found!;
    });
    expect(change.changes).toContainEqual({ field: 'priority', from: 5, to: 1 });
    await eventually(async () => expect((await view(stack, number)).sla.resolution.breached).toBe(true));
  });

  it('closes a resolved incident by itself after the quiet period, and the workflow ends', async () => {
    const { number, handle } = await startIncident(stack, { autoCloseSeconds: 1 });
    const resolved = await update(stack, number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'restarted the service' });
    expect(resolved.status).toBe('resolved');
    await handle.result();
    const closed = await view(stack, number);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).not.toBeNull();
    expect((await events(stack, number)).at(-1)).toMatchObject({ kind: 'auto_closed', actor: 'system' });
  });

  it('reopens until closed, and the resolution clock continues from where it stopped', async () => {
    const { number } = await startIncident(stack);
    await update(stack, number, 'resolve', { resolutionCode: 'workaround', resolutionNotes: 'cleared the cache' });
    const reopened = await update(stack, number, 'reopen', { reason: 'it happened again' }, 'caller@example.com');
    expect(reopened).toMatchObject({ status: 'in_progress', resolvedAt: null, resolutionCode: null });
    expect(reopened.sla.resolution.metAt).toBeNull();
    await update(stack, number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'replaced the disk' });
    const closed = await update(stack, number, 'close', {}, 'caller@example.com');
    expect(closed.status).toBe('closed');
  });

  it('rejects an illegal Update in its validator: nothing enters history', async () => {
    const { number, handle } = await startIncident(stack);
    const error = await update(stack, number, 'resume').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'IllegalTransition', details: [{ command: 'resume', status: 'new' }] });
    const history = await handle.fetchHistory();
    const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted).toHaveLength(0);
    expect((await view(stack, number)).status).toBe('new');
  });

  it('applies commands sent as Signals and records refused ones as events, never failing the workflow', async () => {
    const { number, handle } = await startIncident(stack);
    await signal(stack, number, 'close');
    await signal(stack, number, 'pend', { reason: '' });
    await signal(stack, number, 'assign', { assignmentGroup: 'network-l1' }, 'chat-bot');
    const ticket = await eventually(async () => {
      const v = await view(stack, number);
      expect(v.assignmentGroup).toBe('network-l1');
      return v;
    });
    expect(ticket.status).toBe('assigned');
    const rejected = (await events(stack, number)).filter((e) => e.kind === 'command_rejected');
    expect(rejected.map((e) => e.data.command)).toEqual(['close', 'pend']);
    expect(String(rejected[1]!.data.reason)).toContain('reason');
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it('resolves open children with the parent’s resolution', async () => {
    const parent = await startIncident(stack, { title: 'Core switch down' });
    const child = await startIncident(stack, { title: 'No network on floor 3' });
    const other = await startIncident(stack, { title: 'No network on floor 4' });
    await update(stack, child.number, 'link-parent', { parent: parent.number });
    await update(stack, other.number, 'link-parent', { parent: parent.number });
    await update(stack, other.number, 'cancel', { reason: 'duplicate report' });
    await eventually(async () => expect((await view(stack, child.number)).parent).toBe(parent.number));
    // Each child tells its parent from its own main loop, so the parent may hear of them in either order.
    await eventually(async () => expect((await view(stack, parent.number)).children.sort()).toEqual([child.number, other.number].sort()));

    await update(stack, parent.number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'replaced the switch' });
    const resolvedChild = await eventually(async () => {
      const v = await view(stack, child.number);
      expect(v.status).toBe('resolved');
      return v;
    });
    expect(resolvedChild).toMatchObject({ resolutionCode: 'fixed', resolutionNotes: 'replaced the switch' });
    expect((await events(stack, child.number)).at(-1)).toMatchObject({ kind: 'resolved', data: { resolvedBy: parent.number } });
    await eventually(async () => expect((await view(stack, other.number)).status).toBe('cancelled'));
  });

  it('undoes a link to a parent whose workflow does not run, and the ticket carries on', async () => {
    const { number } = await startIncident(stack);
    // The command applies at once (handlers never wait on other workflows); the parent hears of it from the main loop.
    expect((await update(stack, number, 'link-parent', { parent: 'INC000000001' })).parent).toBe('INC000000001');
    const refused = await eventually(async () => {
      const found = (await events(stack, number)).find((e) => e.kind === 'link_refused');
      expect(found).toBeDefined();
      return found!;
    });
    expect(refused.data).toMatchObject({ relation: 'parent', target: 'INC000000001', reason: 'INC000000001 is not an open ticket' });
    await eventually(async () => expect((await view(stack, number)).parent).toBeNull());
    expect((await update(stack, number, 'acknowledge')).status).toBe('in_progress');
  });

  it('hands a ticket over when its group changes without a person, and never re-parents a child silently', async () => {
    const { number } = await startIncident(stack);
    await update(stack, number, 'assign', { assignmentGroup: 'network-l1', assignee: 'l1-agent@example.com' });
    await update(stack, number, 'acknowledge');
    const moved = await update(stack, number, 'assign', { assignmentGroup: 'network-l2' });
    expect(moved).toMatchObject({ status: 'assigned', assignmentGroup: 'network-l2', assignee: null });

    const first = await startIncident(stack);
    const second = await startIncident(stack);
    await update(stack, number, 'link-parent', { parent: first.number });
    const error = await update(stack, number, 'link-parent', { parent: second.number }).catch((e: unknown) => e);
    expect((error as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Unprocessable', message: `${number} is already a child of ${first.number}` });
  });

  it('resolves a child at once when it links to a parent that is already resolved', async () => {
    const parent = await startIncident(stack);
    await update(stack, parent.number, 'resolve', { resolutionCode: 'fixed', resolutionNotes: 'rebooted the core' });
    const child = await startIncident(stack);
    await update(stack, child.number, 'link-parent', { parent: parent.number });
    await eventually(async () => expect(await view(stack, child.number)).toMatchObject({ status: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'rebooted the core' }));
  });

  it('continues as new when Temporal suggests it, losing no state and no event', async () => {
    const { number, handle } = await startIncident(stack, { sla: quickSla(3600, 7200) });
    await update(stack, number, 'assign', { assignmentGroup: 'network-l1' });
    for (let i = 1; i <= 14; i++) await update(stack, number, 'comment', { body: `note ${i}`, visibility: 'internal' });
    const described = await handle.describe();
    expect(described.runId).not.toBe(handle.firstExecutionRunId);
    const after = await update(stack, number, 'acknowledge');
    expect(after).toMatchObject({ status: 'in_progress', assignmentGroup: 'network-l1' });
    expect(after.sla.response.metAt).not.toBeNull();
    const all = await eventually(async () => {
      const found = await events(stack, number);
      expect(found.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
      return found;
    });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => e.kind === 'commented')).toHaveLength(14);
  });
});
