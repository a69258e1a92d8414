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
import { badRequest, conflict, notFound, unprocessable } from '../../problem';
import { atLeastOneField, cursorAfter, page } from '../../schemas';
import { ORGANIZATION, requireReferences, USER } from '../organizations/catalog';
import type * as routes from './users.routes';

/** A user as the API shows them: with their manager, which signing in does not need (so User leaves it out). */
type UserView = User & { managerId: string | null };
const viewColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  roles: users.roles,
  active: users.active,
  organizationId: users.organizationId,
  managerId: users.managerId,
};

const publicUser = ({ id, email, name, roles, active, organizationId, managerId }: UserView) => ({ id, email, name, roles, active, organizationId, managerId });
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

/** Where a user stands: their organization and their manager, both active when set. */
interface Placement {
  organizationId?: string | null;
  managerId?: string | null;
}

async function requirePlacement(db: Database, { organizationId, managerId }: Placement) {
  if (organizationId) await requireReferences(db, ORGANIZATION, organizationId, 'organizationId');
  if (managerId) await requireReferences(db, USER, managerId, 'managerId');
}

/**
 * Changes a user, the organization they belong to and their manager in one
 * transaction; the organization and the manager must be active ones.
 */
async function changeUser(db: Database, id: string, { organizationId, managerId, ...patch }: Parameters<typeof updateUser>[2] & Placement): Promise<UserView> {
  // Their own requests would wait for their own approval.
  if (managerId === id) throw unprocessable('managerId', 'a user cannot be their own manager');
  const placement = { organizationId, managerId };
  try {
    return await db.transaction(async (tx) => {
      await requirePlacement(tx, placement);
      if (atLeastOneField(patch) && !(await updateUser(tx, id, patch))) throw notFound(`no user ${id}`);
      const [user] = atLeastOneField(placement)
        ? await tx.update(users).set(placement).where(eq(users.id, id)).returning(viewColumns)
        : await tx.select(viewColumns).from(users).where(eq(users.id, id));
      if (!user) throw notFound(`no user ${id}`);
      return user as UserView;
    });
  } catch (error) {
    if (error instanceof LastAdminError) throw conflict(error.message);
    throw error;
  }
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { organizationId, managerId, ...fields } = c.req.valid('json');
  try {
    const { user, token } = await c.get('deps').db.transaction(async (tx) => {
      const placement = { organizationId: organizationId ?? null, managerId: managerId ?? null };
      await requirePlacement(tx, placement);
      const created = await createUser(tx, fields);
      if (organizationId || managerId) await tx.update(users).set(placement).where(eq(users.id, created.user.id));
      return { ...created, user: { ...created.user, ...placement } };
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
  const rows = (await c.get('deps').db.select(viewColumns).from(users).where(and(...filters)).orderBy(asc(users.email)).limit(limit + 1)) as UserView[];
  const { items, nextCursor } = page(rows, limit, (u) => u.email);
  return c.json({ items: items.map(publicUser), nextCursor }, 200);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = async (c) => {
  const me = c.get('user');
  const [row] = await c.get('deps').db.select({ managerId: users.managerId }).from(users).where(eq(users.id, me.id));
  return c.json(publicUser({ ...me, managerId: row?.managerId ?? null }), 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  const me = c.get('user');
  const { id } = c.req.valid('param');
  const patch = c.req.valid('json');
  if (me.id !== id || patch.roles !== undefined || patch.active !== undefined || patch.organizationId !== undefined || patch.managerId !== undefined) {
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
