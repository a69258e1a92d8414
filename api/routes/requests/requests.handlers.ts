import type { RouteHandler } from '@hono/zod-openapi';
import { and, arrayContains, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { userByEmail, type User } from '../../../db/people';
import { catalogItems, teamMembers, users } from '../../../db/schema';
import type { ApproverGroup } from '../../../domain/approvals';
import type { ApprovalLevel } from '../../../domain/catalog';
import { answersSchema, applicableLevels, costOf } from '../../../domain/catalogForm';
import type { RequestLevel } from '../../../domain/request';
import type { RequestCommand } from '../../../domain/requestLifecycle';
import type { TicketView } from '../../../domain/ticket';
import type { NewRequest } from '../../../workflows/serviceRequest';
import type { AppEnv } from '../../context';
import { isStaff } from '../../middleware/auth';
import { forbidden, notFound, ProblemError, unprocessable } from '../../problem';
import { asTicketJson, cursorAfter, page } from '../../schemas';
import { checkAssignment, checkCaller } from '../../tickets/checks';
import { organizationOf } from '../../tickets/cmdbContext';
import { openTicket, takeNumber, takeNumbers } from '../../tickets/creation';
import { ticketToCommand, ticketToRead } from '../../tickets/lookup';
import { asOfNow, listTickets, ticketHistory } from '../../tickets/readModel';
import { slaPolicy } from '../../tickets/slaSelection';
import { mayRead, organizationInView } from '../../tickets/visibility';
import { callerHistory, REQUEST_CALLER_POLICY } from '../../tickets/historyPolicy';
import { answerCommand, answerOpened } from '../tickets/ticketHandlers';
import type * as routes from './requests.routes';

type Deps = AppEnv['Variables']['deps'];
const TWO_DAYS = 2 * 24 * 3600;

/** Whether the user is an approver of the request's open round: a manager who is no agent still reads what they decide on. */
function decidesOn(ticket: TicketView, user: User): boolean {
  const approval = (ticket.details as { approval?: { groups: { members: string[] }[] } | null } | undefined)?.approval;
  return ticket.status === 'awaiting_approval' && (approval?.groups.some((g) => g.members.includes(user.email)) ?? false);
}

/** A request, if this user may see it: requesters their own (a portal power user their organization's), its approvers while they decide, staff all. */
async function visibleRequest({ db, temporal }: Deps, user: User, number: string, find = ticketToRead): Promise<TicketView> {
  const ticket = await find(db, temporal, number);
  if (!ticket || ticket.type !== 'service_request' || !(mayRead(user, ticket) || decidesOn(ticket, user))) throw notFound(`no request ${number}`);
  return ticket;
}

async function activeEmails(db: Database, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.select({ email: users.email }).from(users).where(and(inArray(users.id, ids), eq(users.active, true)))).map((r) => r.email);
}

