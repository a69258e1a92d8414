import { proxyActivities } from '@temporalio/workflow';
import type { TicketActivities } from '../../activities/types';
import { PROJECTION_REFUSED } from '../../domain/ticket';

const activities = proxyActivities<TicketActivities>({
  startToCloseTimeout: '30 seconds',
  // The read model must converge: retry for as long as the database is away, but not on data it refuses.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: [PROJECTION_REFUSED] },
});

export const projectTicket = activities.projectTicket;
export const lookups = { escalationTeamOf: activities.escalationTeamOf, changeWindowConflicts: activities.changeWindowConflicts, verifyDecision: activities.verifyDecision };
export type Lookups = typeof lookups;
