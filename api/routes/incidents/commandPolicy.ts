import { eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { teams } from '../../../db/schema';
import type { User } from '../../../db/people';
import type { IncidentCommandPayloads } from '../../../domain/incident';
import { isOpen, type IncidentCommand, type IncidentStatus } from '../../../domain/incidentLifecycle';
import type { TicketView } from '../../../domain/ticket';
import { isStaff } from '../../middleware/auth';
import { forbidden, unprocessable } from '../../problem';
import { checkAssignment, checkCaller, checkCmdbChange } from '../../tickets/checks';
import { takeNumber } from '../../tickets/creation';
import { problemLifecycle, type ProblemStatus } from '../../../domain/problemLifecycle';

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
    case 'link-problem':
      await checkProblem(find, ticket, (payload as IncidentCommandPayloads['link-problem']).problem);
      return payload;
    case 'raise-problem':
      // The number is taken here, where the sequence is; the incident opens the problem under it.
      return { ...payload, number: await takeNumber(db, 'problem') };
    case 'escalate':
      return { ...payload, from: ticket.assignmentGroup, to: await escalationTarget(db, ticket) };
    case 'update': {
      const { caller } = payload as IncidentCommandPayloads['update'];
      if (caller) await checkCaller(db, caller);
      return checkCmdbChange(db, ticket, payload);
    }
    default:
      return payload;
  }
}

/** A manual escalation needs somewhere to go: the assignment group's escalation team, looked up here so the workflow hands over at once. */
async function escalationTarget(db: Database, ticket: TicketView): Promise<string> {
  if (!ticket.assignmentGroup) throw unprocessable('assignmentGroup', `${ticket.number} has no assignment group to escalate from`);
  const [team] = await db.select({ escalationTeam: teams.escalationTeam }).from(teams).where(eq(teams.name, ticket.assignmentGroup));
  if (!team?.escalationTeam) throw unprocessable('assignmentGroup', `${ticket.assignmentGroup} has no escalation team`);
  return team.escalationTeam;
}

/** The problem behind an incident must be one that still runs. */
async function checkProblem(find: (number: string) => Promise<TicketView | null>, ticket: TicketView, number: string) {
  const problem = await find(number);
  if (!problem || problem.type !== 'problem') throw unprocessable('problem', `no problem ${number}`);
  if (problemLifecycle.isTerminal(problem.status as ProblemStatus)) throw unprocessable('problem', `${number} is ${problem.status}`);
  const current = ticket.links?.find((l) => l.relation === 'caused_by')?.target;
  if (current !== undefined && current !== number) throw unprocessable('problem', `${ticket.number} is already linked to problem ${current}`);
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
