import { CHANGE_LIFECYCLES } from './changeLifecycle';
import { incidentLifecycle } from './incidentLifecycle';
import { problemLifecycle } from './problemLifecycle';
import { requestLifecycle, taskLifecycle } from './requestLifecycle';
import type { Lifecycle } from './lifecycle';
import type { TicketType } from './numbering';

/** Every ticket type's lifecycle, by the workflow type that runs it. */
export const LIFECYCLES: Partial<Record<TicketType, { workflowType: string; lifecycle: Lifecycle<string, string> }>> = {
  incident: { workflowType: 'incident', lifecycle: incidentLifecycle as unknown as Lifecycle<string, string> },
  problem: { workflowType: 'problem', lifecycle: problemLifecycle as unknown as Lifecycle<string, string> },
  // Every change type shares the statuses and the final ones; the normal lifecycle speaks for them.
  change: { workflowType: 'change', lifecycle: CHANGE_LIFECYCLES.normal as unknown as Lifecycle<string, string> },
  service_request: { workflowType: 'serviceRequest', lifecycle: requestLifecycle as unknown as Lifecycle<string, string> },
  task: { workflowType: 'task', lifecycle: taskLifecycle as unknown as Lifecycle<string, string> },
};

/** Statuses after which a ticket's workflow has ended, across every type. */
export const FINAL_STATUSES = [...new Set(Object.values(LIFECYCLES).flatMap(({ lifecycle }) => lifecycle.statuses.filter((s) => lifecycle.isTerminal(s))))];
