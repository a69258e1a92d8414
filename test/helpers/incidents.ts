import { randomInt, randomUUID } from 'node:crypto';
import { executeCommand } from '../../api/tickets/workflows';
import { eq } from 'drizzle-orm';
import { teamMembers, teams, users } from '../../db/schema';
import type { SlaTargets } from '../../domain/sla';
import { findTicket, ticketHistory } from '../../api/tickets/readModel';
import type { NewIncident } from '../../workflows/incident';
import { incident } from '../../workflows';
import { commandSignal } from '../../workflows/kernel/messages';
import type { Stack } from './stack';
import { eventually } from './eventually';

/** Short SLA targets (seconds) so real timers fire within a test. */
export function quickSla(responseSeconds: number | null, resolutionSeconds: number | null, warnAtPercent = 75) {
  const target = { responseSeconds, resolutionSeconds };
  const targets = { '1': target, '2': target, '3': target, '4': target, '5': target } as SlaTargets;
  return { id: '00000000-0000-4000-8000-000000000001', name: 'quick', targets, warnAtPercent, calendar: { kind: '24x7' as const } };
}

export const uniqueNumber = () => `INC${String(randomInt(100_000_000, 999_999_999))}`;

/** Starts an incident workflow directly (no API) and waits for its first projection. */
export async function startIncident(stack: Stack, overrides: Partial<NewIncident> = {}) {
  const input: NewIncident = {
    number: uniqueNumber(),
    title: 'Mail is down',
    description: 'Outlook cannot reach the server',
    category: null,
    impact: 2,
    urgency: 2,
    caller: null,
    createdBy: 'tester@example.com',
    sla: quickSla(3600, 7200),
    autoCloseSeconds: 3600,
    ...overrides,
  };
  const handle = await stack.client.workflow.start(incident, { workflowId: input.number, taskQueue: stack.taskQueue, args: [{ create: input }] });
  await eventually(async () => {
    if (!(await findTicket(stack.db, input.number))) throw new Error('not projected yet');
  });
  return { number: input.number, handle };
}

/** A command as an Update, delivered as the API delivers it (again, with the same ID, if the server dropped it). */
export const update = (stack: Stack, number: string, name: string, payload: Record<string, unknown> = {}, actor = 'agent@example.com', commandId = randomUUID()) =>
  executeCommand(stack.client, number, name, { ...payload, actor }, commandId);

export const signal = (stack: Stack, number: string, name: string, payload: Record<string, unknown> = {}, actor = 'cli-user') =>
  stack.client.workflow.getHandle(number).signal(commandSignal<Record<string, unknown>>(name), { ...payload, actor });

export const view = async (stack: Stack, number: string) => (await findTicket(stack.db, number))!;
export const events = (stack: Stack, number: string) => ticketHistory(stack.db, number);
export const kinds = async (stack: Stack, number: string) => (await events(stack, number)).map((e) => e.kind);

/** A team, its members and optionally its escalation team, written straight to the configuration tables. */
export async function team(stack: Stack, name: string, { escalationTeam = null as string | null, members = [] as string[] } = {}) {
  await stack.db.insert(teams).values({ name, escalationTeam });
  for (const email of members) {
    const [user] = await stack.db.select().from(users).where(eq(users.email, email));
    await stack.db.insert(teamMembers).values({ team: name, userId: user!.id });
  }
}
