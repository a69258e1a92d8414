import { incidentLifecycle } from './incidentLifecycle';
import type { Lifecycle } from './lifecycle';
import type { TicketType } from './numbering';

/** Every ticket type's lifecycle, by the workflow type that runs it. */
export const LIFECYCLES: Partial<Record<TicketType, { workflowType: string; lifecycle: Lifecycle<string, string> }>> = {
  incident: { workflowType: 'incident', lifecycle: incidentLifecycle as unknown as Lifecycle<string, string> },
};

/** Statuses after which a ticket's workflow has ended, across every type. */
export const FINAL_STATUSES = [...new Set(Object.values(LIFECYCLES).flatMap(({ lifecycle }) => lifecycle.statuses.filter((s) => lifecycle.isTerminal(s))))];
