import type { RouteHandler } from '@hono/zod-openapi';
import { and, arrayContains, asc, eq, gt, type SQL } from 'drizzle-orm';
import { createUser, DuplicateUserError, issueToken as issue, usersByIds, type User } from '../../../db/people';
import { users } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { requireRole } from '../../middleware/auth';
import { conflict, notFound } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import type * as routes from './users.routes';

const publicUser = ({ id, email, name, roles }: User) => ({ id, email, name, roles });

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  try {
    const { user, token } = await createUser(c.get('deps').db, c.req.valid('json'));
    return c.json({ user: publicUser(user), token }, 201);
  } catch (error) {
    if (error instanceof DuplicateUserError) throw conflict(error.message);
    throw error;
  }
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { limit, cursor, role, email } = c.req.valid('query');
  const filters: SQL[] = [];
  if (role) filters.push(arrayContains(users.roles, [role]));
  if (email) filters.push(eq(users.email, email));
  const after = cursorAfter(cursor, 'string');
  if (after !== null) filters.push(gt(users.email, after));
  const rows = (await c.get('deps').db.select().from(users).where(and(...filters)).orderBy(asc(users.email)).limit(limit + 1)) as User[];
  const { items, nextCursor } = page(rows, limit, (u) => u.email);
  return c.json({ items: items.map(publicUser), nextCursor }, 200);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = (c) => c.json(publicUser(c.get('user')), 200);

export const issueToken: RouteHandler<typeof routes.issueToken, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  if (c.get('user').id !== id) requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const [user] = await usersByIds(db, [id]);
  if (!user) throw notFound(`no user ${id}`);
  return c.json({ token: await issue(db, user.id, c.req.valid('json').label) }, 201);
};
