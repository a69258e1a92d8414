import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LinkRelation, TicketView } from '../../domain/ticket';

/**
 * Every command carries who issued it. People's commands come through the API
 * with their email; Temporal CLI and chat users name themselves; the platform
 * acts as `system`. A signal may carry a `commandId` so that sending it twice
 * applies it once (an Update's ID serves the same purpose).
 */
export type Command<P = Record<string, unknown>> = P & { actor: string; commandId?: string };

export const commandUpdate = <P>(name: string) => defineUpdate<TicketView, [Command<P>]>(name);
export const commandSignal = <P>(name: string) => defineSignal<[Command<P>]>(name);

/** The live ticket, as the read model will hold it. */
export const viewQuery = defineQuery<TicketView>('view');

/** The live ticket, answered by the workflow itself: creation is update-with-start on this, in one round trip. */
export const snapshotUpdate = defineUpdate<TicketView>('snapshot');

/** Workflow to workflow, by workflow ID: "I link to you as `relation`", and what became of a linked ticket. */
export const linkedSignal = defineSignal<[{ from: string; relation: LinkRelation }]>('linked');
export interface LinkedOutcome {
  from: string;
  /** How the sender relates to the receiver (a parent tells its children with `parent`). */
  relation: LinkRelation;
  outcome: string;
  data: Record<string, unknown>;
}
export const linkedOutcomeSignal = defineSignal<[LinkedOutcome]>('linkedOutcome');

/** Failure types the API maps to HTTP statuses. */
export const ILLEGAL_TRANSITION = 'IllegalTransition';
export const INVALID_COMMAND = 'InvalidCommand';
export const UNPROCESSABLE = 'Unprocessable';
export const FORBIDDEN = 'Forbidden';
export interface IllegalTransitionDetails {
  command: string;
  status: string;
  allowed: string[];
}
