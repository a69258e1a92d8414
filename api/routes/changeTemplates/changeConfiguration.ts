import type { User } from '../../../db/people';
import { requireRole } from '../../middleware/auth';

/** What the change templates and approval rules routes share: they are the change configuration, which change managers keep. */

export const tags = ['Changes'];
export const security = [{ bearer: [] }];
export const WRITERS = 'Needs the change_manager or admin role.';

/** Change managers (and admins) keep templates and approval rules; staff read them (requireStaff). */
export const requireChangeConfigWriter = (user: User) => requireRole(user, 'change_manager');
