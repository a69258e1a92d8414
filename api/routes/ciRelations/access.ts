import type { User } from '../../../db/people';
import { hasRole, isStaff, requireRole } from '../../middleware/auth';
import { forbidden } from '../../problem';

/** Whoever works tickets or keeps configuration reads relations and impact; end users do not. */
export function requireCmdbReader(user: User): void {
  if (!isStaff(user) && !hasRole(user, 'configuration_manager', 'service_manager')) throw forbidden();
}

/** Configuration managers (and admins) keep the CMDB. */
export const requireCmdbWriter = (user: User) => requireRole(user, 'configuration_manager');
