import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TicketView } from '../../../../domain/ticket';

/**
 * Every command carries who issued it. People's commands come through the API
 * with their email; Temporal CLI and chat users name themselves; the platform
 * acts as `system`.
 */
export type Command<P = Record<string, unknown>> = P & { actor: string };

export const commandUpdate = <P>(name: string) => defineUpdate<TicketView, [Command<P>]>(name);
export const commandSignal = <P>(name: string) => defineSignal<[Command<P>]>(name);

/** The live ticket, as the read model will hold it. */
export const viewQuery = defineQuery<TicketView>('view');

/** Resolves once everything that happened so far is in the read model; returns the ticket. */
export const syncUpdate = defineUpdate<TicketView>('sync');

/** Workflow to workflow: a child tells its parent, a parent tells its children. */
export const childLinkedSignal = defineSignal<[{ child: string }]>('childLinked');
export const parentResolvedSignal = defineSignal<[{ parent: string; resolutionCode: string; resolutionNotes: string }]>(
  'parentResolved',
);

/** Failure types the API maps to HTTP statuses. */
export const ILLEGAL_TRANSITION = 'IllegalTransition';
export const INVALID_COMMAND = 'InvalidCommand';
export const UNPROCESSABLE = 'Unprocessable';
export interface IllegalTransitionDetails {
  command: string;
  status: string;
  allowed: string[];
}