/** The approval levels of an order, resolved to people now: the requester's manager, or a team's active members. */
async function resolveLevels(db: Database, requester: User, levels: ApprovalLevel[]): Promise<RequestLevel[]> {
  const resolved: RequestLevel[] = [];
  for (const [i, level] of levels.entries()) {
    let group: ApproverGroup;
    if (level.approver.kind === 'manager') {
      const [row] = await db.select({ managerId: users.managerId }).from(users).where(eq(users.id, requester.id));
      const [manager] = row?.managerId ? await activeEmails(db, [row.managerId]) : [];
      if (!manager) throw unprocessable('requester', `${requester.email} has no active manager to approve this order`);
      group = { name: 'manager', members: [manager], rule: level.rule };
    } else {
      const team = level.approver.team;
      const members = await db
        .select({ email: users.email })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(and(eq(teamMembers.team, team), eq(users.active, true)))
        .orderBy(users.email);
      group = { name: team, members: members.map((m) => m.email), rule: level.rule };
    }
    if (group.members.filter((m) => m !== requester.email).length === 0) throw unprocessable(`approvals.${i}`, `${group.name} has nobody who may approve this order`);
    resolved.push({ group });
  }
  return resolved;
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  const deps = c.get('deps');
  const { db } = deps;
  const body = c.req.valid('json');
  if (body.requester !== undefined && body.requester !== user.email && !isStaff(user)) throw forbidden('end users order for themselves');
  const requesterEmail = body.requester ?? user.email;
  await checkCaller(db, requesterEmail);
  const requester = (await userByEmail(db, requesterEmail))!;
  const [item] = await db.select().from(catalogItems).where(eq(catalogItems.id, body.itemId));
  if (!item || !item.active) throw unprocessable('itemId', `no catalog item ${body.itemId} to order`);
  const parsed = answersSchema(item.form).safeParse(body.answers);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: ['answers', ...i.path].join('.'), message: i.message }));
    throw new ProblemError(422, `the answers do not fit the form of ${item.name}`, { errors });
  }
  const answers = parsed.data as Record<string, unknown>;
  const cost = costOf({ costField: item.costField, price: item.price === null ? null : Number(item.price) }, answers);
  const levels = await resolveLevels(db, requester, applicableLevels(item.approvals, cost));
  const taskNumbers = await takeNumbers(db, 'task', item.tasks.length);
  const catalogManagers = await db.select({ email: users.email }).from(users).where(and(eq(users.active, true), arrayContains(users.roles, ['catalog_manager'])));
  const input: Omit<NewRequest, 'number'> = {
    itemId: item.id,
    itemName: item.name,
    description: item.description,
    answers,
    cost,
    levels,
    approvalDueSeconds: deps.approvalDueSeconds ?? TWO_DAYS,
    escalateTo: catalogManagers.map((m) => m.email),
    tasks: item.tasks,
    taskOrder: item.taskOrder as NewRequest['taskOrder'],
    taskNumbers,
    requester: requesterEmail,
    organizationId: await organizationOf(db, requesterEmail),
    createdBy: user.email,
    sla: await slaPolicy(db, { slaId: item.slaId ?? undefined, organizationId: null, serviceId: null }),
  };
  const key = c.req.valid('header')['idempotency-key'];
  const created = await openTicket(db, deps.temporal, deps.taskQueue, 'service_request', input, key ? { userId: user.id, key, request: body } : undefined);
  return answerOpened(c, created, key) as never;
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const user = c.get('user');
  const { limit, cursor, ...filters } = c.req.valid('query');
  const rows = await listTickets(c.get('deps').db, 'service_request', {
    ...filters,
    caller: filters.caller?.toLowerCase(),
    ...(!isStaff(user) && { readableBy: { caller: user.email, organizationId: organizationInView(user) } }),
    before: cursorAfter(cursor, 'number') ?? undefined,
    limit,
  });
  const { items, nextCursor } = page(rows, limit, (r) => r.seq);
  return c.json({ items: items.map((r) => asTicketJson(asOfNow(r.view))), nextCursor }, 200) as never;
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const ticket = await visibleRequest(c.get('deps'), c.get('user'), c.req.valid('param').number);
  return c.json(asTicketJson(asOfNow(ticket)), 200) as never;
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  const user = c.get('user');
  const { number } = await visibleRequest(c.get('deps'), user, c.req.valid('param').number);
  const events = await ticketHistory(c.get('deps').db, number);
  // Work notes and internal data stay with the staff.
  const visible = isStaff(user) ? events : callerHistory(events, REQUEST_CALLER_POLICY);
  return c.json({ items: visible.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
};

/** What a requester may do on their own request; decisions are for its approvers, whoever they are; the rest is the desk's. */
const REQUESTER_COMMANDS: RequestCommand[] = ['cancel', 'answer', 'close', 'comment'];
const APPROVER_COMMANDS: RequestCommand[] = ['approve', 'reject', 'delegate'];

export function commandHandler(command: RequestCommand): RouteHandler<(typeof routes.commands)[number]['route'], AppEnv> {
  return async (c) => {
    const user = c.get('user');
    const deps = c.get('deps');
    const deciding = APPROVER_COMMANDS.includes(command);
    // An approver (a manager, say) need not be staff nor see the request otherwise: the workflow checks them against the round.
    const ticket = deciding ? await ticketToCommand(deps.db, deps.temporal, c.req.valid('param').number) : await visibleRequest(deps, user, c.req.valid('param').number);
    if (!ticket || ticket.type !== 'service_request') throw notFound(`no request ${c.req.valid('param').number}`);
    const requester = ticket.caller === user.email;
    if (!deciding && !isStaff(user) && !(requester && REQUESTER_COMMANDS.includes(command))) throw forbidden(`only the desk may ${command} requests`);
    let payload: Record<string, unknown> = c.req.valid('json');
    if (command === 'comment' && !isStaff(user)) {
      if (payload.visibility === 'internal') throw forbidden('work notes (internal comments) are for the desk');
      payload = { ...payload, visibility: 'public' };
    }
    if (command === 'assign') await checkAssignment(deps.db, ticket, payload);
    if (command === 'retry-task') payload = { ...payload, number: await takeNumber(deps.db, 'task') };
    return (await answerCommand(c, user, ticket, command, payload, c.req.valid('header')['idempotency-key'])) as never;
  };
}
