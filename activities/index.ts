import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { findConflicts } from '../db/changeConflicts';
import { verifyDecisionSignature } from './decisionSignature';
import { teams } from '../db/schema';
import { createProjection } from './projection';
import type { TicketActivities } from './types';

export interface ActivityDeps {
  db: Database;
  /** TEMPODESK_SIGNING_KEY: what signed decisions sent as Signals are checked against; none, and none is accepted. */
  signingKey?: string;
}

/** All side effects workflows may ask for, bound to their dependencies so tests can pass their own. */
export function createActivities({ db, signingKey }: ActivityDeps): TicketActivities {
  return {
    projectTicket: createProjection(db),
    async escalationTeamOf(team) {
      const [row] = await db.select({ escalationTeam: teams.escalationTeam }).from(teams).where(eq(teams.name, team));
      return row?.escalationTeam ?? null;
    },
    async verifyDecision({ signature, ...decision }) {
      return verifyDecisionSignature(signingKey, { ...decision, signature });
    },
    async changeWindowConflicts({ number, ciIds, serviceIds, start, end }) {
      const { changes, freezes } = await findConflicts(db, { number, ciIds, serviceIds, start: new Date(start), end: new Date(end) });
      return {
        changes: changes.map((c) => ({ number: c.number, title: c.title, plannedStart: c.plannedStart.toISOString(), plannedEnd: c.plannedEnd.toISOString() })),
        freezes: freezes.map((f) => ({ id: f.id, name: f.name, startsAt: f.startsAt.toISOString(), endsAt: f.endsAt.toISOString() })),
      };
    },
  };
}
