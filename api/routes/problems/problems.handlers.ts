import type { RouteHandler } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { inArray } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { searchKnownErrors } from '../../../db/knownErrors';
import { tickets } from '../../../db/schema';
import { isOpen, type IncidentStatus } from '../../../domain/incidentLifecycle';
import type { ProblemCommand } from '../../../domain/problemLifecycle';
import type { TicketView } from '../../../domain/ticket';
import type { NewProblem } from '../../../workflows/problem';
import type { AppEnv } from '../../context';
import { hasRole, requireStaff } from '../../middleware/auth';
import { forbidden, notFound, unprocessable } from '../../problem';
import { asTicketJson, cursorAfter, page } from '../../schemas';
import { checkAssignment, checkCmdbChange } from '../../tickets/checks';
import { checkCis, checkService, serviceOfCis } from '../../tickets/cmdbContext';
import { openTicket, takeNumber } from '../../tickets/creation';
import { newChangeInput } from '../../tickets/changes';
import { ticketToCommand, ticketToRead } from '../../tickets/lookup';
import { asOfNow, listTickets, ticketHistory } from '../../tickets/readModel';
import { liveView } from '../../tickets/workflows';
import { answerCommand, answerOpened } from '../tickets/ticketHandlers';
import type { raiseChangeBody } from '../../../domain/change';
import type { z } from 'zod';
import type * as routes from './problems.routes';

/** Decisions on the known error and the problem's end are the problem manager's (iTop's Problem Manager profile). */
const MANAGER_COMMANDS = new Set<ProblemCommand>(['publish-known-error', 'resolve', 'reopen', 'close', 'cancel']);

async function findProblem(db: Database, temporal: AppEnv['Variables']['deps']['temporal'], number: string, find = ticketToRead): Promise<TicketView> {
  const ticket = await find(db, temporal, number);
  if (!ticket || ticket.type !== 'problem') throw notFound(`no problem ${number}`);
  return ticket;
}

/**
 * Incidents a new problem causes: each exists, is open or resolved, and has no
 * other problem. Read as their workflows see them when the read model has not
 * caught up (an incident logged a moment ago).
 */
async function checkIncidents(db: Database, temporal: Client, numbers: string[]): Promise<void> {
  if (numbers.length === 0) return;
  const projected = await db.select({ view: tickets.view }).from(tickets).where(inArray(tickets.number, numbers));
  const found = new Map(projected.map((r) => [r.view.number, r.view]));
  for (const number of numbers.filter((n) => !found.has(n))) {
    const live = await liveView(temporal, number);
    if (live) found.set(number, live);
  }
  numbers.forEach((number, i) => {
    const incident = found.get(number);
    if (!incident || incident.type !== 'incident') throw unprocessable(`incidents.${i}`, `no incident ${number}`);
    if (!isOpen(incident.status as IncidentStatus) && incident.status !== 'resolved') throw unprocessable(`incidents.${i}`, `${number} is ${incident.status}`);
    const other = incident.links?.find((l) => l.relation === 'caused_by');
    if (other) throw unprocessable(`incidents.${i}`, `${number} is already linked to problem ${other.target}`);
  });
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  requireStaff(user);
  const { db, temporal, taskQueue } = c.get('deps');
  const body = c.req.valid('json');
  const key = c.req.valid('header')['idempotency-key'];
  const ciIds = body.ciIds ?? [];
  await checkCis(db, ciIds);
  if (body.serviceId) await checkService(db, body.serviceId);
  await checkIncidents(db, temporal, body.incidents ?? []);
  const input: Omit<NewProblem, 'number'> = {
    title: body.title,
    description: body.description,
    category: body.category ?? null,
    impact: body.impact,
    urgency: body.urgency,
    symptoms: body.symptoms ?? '',
    serviceId: body.serviceId ?? (await serviceOfCis(db, ciIds)),
    ciIds,
    incidentPolicy: body.incidentPolicy,
    incidents: body.incidents ?? [],
    raisedFrom: null,
    createdBy: user.email,
  };
  const created = await openTicket(db, temporal, taskQueue, 'problem', input, key ? { userId: user.id, key, request: body } : undefined);
  return answerOpened(c, created, key) as never;
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, ...filters } = c.req.valid('query');
  const rows = await listTickets(c.get('deps').db, 'problem', { ...filters, caller: filters.caller?.toLowerCase(), before: cursorAfter(cursor, 'number') ?? undefined, limit });
  const { items, nextCursor } = page(rows, limit, (r) => r.seq);
  return c.json({ items: items.map((r) => asTicketJson(asOfNow(r.view))), nextCursor }, 200) as never;
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { db, temporal } = c.get('deps');
  return c.json(asTicketJson(await findProblem(db, temporal, c.req.valid('param').number)), 200) as never;
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { db, temporal } = c.get('deps');
  const { number } = await findProblem(db, temporal, c.req.valid('param').number);
  const events = await ticketHistory(db, number);
  return c.json({ items: events.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
};

export function commandHandler(command: ProblemCommand): RouteHandler<(typeof routes.commands)[number]['route'], AppEnv> {
  return async (c) => {
    const user = c.get('user');
    requireStaff(user);
    if (MANAGER_COMMANDS.has(command) && !hasRole(user, 'problem_manager')) throw forbidden(`only problem managers may ${command} problems`);
    const { db, temporal } = c.get('deps');
    const ticket = await findProblem(db, temporal, c.req.valid('param').number, command === 'assign' ? ticketToCommand : ticketToRead);
    let payload: Record<string, unknown> = c.req.valid('json');
    if (command === 'assign') await checkAssignment(db, ticket, payload);
    if (command === 'update') payload = await checkCmdbChange(db, ticket, payload);
    if (command === 'raise-change') payload = await changeFromProblem(db, ticket, payload as z.infer<typeof raiseChangeBody>);
    return (await answerCommand(c, user, ticket, command, payload, c.req.valid('header')['idempotency-key'])) as never;
  };
}

/** The change a problem raises: what the client gave, the rest from the problem, checked as a new change is, under a number taken now. */
async function changeFromProblem(db: Database, problem: TicketView, body: z.infer<typeof raiseChangeBody>) {
  const change = {
    ...body,
    title: body.title ?? `Fix for ${problem.number}: ${problem.title}`,
    impact: body.impact ?? problem.impact,
    urgency: body.urgency ?? problem.urgency,
    ciIds: body.ciIds ?? problem.ciIds ?? [],
    serviceId: body.serviceId ?? problem.serviceId ?? undefined,
  };
  return { number: await takeNumber(db, 'change'), change: await newChangeInput(db, change) };
}

export const knownErrors: RouteHandler<typeof routes.knownErrors, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { q, limit } = c.req.valid('query');
  const rows = await searchKnownErrors(c.get('deps').db, q, limit);
  return c.json({ items: rows.map((r) => ({ ...r, publishedAt: r.publishedAt.toISOString() })) }, 200) as never;
};
