import { and, arrayContains, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { findConflicts } from '../../db/changeConflicts';
import { approvalRulesFor } from '../../db/changeRules';
import { cis, services, teamMembers, users } from '../../db/schema';
import type { ApprovalRule, ApproverGroup } from '../../domain/approvals';
import type { Assessment, CreateChange } from '../../domain/change';
import type { TicketView } from '../../domain/ticket';
import type { NewChange } from '../../workflows/change';
import { unprocessable } from '../problem';
import { checkAssignment } from './checks';
import { checkCis, checkService, serviceOfCis, servicesImpactedBy } from './cmdbContext';

export const CHANGE_MANAGERS = 'change managers';
export const ADVISORY_BOARD = 'change advisory board';
export const EMERGENCY_BOARD = 'emergency board';
/** How long a board has by default: two days for a CAB, an hour for an emergency board. */
const DEFAULT_DUE_SECONDS = { normal: 48 * 3600, emergency: 3600 } as const;

/** Active users who hold the role itself (admins hold every role, but sit on no board unless named to it). */
async function holdersOf(db: Database, role: 'change_manager' | 'approver'): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.active, true), arrayContains(users.roles, [role])))
    .orderBy(users.email);
  return rows.map((r) => r.email);
}
const changeManagers = (db: Database) => holdersOf(db, 'change_manager');

/** A new change as its workflow takes it: references checked, the service derived from the CIs, the change managers of the day. */
export async function newChangeInput(db: Database, body: Omit<CreateChange, 'fixFor'>): Promise<Omit<NewChange, 'number' | 'createdBy' | 'fixFor'>> {
  await checkCis(db, body.ciIds);
  if (body.serviceId) await checkService(db, body.serviceId);
  await checkAssignment(db, null, { assignmentGroup: body.assignmentGroup, assignee: body.assignee });
  return {
    ...body,
    category: body.category ?? null,
    serviceId: body.serviceId ?? (await serviceOfCis(db, body.ciIds)),
    assignmentGroup: body.assignmentGroup ?? null,
    assignee: body.assignee ?? null,
    changeManagers: await changeManagers(db),
  };
}

/** What assessment finds: the services the change's CIs affect, and what else happens in its window on the same or related CIs. */
export async function assessmentOf(db: Database, change: TicketView): Promise<Assessment> {
  const details = change.details as { plannedStart: string; plannedEnd: string };
  const ciIds = change.ciIds ?? [];
  const impacted = await servicesImpactedBy(db, ciIds);
  const serviceIds = [...new Set([...impacted.map((s) => s.id), ...(change.serviceId ? [change.serviceId] : [])])];
  const conflicts = await findConflicts(db, { number: change.number, ciIds, serviceIds, start: new Date(details.plannedStart), end: new Date(details.plannedEnd) });
  return {
    assessedAt: new Date().toISOString(),
    impactedServices: impacted.map(({ id, name, criticality }) => ({ id, name, criticality })),
    conflictingChanges: conflicts.changes.map((c) => ({ number: c.number, title: c.title, plannedStart: c.plannedStart.toISOString(), plannedEnd: c.plannedEnd.toISOString() })),
    freezes: conflicts.freezes.map((f) => ({ id: f.id, name: f.name, startsAt: f.startsAt.toISOString(), endsAt: f.endsAt.toISOString() })),
  };
}

/**
 * Who authorizes a change: the change managers; the standing change advisory
 * board (users with the approver role); the teams the approval rules
 * name for the classes of its CIs and the services they affect (database CIs:
 * the DBA team), each deciding by its rule; and the teams supporting those CIs
 * and services, any one member deciding. A request may set a group's rule. An
 * emergency goes to the emergency board (the change managers) alone. A group
 * with nobody who may approve (the requester is not one) is refused, rather
 * than a round that can never end.
 */
export async function approverGroups(
  db: Database,
  change: TicketView,
  request: { rules?: { group: string; rule: ApprovalRule }[]; dueInSeconds?: number },
): Promise<{ groups: ApproverGroup[]; dueInSeconds: number }> {
  const details = change.details as { changeType: 'normal' | 'emergency'; requester: string };
  const rules = new Map((request.rules ?? []).map((r) => [r.group, r.rule]));
  const managers = await changeManagers(db);
  const emergency = details.changeType === 'emergency';
  const teams = emergency ? [] : await teamsFor(db, change);
  // Users with the approver role form the standing CAB of normal changes, when there are any.
  const advisors = emergency ? [] : await holdersOf(db, 'approver');
  const board: ApproverGroup = { name: emergency ? EMERGENCY_BOARD : CHANGE_MANAGERS, members: managers, rule: { kind: 'any' } };
  const cab: ApproverGroup[] = advisors.length ? [{ name: ADVISORY_BOARD, members: advisors, rule: { kind: 'any' } }] : [];
  const groups = [board, ...cab, ...teams].map((g): ApproverGroup => ({ ...g, rule: rules.get(g.name) ?? g.rule }));
  const unknown = [...rules.keys()].find((name) => !groups.some((g) => g.name === name));
  if (unknown !== undefined) throw unprocessable('rules', `no group of approvers named ${unknown}; the groups are ${groups.map((g) => g.name).join(', ')}`);
  const empty = groups.find((g) => g.members.filter((m) => m !== details.requester).length === 0);
  if (empty) throw unprocessable('groups', `${empty.name} has nobody who may approve this change`);
  return { groups, dueInSeconds: request.dueInSeconds ?? DEFAULT_DUE_SECONDS[details.changeType] };
}

/** The teams a change needs: those its approval rules name (with their rules), then those supporting its CIs and services (any one member). */
async function teamsFor(db: Database, change: TicketView): Promise<ApproverGroup[]> {
  const ciIds = change.ciIds ?? [];
  const serviceIds = [...new Set([...(await servicesImpactedBy(db, ciIds)).map((s) => s.id), ...(change.serviceId ? [change.serviceId] : [])])];
  const ruled = await approvalRulesFor(db, { ciIds, serviceIds });
  const ciTeams = ciIds.length ? await db.selectDistinct({ team: cis.supportTeam }).from(cis).where(and(inArray(cis.id, ciIds), isNotNull(cis.supportTeam))) : [];
  const serviceTeams = serviceIds.length
    ? await db.selectDistinct({ team: services.supportTeam }).from(services).where(and(inArray(services.id, serviceIds), isNotNull(services.supportTeam)))
    : [];
  const supporting = [...new Set([...ciTeams, ...serviceTeams].map((r) => r.team!))].filter((team) => !ruled.some((r) => r.team === team)).sort();
  const wanted = [...ruled.map(({ team, rule }) => ({ team, rule })), ...supporting.map((team) => ({ team, rule: { kind: 'any' } as ApprovalRule }))];
  if (wanted.length === 0) return [];
  const members = await db
    .select({ team: teamMembers.team, email: users.email })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(inArray(teamMembers.team, wanted.map((w) => w.team)), eq(users.active, true)))
    .orderBy(users.email);
  return wanted.map(({ team, rule }): ApproverGroup => ({ name: team, members: members.filter((m) => m.team === team).map((m) => m.email), rule }));
}
