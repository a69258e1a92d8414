import type { Database } from '../../db/client';
import { isTeamMember, teamExists, userByEmail } from '../../db/people';
import type { TicketView } from '../../domain/ticket';
import { isStaff } from '../middleware/auth';
import { unprocessable } from '../problem';
import { checkCis, checkService, serviceOfCis } from './cmdbContext';

/** Checks of a command against the configuration that every ticket type makes the same way. */

/** An assignment names a team that exists and, if a person, an active agent of that team (the ticket's, when it has one and none is named). */
export async function checkAssignment(
  db: Database,
  ticket: Pick<TicketView, 'assignmentGroup'> | null,
  { assignmentGroup, assignee }: { assignmentGroup?: string; assignee?: string },
) {
  if (assignmentGroup !== undefined && !(await teamExists(db, assignmentGroup))) {
    throw unprocessable('assignmentGroup', `no team named ${assignmentGroup}`);
  }
  if (assignee === undefined) return;
  const person = await userByEmail(db, assignee);
  if (!person) throw unprocessable('assignee', `no user with email ${assignee}`);
  if (!person.active) throw unprocessable('assignee', `${assignee} is deactivated`);
  if (!isStaff(person)) throw unprocessable('assignee', `${assignee} is not an agent`);
  const group = assignmentGroup ?? ticket?.assignmentGroup;
  if (group && !(await isTeamMember(db, group, person.id))) throw unprocessable('assignee', `${assignee} is not a member of ${group}`);
}

/** A caller must be someone who can follow their ticket: a known, active user. */
export async function checkCaller(db: Database, caller: string) {
  const person = await userByEmail(db, caller);
  if (!person) throw unprocessable('caller', `no user with email ${caller}`);
  if (!person.active) throw unprocessable('caller', `${caller} is deactivated`);
}


/** A change of service or CIs names ones that exist; new CIs on a ticket without a service bring their service, as at creation. */
export async function checkCmdbChange(db: Database, ticket: TicketView, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { serviceId, ciIds } = payload as { serviceId?: string | null; ciIds?: string[] };
  if (serviceId) await checkService(db, serviceId);
  if (ciIds === undefined) return payload;
  await checkCis(db, ciIds);
  const derived = serviceId === undefined && !ticket.serviceId ? await serviceOfCis(db, ciIds) : null;
  return derived ? { ...payload, serviceId: derived } : payload;
}
