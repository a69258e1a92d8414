import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { User } from '../../../db/people';
import { parseTicketNumber, type TicketType } from '../../../domain/numbering';
import type { TicketView } from '../../../domain/ticket';
import type { AppEnv } from '../../context';
import { conflict } from '../../problem';
import { asTicketJson } from '../../schemas';
import type { Created } from '../../tickets/creation';
import { findTicket } from '../../tickets/readModel';
import { Accepted, sendCommand, TicketWorkflowClosed } from '../../tickets/workflows';

/** Where each type's tickets live in the API. */
const COLLECTIONS: Record<TicketType, string> = { incident: 'incidents', problem: 'problems', change: 'changes', service_request: 'requests', task: 'tasks' };
export const ticketLocation = (number: string) => `/api/v1/${COLLECTIONS[parseTicketNumber(number)?.type ?? 'incident']}/${number}`;

/** What a 202 says: the ticket has the request and will act on it; retry with the same key to learn the outcome. */
const accepted = (number: string, key: string | undefined) => ({
  number,
  status: 'accepted' as const,
  location: ticketLocation(number),
  ...(key !== undefined && { idempotencyKey: key }),
});

/** The answer to opening a ticket: 201 (200 for a replayed key) with the workflow's own view, or 202. */
export function answerOpened(c: Context<AppEnv>, { view, replay }: Created, key: string | undefined, more: Record<string, unknown> = {}): Response {
  c.header('Location', ticketLocation(view.number));
  if (view instanceof Accepted) return c.json(accepted(view.number, key), 202);
  return c.json({ ...asTicketJson(view), ...more }, replay ? 200 : 201);
}

/**
 * Sends a command to a ticket as the user. The key names the command, so a
 * retry applies it once; without one, the answer gives the ID to retry with.
 */
export async function answerCommand(
  c: Context<AppEnv>,
  user: User,
  ticket: TicketView,
  command: string,
  payload: Record<string, unknown>,
  key: string | undefined,
): Promise<Response> {
  const { db, temporal } = c.get('deps');
  const commandKey = key ?? randomUUID();
  try {
    const view = await sendCommand(temporal, ticket.number, command, { ...payload, actor: user.email }, `${user.id}:${commandKey}`);
    c.header('Location', ticketLocation(ticket.number));
    if (view instanceof Accepted) return c.json(accepted(ticket.number, commandKey), 202);
    return c.json(asTicketJson(view), 200);
  } catch (error) {
    if (!(error instanceof TicketWorkflowClosed)) throw error;
    const current = (await findTicket(db, ticket.number)) ?? ticket;
    throw conflict(`cannot ${command} ${ticket.number} while it is ${current.status}`, { currentStatus: current.status, allowedCommands: [] });
  }
}
