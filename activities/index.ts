import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { teams } from '../db/schema';
import { createProjection } from './projection';
import type { TicketActivities } from './types';

export interface ActivityDeps {
  db: Database;
}

/** All side effects workflows may ask for, bound to their dependencies so tests can pass their own. */
export function createActivities({ db }: ActivityDeps): TicketActivities {
  return {
    projectTicket: createProjection(db),
    async escalationTeamOf(team) {
      const [row] = await db.select({ escalationTeam: teams.escalationTeam }).from(teams).where(eq(teams.name, team));
      return row?.escalationTeam ?? null;
    },
  };
}
