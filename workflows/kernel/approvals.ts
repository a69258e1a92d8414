import { defineSignal, setHandler } from '@temporalio/workflow';
import { z } from 'zod';
import { awaitedApprovers, decide, delegate, outcomeOf, refusalOf, type ApprovalRound, type RoundOutcome } from '../../domain/approvals';
import { decisionSchemas } from '../../domain/approvals';
import type { Recipient } from '../../domain/ticket';
import { commandBuilder, refuse } from './commands';
import type { Deadline } from './lifecycle';
import { FORBIDDEN } from './messages';
import type { Ticket } from './ticket';

/**
 * Approval rounds inside a ticket workflow (a change's CAB, a request's
 * approval levels): the approve, reject and delegate commands, the reminder
 * and escalation deadlines, and decisions sent as signed Signals. The round
 * itself is plain data in the ticket's details (domain/approvals.ts).
 */
export interface ApprovalHost {
  ticket: Ticket;
  /** The round decisions go to now; null when none is open. */
  round(): ApprovalRound | null;
  setRound(round: ApprovalRound): void;
  /** The round has an outcome (the last approval needed, or a reject). */
  onSettled(outcome: Exclude<RoundOutcome, 'pending'>, actor: string): void;
  /** Who hears that a round is overdue. */
  escalateTo(): Recipient[];
  /** Notification templates, by what happened: requested, reminder, overdue. */
  templates: { requested: string; reminder: string; overdue: string };
}

const REMINDER = 'approval-reminder';
const ESCALATION = 'approval-escalation';
const VERIFY = 'verify-decision';

/** The approve, reject and delegate commands of a ticket type: Updates only, each authorized against the open round. */
export function approvalCommands(host: ApprovalHost) {
  const command = commandBuilder(decisionSchemas);
  const current = () => host.round()!;
  const approverOnly = (actor: string) => {
    const round = host.round();
    const refusal = round ? refusalOf(round, actor) : 'no approval is pending';
    if (refusal) refuse(FORBIDDEN, refusal);
  };
  const decideAs = (decision: 'approve' | 'reject') => (payload: { comment: string }, actor: string) => applyDecision(host, actor, decision, payload.comment);

  return {
    approve: command('approve', { exposure: 'update', authorize: approverOnly, run: decideAs('approve') }),
    reject: command('reject', { exposure: 'update', authorize: approverOnly, run: decideAs('reject') }),
    delegate: command('delegate', {
      exposure: 'update',
      authorize: approverOnly,
      check({ to }) {
        if (to === current().requester) refuse(FORBIDDEN, 'an approver cannot delegate to the requester');
      },
      run({ to }, actor) {
        host.setRound(delegate(current(), actor, to));
        const event = host.ticket.recordDetails('approval_delegated', actor, { approval: current() }, { to });
        host.ticket.notify(event, { user: to }, host.templates.requested, { dueAt: new Date(current().dueAt).toISOString(), delegatedBy: actor });
      },
    }),
  };
}

function applyDecision(host: ApprovalHost, actor: string, decision: 'approve' | 'reject', comment: string) {
  host.setRound(decide(host.round()!, actor, decision, comment, Date.now()));
  host.ticket.recordDetails(decision === 'approve' ? 'approval_given' : 'approval_refused', actor, { approval: host.round() }, { comment });
  const outcome = outcomeOf(host.round()!);
  if (outcome !== 'pending') host.onSettled(outcome, actor);
}

/** Opens a round (recorded as the details' `approval`, old and new): its approvers are told. */
export function requestApproval(host: ApprovalHost, round: ApprovalRound, actor: string, data: Record<string, unknown>, fields: Parameters<Ticket['recordDetails']>[4] = {}) {
  const event = host.ticket.recordDetails('approval_requested', actor, { approval: round }, { ...data, dueAt: new Date(round.dueAt).toISOString() }, fields);
  for (const user of awaitedApprovers(round)) host.ticket.notify(event, { user }, host.templates.requested, { dueAt: new Date(round.dueAt).toISOString() });
}

