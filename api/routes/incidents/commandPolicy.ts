import { eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { teams } from '../../../db/schema';
import { isTeamMember, teamExists, userByEmail, type User } from '../../../db/people';
import type { IncidentCommandPayloads } from '../../../domain/incident';
import { isOpen, type IncidentCommand, type IncidentStatus } from '../../../domain/incidentLifecycle';
import type { TicketView } from '../../../domain/ticket';
import { isStaff } from '../../middleware/auth';
import { forbidden, unprocessable } from '../../problem';
import { checkCis, checkService, serviceOfCis } from '../../tickets/cmdbContext';

/** What callers may do on their own incidents: talk, confirm the resolution, or reopen it. */
const END_USER_COMMANDS: IncidentCommand[] = ['comment', 'close', 'reopen'];

/**
 * Who may issue a command and whether it makes sense against the
 * configuration (teams, people, other tickets). The workflow decides whether
 * it is legal in the ticket's current state.
 */
export async function authorizeCommand(
  db: Database,
  find: (number: string) => Promise<TicketView | null>,
  user: User,
  ticket: TicketView,
  command: IncidentCommand,
  payload: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const staff = isStaff(user);
  if (!staff && !END_USER_COMMANDS.includes(command)) throw forbidden(`only agents may ${command} incidents`);
  // A portal power user reads their organization's incidents and may add to their thread; confirming or reopening is the caller's.
  if (!staff && command !== 'comment' && ticket.caller !== user.email) throw forbidden(`only the caller may ${command} ${ticket.number}`);

  switch (command) {
    case 'comment': {
      const { visibility } = payload as IncidentCommandPayloads['comment'];
      if (!staff && visibility === 'internal') throw forbidden('work notes (internal comments) are for agents');
      return { ...payload, visibility: visibility ?? (staff ? 'internal' : 'public') };
    }
    case 'assign':
      await checkAssignment(db, ticket, payload as IncidentCommandPayloads['assign']);
      return payload;
    case 'link-parent':
      await checkParent(find, ticket, (payload as IncidentCommandPayloads['link-parent']).parent);
      return payload;
    case 'escalate':
      return { ...payload, from: ticket.assignmentGroup, to: await escalationTarget(db, ticket) };
    case 'update': {
      const { caller, serviceId, ciIds } = payload as IncidentCommandPayloads['update'];
      if (caller) await checkCaller(db, caller);
      if (serviceId) await checkService(db, serviceId);
      if (ciIds === undefined) return payload;
      await checkCis(db, ciIds);
      // New CIs on a ticket that names no service: the service follows from them, as at creation.
      const derived = serviceId === undefined && !ticket.serviceId ? await serviceOfCis(db, ciIds) : null;
      return derived ? { ...payload, serviceId: derived } : payload;
    }
    default:
      return payload;
  }
}

async function checkAssignment(db: Database, ticket: TicketView, { assignmentGroup, assignee }: IncidentCommandPayloads['assign']) {
  if (assignmentGroup !== undefined && !(await teamExists(db, assignmentGroup))) {
    throw unprocessable('assignmentGroup', `no team named ${assignmentGroup}`);
  }
  if (assignee === undefined) return;
  const person = await userByEmail(db, assignee);
  if (!person) throw unprocessable('assignee', `no user with email ${assignee}`);
  if (!person.active) throw unprocessable('assignee', `${assignee} is deactivated`);
  if (!isStaff(person)) throw unprocessable('assignee', `${assignee} is not an agent`);
  const group = assignmentGroup ?? ticket.assignmentGroup;
  if (group && !(await isTeamMember(db, group, person.id))) throw unprocessable('assignee', `${assignee} is not a member of ${group}`);
}

/** A caller must be someone who can follow their ticket: a known, active user. */
export async function checkCaller(db: Database, caller: string) {
  const person = await userByEmail(db, caller);
  if (!person) throw unprocessable('caller', `no user with email ${caller}`);
  if (!person.active) throw unprocessable('caller', `${caller} is deactivated`);
}

/** A manual escalation needs somewhere to go: the assignment group's escalation team, looked up here so the workflow hands over at once. */
async function escalationTarget(db: Database, ticket: TicketView): Promise<string> {
  if (!ticket.assignmentGroup) throw unprocessable('assignmentGroup', `${ticket.number} has no assignment group to escalate from`);
  const [team] = await db.select({ escalationTeam: teams.escalationTeam }).from(teams).where(eq(teams.name, ticket.assignmentGroup));
  if (!team?.escalationTeam) throw unprocessable('assignmentGroup', `${ticket.assignmentGroup} has no escalation team`);
  return team.escalationTeam;
}

async function checkParent(find: (number: string) => Promise<TicketView | null>, ticket: TicketView, parentNumber: string) {
  if (parentNumber === ticket.number) throw unprocessable('parent', 'an incident cannot be its own parent');
  const parent = await find(parentNumber);
  if (!parent || parent.type !== 'incident') throw unprocessable('parent', `no incident ${parentNumber}`);
  if (!isOpen(parent.status as IncidentStatus)) throw unprocessable('parent', `${parentNumber} is ${parent.status}; a parent must be open`);
  if (ticket.parent !== null && ticket.parent !== parentNumber) throw unprocessable('parent', `${ticket.number} is already a child of ${ticket.parent}`);
  // Walk up from the parent: meeting this ticket would close a loop. The visited set ends
  // the walk on any loop already present (links made concurrently or by signal).
  const visited = new Set<string>([parent.number]);
  for (let ancestor: TicketView | null = parent; ancestor?.parent; ancestor = await find(ancestor.parent)) {
    if (ancestor.parent === ticket.number) throw unprocessable('parent', `${parentNumber} already descends from ${ticket.number}`);
    if (visited.has(ancestor.parent)) throw unprocessable('parent', `the parents of ${parentNumber} form a loop`);
    visited.add(ancestor.parent);
  }
}
