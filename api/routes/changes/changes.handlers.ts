import type { RouteHandler } from '@hono/zod-openapi';
import type { z } from 'zod';
import { changeCalendar } from '../../../db/changeConflicts';
import { userByEmail, type User } from '../../../db/people';
import type { CreateChange, requestApprovalBody, StandardChangeRequest } from '../../../domain/change';
import type { Level } from '../../../domain/priority';
import { activeTemplate } from '../../../db/changeRules';
import type { ChangeCommand } from '../../../domain/changeLifecycle';
import type { TicketView } from '../../../domain/ticket';
import type { AppEnv } from '../../context';
import { hasRole, isStaff, requireStaff } from '../../middleware/auth';
import { badRequest, forbidden, notFound, unprocessable } from '../../problem';
import { asTicketJson, cursorAfter, page } from '../../schemas';
import { approverGroups, assessmentOf, newChangeInput } from '../../tickets/changes';
import { checkAssignment, checkCmdbChange } from '../../tickets/checks';
import { openTicket } from '../../tickets/creation';
import { ticketToCommand, ticketToRead } from '../../tickets/lookup';
import { asOfNow, listTickets, ticketHistory } from '../../tickets/readModel';
import { answerCommand, answerOpened } from '../tickets/ticketHandlers';
import type * as routes from './changes.routes';

type Deps = AppEnv['Variables']['deps'];

async function findChange({ db, temporal }: Deps, number: string, find = ticketToRead): Promise<TicketView> {
  const ticket = await find(db, temporal, number);
  if (!ticket || ticket.type !== 'change') throw notFound(`no change ${number}`);
  return ticket;
}

/**
 * A standard change is its pre-approved template applied to CIs and a window:
 * the template's plans, risk, impact and urgency, within its longest window.
 */
async function fromTemplate(db: Deps['db'], body: StandardChangeRequest): Promise<CreateChange> {
  const template = await activeTemplate(db, body.templateId);
  if (!template) throw unprocessable('templateId', `no active change template ${body.templateId}`);
  const minutes = (Date.parse(body.plannedEnd) - Date.parse(body.plannedStart)) / 60_000;
  if (minutes > template.maxDurationMinutes) throw unprocessable('plannedEnd', `${template.name} allows a window of at most ${template.maxDurationMinutes} minutes`);
  const { templateId: _t, ...change } = body;
  return {
    ...change,
    title: body.title ?? template.name,
    description: body.description || template.description,
    impact: template.impact as Level,
    urgency: template.urgency as Level,
    risk: template.risk as CreateChange['risk'],
    implementationPlan: template.implementationPlan,
    backoutPlan: template.backoutPlan,
  };
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = c.get('user');
  requireStaff(user);
  const body = c.req.valid('json');
  const deps = c.get('deps');
  const { fixFor, ...change } = body.changeType === 'standard' ? await fromTemplate(deps.db, body) : body;
  if (fixFor) {
    const problem = await ticketToRead(deps.db, deps.temporal, fixFor);
    if (!problem || problem.type !== 'problem') throw unprocessable('fixFor', `no problem ${fixFor}`);
  }
  const key = c.req.valid('header')['idempotency-key'];
  const input = { ...(await newChangeInput(deps.db, change)), fixFor: fixFor ?? null, createdBy: user.email };
  const created = await openTicket(deps.db, deps.temporal, deps.taskQueue, 'change', input, key ? { userId: user.id, key, request: body } : undefined);
  return answerOpened(c, created, key) as never;
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, ...filters } = c.req.valid('query');
  const rows = await listTickets(c.get('deps').db, 'change', { ...filters, caller: filters.caller?.toLowerCase(), before: cursorAfter(cursor, 'number') ?? undefined, limit });
  const { items, nextCursor } = page(rows, limit, (r) => r.seq);
  return c.json({ items: items.map((r) => asTicketJson(asOfNow(r.view))), nextCursor }, 200) as never;
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  return c.json(asTicketJson(await findChange(c.get('deps'), c.req.valid('param').number)), 200) as never;
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { number } = await findChange(c.get('deps'), c.req.valid('param').number);
  const events = await ticketHistory(c.get('deps').db, number);
  return c.json({ items: events.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
};

/**
 * iTop's change roles: managers and supervisors close a change after its
 * review and may cancel it (so may its requester); implementing is the
 * implementer's: the change's assignee, an implementer, or those in charge.
 */
function checkAuthority(user: User, change: TicketView, command: ChangeCommand) {
  const requester = (change.details as { requester?: string } | undefined)?.requester;
  const inCharge = hasRole(user, 'change_manager', 'change_supervisor');
  if (command === 'close' && !inCharge) throw forbidden('only change managers and supervisors close changes');
  if (command === 'cancel' && !inCharge && user.email !== requester) throw forbidden('only change managers, supervisors and the requester cancel a change');
  if ((command === 'start-implementation' || command === 'complete') && !inCharge && !hasRole(user, 'implementer') && user.email !== change.assignee) {
    throw forbidden(`only the change's assignee, implementers, change managers and supervisors ${command === 'complete' ? 'report on' : 'start'} an implementation`);
  }
}

/** What the API looks up for a command before the workflow applies it: the workflow never waits on the CMDB. */
async function payloadFor(deps: Deps, change: TicketView, command: ChangeCommand, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (command) {
    case 'assign':
      await checkAssignment(deps.db, change, body);
      return body;
    case 'assess':
      return { assessment: await assessmentOf(deps.db, change) };
    case 'request-approval':
      return approverGroups(deps.db, change, body as z.infer<typeof requestApprovalBody>);
    case 'delegate': {
      const to = await userByEmail(deps.db, String(body.to));
      if (!to || !to.active || !isStaff(to)) throw unprocessable('to', `${String(body.to)} is not an active member of staff`);
      return body;
    }
    case 'update':
      return checkCmdbChange(deps.db, change, body);
    default:
      return body;
  }
}

export function commandHandler(command: ChangeCommand): RouteHandler<(typeof routes.commands)[number]['route'], AppEnv> {
  return async (c) => {
    const user = c.get('user');
    requireStaff(user);
    const deps = c.get('deps');
    // Approvals are decided on the live round; the rest on the ticket as last projected is enough.
    const live = ['approve', 'reject', 'delegate', 'request-approval', 'assess'].includes(command);
    const change = await findChange(deps, c.req.valid('param').number, live ? ticketToCommand : ticketToRead);
    checkAuthority(user, change, command);
    const payload = await payloadFor(deps, change, command, c.req.valid('json'));
    return (await answerCommand(c, user, change, command, payload, c.req.valid('header')['idempotency-key'])) as never;
  };
}

export const calendar: RouteHandler<typeof routes.calendar, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { from, to, limit } = c.req.valid('query');
  if (Date.parse(to) <= Date.parse(from)) throw badRequest('to must be after from', [{ field: 'query.to', message: 'must be after from' }]);
  const result = await changeCalendar(c.get('deps').db, { from: new Date(from), to: new Date(to), limit });
  return c.json(JSON.parse(JSON.stringify(result)), 200) as never;
};