/** A pending round's deadlines: remind halfway, escalate when due; each once. */
export function approvalDeadlines(host: ApprovalHost): Deadline[] {
  const round = host.round();
  if (!round || outcomeOf(round) !== 'pending') return [];
  return [...(round.reminded ? [] : [{ name: REMINDER, at: round.remindAt }]), ...(round.escalated ? [] : [{ name: ESCALATION, at: round.dueAt }])];
}

/** Acts on an approval deadline; false when `name` is not one. */
export function onApprovalDeadline(host: ApprovalHost, name: string): boolean {
  const round = host.round();
  if (name !== REMINDER && name !== ESCALATION) return false;
  if (!round || outcomeOf(round) !== 'pending') return true;
  const awaiting = awaitedApprovers(round);
  if (name === REMINDER && !round.reminded) {
    host.setRound({ ...round, reminded: true });
    const event = host.ticket.recordDetails('approval_reminded', 'system', { approval: host.round() }, { awaiting });
    for (const user of awaiting) host.ticket.notify(event, { user }, host.templates.reminder, { dueAt: new Date(round.dueAt).toISOString() });
  } else if (name === ESCALATION && !round.escalated) {
    host.setRound({ ...round, escalated: true });
    const level = { escalationLevel: host.ticket.state.escalationLevel + 1 };
    const event = host.ticket.recordDetails('approval_escalated', 'system', { approval: host.round() }, { awaiting }, level);
    for (const recipient of host.escalateTo()) host.ticket.notify(event, recipient, host.templates.overdue, { awaiting });
  }
  return true;
}

/**
 * Decisions sent as Signals (`temporal workflow signal --name approve`) carry
 * a signature the platform issued for that ticket, decision, approver and
 * command ID (`npm run tempodesk -- sign-decision`): a signal cannot show who
 * sent it, so the signature is what says so. The workflow cannot hold the
 * key, so an activity checks it; the decision applies once verified, and only
 * if the approver may still decide then.
 */
const signedDecision = z.strictObject({
  actor: z.string().min(1).max(254),
  commandId: z.string().min(1).max(255),
  signature: z.string().min(1).max(200),
  comment: z.string().max(4000).default(''),
});
type SignedDecision = z.infer<typeof signedDecision> & { decision: 'approve' | 'reject' };

export function registerSignedDecisions(host: ApprovalHost): void {
  for (const decision of ['approve', 'reject'] as const) {
    setHandler(defineSignal<[unknown]>(decision), (input) => {
      const parsed = signedDecision.safeParse(input);
      if (!parsed.success || host.ticket.isSeen(parsed.data.commandId)) {
        if (!parsed.success) host.ticket.record('command_rejected', 'unknown', {}, { command: decision, reason: 'a signal decision needs actor, commandId and signature' });
        return;
      }
      host.ticket.remember(parsed.data.commandId);
      const signed: SignedDecision = { ...parsed.data, decision };
      host.ticket.enqueue({
        kind: 'ask',
        question: `${VERIFY}:${JSON.stringify(signed)}`,
        lookup: 'verifyDecision',
        args: [{ number: host.ticket.state.number, decision, actor: signed.actor, commandId: signed.commandId, comment: signed.comment, signature: signed.signature }],
      });
    });
  }
}

/** The verdict on a signed decision: applied if genuine and still allowed, else recorded as refused. True when `question` was one. */
export function onDecisionVerified(host: ApprovalHost, question: string, answer: unknown): boolean {
  if (!question.startsWith(`${VERIFY}:`)) return false;
  const signed = JSON.parse(question.slice(VERIFY.length + 1)) as SignedDecision;
  const round = host.round();
  const refusal = answer !== true ? 'the signature is not valid' : round ? refusalOf(round, signed.actor) : 'no approval is pending';
  if (refusal) host.ticket.record('command_rejected', signed.actor, {}, { command: signed.decision, reason: refusal });
  else applyDecision(host, signed.actor, signed.decision, signed.comment);
  return true;
}
