import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { userByToken, type Role, type User } from '../../db/people';
import type { AppDeps, AppEnv } from '../context';
import { forbidden, ProblemError } from '../problem';
import { BadTokenLimiter } from './badTokenLimiter';

/** One limiter per app (its deps), so apps built side by side (tests, tools) do not share a budget. */
const limiters = new WeakMap<AppDeps, BadTokenLimiter>();
const limiterOf = (deps: AppDeps) => {
  let limiter = limiters.get(deps);
  if (!limiter) limiters.set(deps, (limiter = new BadTokenLimiter()));
  return limiter;
};

/** The client's remote address; one shared key where the server gives none (app.request in tests, other runtimes). */
function clientKey(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Resolves `Authorization: Bearer <token>` to a user, or answers 401. A client
 * that keeps presenting bad tokens is answered 429 until its window passes,
 * before any token it sends is looked at: otherwise the answer to a guess
 * would still tell a right one from a wrong one.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  if (!match) throw new ProblemError(401, 'a bearer token is required', {}, { 'WWW-Authenticate': 'Bearer' });
  const limiter = limiterOf(c.get('deps'));
  const client = clientKey(c);
  const wait = limiter.retryAfterSeconds(client);
  if (wait > 0) throw new ProblemError(429, `too many bad tokens from this address; try again in ${wait} s`, {}, { 'Retry-After': String(wait) });
  const user = await userByToken(c.get('deps').db, match[1]!);
  if (!user) {
    limiter.recordFailure(client);
    throw new ProblemError(401, 'the bearer token is not valid', {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  c.set('user', user);
  await next();
});

/** Whether the user holds one of the roles (admins hold all); a deactivated user holds none. */
export const hasRole = (user: User, ...roles: Role[]) => user.active && user.roles.some((r) => r === 'admin' || roles.includes(r));

/** The IT organization: everyone but end users (and portal power users), who work tickets or keep the configuration. A deactivated user is not staff. */
export const STAFF: Role[] = ['agent', 'problem_manager', 'change_manager', 'change_supervisor', 'implementer', 'approver', 'configuration_manager', 'service_manager', 'catalog_manager'];
export const isStaff = (user: User) => hasRole(user, ...STAFF);
export function requireStaff(user: User): void {
  if (!isStaff(user)) throw forbidden(`this needs one of the roles ${['admin', ...STAFF].join(', ')}`);
}

export function requireRole(user: User, ...roles: Role[]): void {
  if (!hasRole(user, ...roles)) throw forbidden(`this needs one of the roles ${['admin', ...roles].join(', ')}`);
}
