import { createMiddleware } from 'hono/factory';
import { userByToken, type Role, type User } from '../../db/people';
import type { AppEnv } from '../context';
import { forbidden, ProblemError } from '../problem';

/** Resolves `Authorization: Bearer <token>` to a user, or answers 401. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  if (!match) throw new ProblemError(401, 'a bearer token is required', {}, { 'WWW-Authenticate': 'Bearer' });
  const user = await userByToken(c.get('deps').db, match[1]!);
  if (!user) throw new ProblemError(401, 'the bearer token is not valid', {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  c.set('user', user);
  await next();
});

export const hasRole = (user: User, ...roles: Role[]) => user.roles.some((r) => r === 'admin' || roles.includes(r));

/** Roles that work tickets: everyone but end users. */
export const STAFF: Role[] = ['agent', 'problem_manager', 'change_manager', 'approver'];
export const isStaff = (user: User) => hasRole(user, ...STAFF);

export function requireRole(user: User, ...roles: Role[]): void {
  if (!hasRole(user, ...roles)) throw forbidden(`this needs one of the roles ${['admin', ...roles].join(', ')}`);
}
