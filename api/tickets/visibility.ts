import type { User } from '../../db/people';
import type { TicketView } from '../../domain/ticket';
import { hasRole, isStaff } from '../middleware/auth';

/** The organization whose tickets this end user may read besides their own: a portal power user's. */
export function organizationInView(user: User): string | null {
  return !isStaff(user) && hasRole(user, 'portal_power_user') ? user.organizationId : null;
}

/** Staff read every ticket; an end user their own, and a portal power user those of their organization too. */
export function mayRead(user: User, ticket: TicketView): boolean {
  if (isStaff(user) || ticket.caller === user.email) return true;
  const organization = organizationInView(user);
  return organization !== null && ticket.organizationId === organization;
}
