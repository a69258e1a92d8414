import type { RouteHandler } from '@hono/zod-openapi';
import type { TaskCommand } from '../../../domain/requestLifecycle';
import type { TicketView } from '../../../domain/ticket';
import type { AppEnv } from '../../context';
import { requireStaff } from '../../middleware/auth';
import { notFound } from '../../problem';
import { asTicketJson, cursorAfter, page } from '../../schemas';
import { checkAssignment } from '../../tickets/checks';
import { ticketToCommand, ticketToRead } from '../../tickets/lookup';
import { asOfNow, listTickets, ticketHistory } from '../../tickets/readModel';
import { answerCommand } from '../tickets/ticketHandlers';
import type * as routes from './tasks.routes';

type Deps = AppEnv['Variables']['deps'];

async function findTask({ db, temporal }: Deps, number: string, find = ticketToRead): Promise<TicketView> {
  const ticket = await find(db, temporal, number);
  if (!ticket || ticket.type !== 'task') throw notFound(`no task ${number}`);
  return ticket;
}

/** Fulfilment tasks are the desk's work queue; requesters follow them through their request. */
export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { limit, cursor, ...filters } = c.req.valid('query');
  const rows = await listTickets(c.get('deps').db, 'task', { ...filters, caller: filters.caller?.toLowerCase(), before: cursorAfter(cursor, 'number') ?? undefined, limit });
  const { items, nextCursor } = page(rows, limit, (r) => r.seq);
  return c.json({ items: items.map((r) => asTicketJson(asOfNow(r.view))), nextCursor }, 200) as never;
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  return c.json(asTicketJson(await findTask(c.get('deps'), c.req.valid('param').number)), 200) as never;
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) => {
  requireStaff(c.get('user'));
  const { number } = await findTask(c.get('deps'), c.req.valid('param').number);
  const events = await ticketHistory(c.get('deps').db, number);
  return c.json({ items: events.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
};

export function commandHandler(command: TaskCommand): RouteHandler<(typeof routes.commands)[number]['route'], AppEnv> {
  return async (c) => {
    const user = c.get('user');
    requireStaff(user);
    const deps = c.get('deps');
    const task = await findTask(deps, c.req.valid('param').number, command === 'assign' ? ticketToCommand : ticketToRead);
    const payload = c.req.valid('json');
    if (command === 'assign') await checkAssignment(deps.db, task, payload);
    return (await answerCommand(c, user, task, command, payload, c.req.valid('header')['idempotency-key'])) as never;
  };
}
