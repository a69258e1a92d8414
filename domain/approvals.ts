import { z } from 'zod';
import { LIMITS } from './incident';
import { requiredText, storableString } from './text';

/**
 * Approval rounds (a CAB for a change, levels for a service request): groups
 * of approvers, each with its rule, and the decisions made so far. Plain
 * data, so a round lives in workflow state across continue-as-new; every
 * function here is pure.
 */

/** The most approvals a quorum may ask for. */
export const MAX_QUORUM = 100;

/** An approval rule as data (a team's rule for changes, a request's approval level). */
export const approvalRuleSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('all') }),
    z.strictObject({ kind: z.literal('any') }),
    z.strictObject({ kind: z.literal('quorum'), count: z.number().int().min(1).max(MAX_QUORUM) }),
  ])
  .meta({ id: 'ApprovalRule', description: 'How many of a group must approve: every member, any one, or a count (a quorum)' });

/** The payloads of approve, reject and delegate, for every ticket type that holds approval rounds. */
export const decisionSchemas = {
  approve: z.strictObject({ comment: storableString().trim().max(LIMITS.text).default('') }),
  reject: z.strictObject({ comment: requiredText(LIMITS.text).meta({ description: 'Why: a reject ends the round' }) }),
  delegate: z.strictObject({ to: z.email().max(LIMITS.email).transform((e) => e.toLowerCase()) }),
} as const;

/** What a signed decision's signature covers, in this order: the ticket, the decision, the approver, the command ID, the comment. */
export const signedDecisionText = (d: { number: string; decision: 'approve' | 'reject'; actor: string; commandId: string; comment: string }) =>
  [d.number, d.decision, d.actor.toLowerCase(), d.commandId, d.comment].join('\n');

/** How many of a group must approve: every member, any one, or a count (a quorum). */
export type ApprovalRule = { kind: 'all' } | { kind: 'any' } | { kind: 'quorum'; count: number };

export interface ApproverGroup {
  /** A team's name, or a role's ("change managers"). */
  name: string;
  /** Lower-cased emails; a delegation replaces one by another. */
  members: string[];
  rule: ApprovalRule;
}

export interface Decision {
  approver: string;
  group: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: number;
}

export type RoundOutcome = 'pending' | 'approved' | 'rejected';

export interface ApprovalRound {
  groups: ApproverGroup[];
  decisions: Decision[];
  /** Who asked: never an approver of their own request. */
  requester: string;
  requestedAt: number;
  /** Reminders go out at remindAt; at dueAt the round escalates (once). */
  remindAt: number;
  dueAt: number;
  reminded: boolean;
  escalated: boolean;
}

export function openRound(groups: ApproverGroup[], requester: string, now: number, dueInMs: number): ApprovalRound {
  return {
    groups: groups.map((g) => ({ ...g, members: g.members.filter((m) => m !== requester) })),
    decisions: [],
    requester,
    requestedAt: now,
    remindAt: now + Math.floor(dueInMs / 2),
    dueAt: now + dueInMs,
    reminded: false,
    escalated: false,
  };
}

/**
 * How many approvals a group needs, given its members now: never more than it
 * has, never fewer than one (a group left with nobody, the requester taken
 * out, cannot approve by default; someone must be delegated to).
 */
export function needed(group: ApproverGroup): number {
  const count = group.rule.kind === 'all' ? group.members.length : group.rule.kind === 'any' ? 1 : group.rule.count;
  return Math.max(1, Math.min(count, group.members.length));
}

const approvalsOf = (round: ApprovalRound, group: ApproverGroup) =>
  round.decisions.filter((d) => d.group === group.name && d.decision === 'approve' && group.members.includes(d.approver)).length;

/** A reject by any approver ends the round (a veto); it is approved once every group has the approvals its rule needs. */
export function outcomeOf(round: ApprovalRound): RoundOutcome {
  if (round.decisions.some((d) => d.decision === 'reject')) return 'rejected';
  return round.groups.every((g) => approvalsOf(round, g) >= needed(g)) ? 'approved' : 'pending';
}

/** The groups in which `approver` may still decide: a member who has not decided there yet. */
export function groupsAwaiting(round: ApprovalRound, approver: string): string[] {
  return round.groups
    .filter((g) => g.members.includes(approver) && !round.decisions.some((d) => d.group === g.name && d.approver === approver))
    .map((g) => g.name);
}

/** Why `approver` may not decide now, or null if they may. */
export function refusalOf(round: ApprovalRound, approver: string): string | null {
  if (approver === round.requester) return 'an approver cannot approve their own request';
  if (outcomeOf(round) !== 'pending') return `the approval round is already ${outcomeOf(round)}`;
  if (!round.groups.some((g) => g.members.includes(approver))) return `${approver} is not an approver of this request`;
  if (groupsAwaiting(round, approver).length === 0) return `${approver} has already decided`;
  return null;
}

/** Records a decision in every group where the approver still has one to make. */
export function decide(round: ApprovalRound, approver: string, decision: Decision['decision'], comment: string, now: number): ApprovalRound {
  const made = groupsAwaiting(round, approver).map((group) => ({ approver, group, decision, comment, at: now }));
  return { ...round, decisions: [...round.decisions, ...made] };
}

/** Hands `approver`'s pending decisions to `delegate`, in the groups where `approver` has not decided yet. */
export function delegate(round: ApprovalRound, approver: string, to: string): ApprovalRound {
  const pending = new Set(groupsAwaiting(round, approver));
  return {
    ...round,
    groups: round.groups.map((g) =>
      pending.has(g.name) ? { ...g, members: [...g.members.filter((m) => m !== approver && m !== to), to] } : g,
    ),
  };
}

/** Everyone whose decision is still awaited (in a group that lacks approvals), for reminders. */
export function awaitedApprovers(round: ApprovalRound): string[] {
  const short = round.groups.filter((g) => approvalsOf(round, g) < needed(g));
  const all = short.flatMap((g) => g.members.filter((m) => groupsAwaiting(round, m).includes(g.name)));
  return [...new Set(all)].sort();
}
