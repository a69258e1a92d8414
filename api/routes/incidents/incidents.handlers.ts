import type { RouteHandler } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Database } from '../../../db/client';
import type { User } from '../../../db/people';
import type { IncidentCommand } from '../../../domain/incidentLifecycle';
import type { TicketView } from '../../../domain/ticket';
import type { NewIncident } from '../../../workflows/incident';
import { searchKnownErrors } from '../../../db/knownErrors';
import type { AppEnv } from '../../context';
import { answerCommand, answerOpened } from '../tickets/ticketHandlers';
import { isStaff } from '../../middleware/auth';
import { forbidden, notFound } from '../../problem';
import { asTicketJson, cursorAfter, page } from '../../schemas';
import { openTicket } from '../../tickets/creation';
import { asOfNow, listTickets, ticketHistory } from '../../tickets/readModel';
import { ticketToCommand, ticketToRead } from '../../tickets/lookup';
import { checkCaller } from '../../tickets/checks';
import { authorizeCommand } from './commandPolicy';
import { servicesImpactedBy, ticketCmdbFacts } from '../../tickets/cmdbContext';
import { slaPolicy } from '../../tickets/slaSelection';
import { mayRead, organizationInView } from '../../tickets/visibility';
import { callerHistory } from '../../tickets/historyPolicy';
import type * as routes from './incidents.routes';

/**
 * The incident, if this user may see it (api/tickets/visibility): for an end
 * user, the others do not exist. One just logged may not be in the read model
 * yet: its workflow answers for it (read your own writes).
 */
async function visibleIncident(db: Database, temporal: Client, user: User, number: string, find = ticketToRead): Promise<TicketView> {
  const ticket = await find(db, temporal, number);
  if (!ticket || ticket.type !== 'incident' || !mayRead(user, ticket)) throw notFound(`no incident ${number}`);
  return ticket;
}

const SUGGESTED_KNOWN_ERRORS = 5;

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  const { db, temporal, taskQueue, autoCloseSeconds } = c.get('deps');
  const body = c.req.valid('json');
  const key = c.req.valid('header')['idempotency-key'];
  if (!isStaff(user)) {
    if (body.slaId !== undefined) throw forbidden('only agents may choose the SLA');
    if (body.caller !== undefined && body.caller !== user.email) throw forbidden('end users log incidents for themselves');
  }
  const caller = body.caller ?? (isStaff(user) ? null : user.email);
  if (caller) await checkCaller(db, caller);
  const cmdb = await ticketCmdbFacts(db, { caller, serviceId: body.serviceId, ciIds: body.ciIds });
  const sla = await slaPolicy(db, { slaId: body.slaId, organizationId: cmdb.organizationId, serviceId: cmdb.serviceId });

  const input = {
    title: body.title,
    description: body.description,
    category: body.category ?? null,
    impact: body.impact,
    urgency: body.urgency,
    caller,
    ...cmdb,
    createdBy: user.email,
    sla,
    autoCloseSeconds,
  };
  const created = await openTicket(db, temporal, taskQueue, 'incident', input satisfies Omit<NewIncident, 'number'>, key ? { userId: user.id, key, request: body } : undefined);
  // A workaround may already exist: the known errors that match the report come with the answer.
  const matches = await searchKnownErrors(db, `${body.title} ${body.description}`, SUGGESTED_KNOWN_ERRORS);
  const suggestedKnownErrors = matches.filter((k) => k.status !== 'cancelled').map(({ number, title, workaround }) => ({ number, title, workaround }));
  return answerOpened(c, created, key, { suggestedKnownErrors }) as never;
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const user = c.get('user');
  const { limit, cursor, ...filters } = c.req.valid('query');
  const before = cursorAfter(cursor, 'number') ?? undefined;
  const rows = await listTickets(c.get('deps').db, 'incident', {
    ...filters,
    caller: filters.caller?.toLowerCase(),
    // End users list only what they reported (and a portal power user what their organization did), whatever they ask for.
    ...(!isStaff(user) && { readableBy: { caller: user.email, organizationId: organizationInView(user) } }),
    before,
    limit,
  });
  const { items, nextCursor } = page(rows, limit, (r) => r.seq);
  return c.json({ items: items.map((r) => asTicketJson(asOfNow(r.view))), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  const { db, temporal } = c.get('deps');
  const ticket = await visibleIncident(db, temporal, c.get('user'), c.req.valid('param').number);
  const impactedServices = await servicesImpactedBy(db, ticket.ciIds ?? []);
  return c.json({ ...asTicketJson(asOfNow(ticket)), impactedServices }, 200) as never;
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  const user = c.get('user');
  const { db, temporal } = c.get('deps');
  const { number } = await visibleIncident(db, temporal, user, c.req.valid('param').number);
  const events = await ticketHistory(db, number);
  // Work notes, escalations and SLA internals stay with the staff.
  const visible = isStaff(user) ? events : callerHistory(events);
  return c.json({ items: visible.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
};

/**
 * Commands whose checks read fields other commands change (the group, the links): they are decided on the
 * live ticket. For the rest the read model is enough (the workflow checks the transition itself) and saves a
 * round trip through a worker.
 */
const LIVE_POLICY = new Set<IncidentCommand>(['assign', 'escalate', 'link-parent']);

export function commandHandler(command: IncidentCommand): RouteHandler<(typeof routes.commands)[number]['route'], AppEnv> {
  return async (c) => {
    const user = c.get('user');
    const { db, temporal } = c.get('deps');
    const ticket = await visibleIncident(db, temporal, user, c.req.valid('param').number, LIVE_POLICY.has(command) ? ticketToCommand : ticketToRead);
    const payload = await authorizeCommand(db, (n) => ticketToRead(db, temporal, n), user, ticket, command, c.req.valid('json'));
    return (await answerCommand(c, user, ticket, command, payload, c.req.valid('header')['idempotency-key'])) as never;
  };
}
