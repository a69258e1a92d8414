import { z, type RouteHandler } from '@hono/zod-openapi';
import { and, arrayContains, asc, eq, gt, type SQL } from 'drizzle-orm';
import {
  createUser,
  DuplicateUserError,
  InactiveUserError,
  issueUserToken,
  LastAdminError,
  listTokens as tokensOf,
  revokeToken as revoke,
  TokenLimitError,
  updateUser,
  usersByIds,
  type TokenInfo,
  type User,
} from '../../../db/people';
import type { Database } from '../../../db/client';
import { users } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { requireRole } from '../../middleware/auth';
import { badRequest, conflict, notFound } from '../../problem';
import { atLeastOneField, cursorAfter, page } from '../../schemas';
import { ORGANIZATION, requireReferences } from '../organizations/catalog';
import type * as routes from './users.routes';

const publicUser = ({ id, email, name, roles, active, organizationId }: User) => ({ id, email, name, roles, active, organizationId });
const publicToken = ({ id, label, createdAt, expiresAt }: TokenInfo) => ({
  id,
  label,
  createdAt: createdAt.toISOString(),
  expiresAt: expiresAt?.toISOString() ?? null,
});

/** Token routes are for admins, or users about themselves. */
function requireSelfOrAdmin(me: User, id: string) {
  if (me.id !== id) requireRole(me, 'admin');
}

async function existingUser(db: Database, id: string): Promise<User> {
  const [user] = await usersByIds(db, [id]);
  if (!user) throw notFound(`no user ${id}`);
  return user;
}

/**
 * Changes a user and the organization they belong to in one transaction;
 * the organization must be an active one.
 */
async function changeUser(db: Database, id: string, { organizationId, ...patch }: Parameters<typeof updateUser>[2] & { organizationId?: string | null }) {
  try {
    return await db.transaction(async (tx) => {
      if (organizationId) await requireReferences(tx, ORGANIZATION, organizationId, 'organizationId');
      const user = atLeastOneField(patch) ? await updateUser(tx, id, patch) : (await usersByIds(tx, [id]))[0];
      if (!user) throw notFound(`no user ${id}`);
      if (organizationId === undefined) return user;
      await tx.update(users).set({ organizationId }).where(eq(users.id, id));
      return { ...user, organizationId };
    });
  } catch (error) {
    if (error instanceof LastAdminError) throw conflict(error.message);
    throw error;
  }
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { organizationId, ...fields } = c.req.valid('json');
  try {
    const { user, token } = await c.get('deps').db.transaction(async (tx) => {
      if (organizationId) await requireReferences(tx, ORGANIZATION, organizationId, 'organizationId');
      const created = await createUser(tx, fields);
      if (organizationId) await tx.update(users).set({ organizationId }).where(eq(users.id, created.user.id));
      return { ...created, user: { ...created.user, organizationId: organizationId ?? null } };
    });
    return c.json({ user: publicUser(user), token }, 201);
  } catch (error) {
    if (error instanceof DuplicateUserError) throw conflict(error.message);
    throw error;
  }
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { limit, cursor, role, email, organizationId, active } = c.req.valid('query');
  const filters: SQL[] = [];
  if (role) filters.push(arrayContains(users.roles, [role]));
  if (email) filters.push(eq(users.email, email));
  if (organizationId) filters.push(eq(users.organizationId, organizationId));
  if (active !== undefined) filters.push(eq(users.active, active));
  const after = cursorAfter(cursor, 'string');
  if (after !== null) filters.push(gt(users.email, after));
  const rows = (await c.get('deps').db.select().from(users).where(and(...filters)).orderBy(asc(users.email)).limit(limit + 1)) as User[];
  const { items, nextCursor } = page(rows, limit, (u) => u.email);
  return c.json({ items: items.map(publicUser), nextCursor }, 200);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = (c) => c.json(publicUser(c.get('user')), 200);

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  const { id } = c.req.valid('param');
  const patch = c.req.valid('json');
  if (me.id !== id || patch.roles !== undefined || patch.active !== undefined || patch.organizationId !== undefined) {
    requireRole(me, 'admin');
  }
  return c.json(publicUser(await changeUser(c.get('deps').db, id, patch)), 200);
};

export const deactivate: RouteHandler<typeof routes.deactivate, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  return c.json(publicUser(await changeUser(c.get('deps').db, c.req.valid('param').id, { active: false })), 200);
};

export const issueToken: RouteHandler<typeof routes.issueToken, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  requireSelfOrAdmin(c.get('user'), id);
  try {
    const issued = await issueUserToken(c.get('deps').db, id, c.req.valid('json'));
    if (!issued) throw notFound(`no user ${id}`);
    return c.json({ token: issued.token, ...publicToken(issued.info) }, 201);
  } catch (error) {
    if (error instanceof TokenLimitError || error instanceof InactiveUserError) throw conflict(error.message);
    throw error;
  }
};

export const listTokens: RouteHandler<typeof routes.listTokens, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  requireSelfOrAdmin(c.get('user'), id);
  const { db } = c.get('deps');
  const { limit, cursor } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  if (after !== null && !z.uuid().safeParse(after).success) {
    throw badRequest('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor this API issued' }]);
  }
  await existingUser(db, id);
  const rows = await tokensOf(db, id, { limit: limit + 1, after });
  const { items, nextCursor } = page(rows, limit, (t) => t.id);
  return c.json({ items: items.map(publicToken), nextCursor }, 200);
};

export const revokeToken: RouteHandler<typeof routes.revokeToken, AppEnv> = async (c) => {
  const { id, tokenId } = c.req.valid('param');
  requireSelfOrAdmin(c.get('user'), id);
  const { db } = c.get('deps');
  if (!(await revoke(db, id, tokenId))) {
    await existingUser(db, id);
    throw notFound(`user ${id} holds no token ${tokenId}`);
  }
  return c.body(null, 204);
};
