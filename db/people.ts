import { createHash, randomBytes } from 'node:crypto';
import { and, arrayContains, asc, count, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from './client';
import { apiTokens, teamMembers, teams, users } from './schema';

/**
 * iTop's profiles, roughly: configuration managers keep the CMDB, service
 * managers the services, contracts, SLAs and calendars; a portal power user
 * is an end user who sees every ticket of their organization. Changes have
 * their managers, supervisors (who see a change through and close it) and
 * implementers (who carry it out in its window).
 */
export const ROLES = [
  'end_user',
  'portal_power_user',
  'agent',
  'problem_manager',
  'change_manager',
  'change_supervisor',
  'implementer',
  'approver',
  'configuration_manager',
  'service_manager',
  'catalog_manager',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  /** False once deactivated: the person keeps their history but cannot sign in, hold a role or be assigned. */
  active: boolean;
  /** The organization the user belongs to, if any. */
  organizationId: string | null;
}

const userColumns = { id: users.id, email: users.email, name: users.name, roles: users.roles, active: users.active, organizationId: users.organizationId };

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => `tdk_${randomBytes(32).toString('base64url')}`;

export class DuplicateUserError extends Error {}
/** The change would leave no active admin. */
export class LastAdminError extends Error {}
/** The user already holds MAX_LIVE_TOKENS tokens that have not expired. */
export class TokenLimitError extends Error {}
/** The user is deactivated: no token is issued to them. */
export class InactiveUserError extends Error {}

/** Tokens a user may hold at once (expired ones do not count): a leak of one account stays a bounded number of secrets. */
export const MAX_LIVE_TOKENS = 20;
export const MAX_TOKEN_DAYS = 3650;
/** Serialises changes that may remove an admin, so two concurrent ones cannot both remove "the other" last admin. */
const ADMIN_SET_LOCK = 7_402_114;

/** Creates a user and its first token; the token is returned once and only its hash is stored. */
export async function createUser(db: Database, input: { email: string; name: string; roles: Role[]; token?: string; tokenLabel?: string }) {
  const token = input.token ?? newToken();
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: input.email.toLowerCase(), name: input.name, roles: input.roles })
      .onConflictDoNothing()
      .returning(userColumns);
    if (!user) throw new DuplicateUserError(`a user with email ${input.email} already exists`);
    await tx.insert(apiTokens).values({ tokenHash: hashToken(token), userId: user.id, label: input.tokenLabel ?? 'initial' });
    return { user: user as User, token };
  });
}

/** A token as its owner and admins see it: never the secret, never its hash. */
export interface TokenInfo {
  id: string;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
}

const tokenColumns = { id: apiTokens.id, label: apiTokens.label, createdAt: apiTokens.createdAt, expiresAt: apiTokens.expiresAt };
const live = () => or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`));

/**
 * Issues a token to an active user, optionally expiring after `expiresInDays`,
 * refusing the one beyond MAX_LIVE_TOKENS; the secret is returned once, only its hash is stored.
 * Returns null when there is no such user.
 */
export async function issueUserToken(
  db: Database,
  userId: string,
  options: { label: string; expiresInDays?: number },
): Promise<{ token: string; info: TokenInfo } | null> {
  const token = newToken();
  return db.transaction(async (tx) => {
    // The user's row lock serialises issuers, so the cap holds under concurrent requests.
    const [user] = await tx.select({ active: users.active }).from(users).where(eq(users.id, userId)).for('update');
    if (!user) return null;
    if (!user.active) throw new InactiveUserError('the user is deactivated; reactivate them first');
    await tx.delete(apiTokens).where(and(eq(apiTokens.userId, userId), lte(apiTokens.expiresAt, sql`now()`)));
    const [held] = await tx.select({ n: count() }).from(apiTokens).where(and(eq(apiTokens.userId, userId), live()));
    if ((held?.n ?? 0) >= MAX_LIVE_TOKENS) {
      throw new TokenLimitError(`a user may hold at most ${MAX_LIVE_TOKENS} live tokens; revoke one first`);
    }
    const [info] = await tx
      .insert(apiTokens)
      .values({
        tokenHash: hashToken(token),
        userId,
        label: options.label,
        expiresAt: options.expiresInDays === undefined ? null : sql`now() + make_interval(days => ${sql.raw(String(Math.trunc(options.expiresInDays)))})`,
      })
      .returning(tokenColumns);
    return { token, info: info! };
  });
}

export async function issueToken(db: Database, userId: string, label: string): Promise<string> {
  const issued = await issueUserToken(db, userId, { label });
  if (!issued) throw new Error(`no user ${userId}`);
  return issued.token;
}

/** A user's tokens, expired ones included (with their expiry), in a stable order for keyset pages. */
export async function listTokens(db: Database, userId: string, options: { limit: number; after?: string | null }): Promise<TokenInfo[]> {
  return db
    .select(tokenColumns)
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), options.after ? gt(apiTokens.id, options.after) : undefined))
    .orderBy(asc(apiTokens.id))
    .limit(options.limit);
}

/** Revokes one of a user's tokens; false when the user holds no token with that id. */
export async function revokeToken(db: Database, userId: string, tokenId: string): Promise<boolean> {
  const deleted = await db
    .delete(apiTokens)
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.id, tokenId)))
    .returning({ id: apiTokens.id });
  return deleted.length > 0;
}

/** The active user a live token belongs to: deactivated users and expired tokens authenticate no one. */
export async function userByToken(db: Database, token: string): Promise<User | null> {
  const [row] = await db
    .select(userColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), eq(users.active, true), live()));
  return (row as User | undefined) ?? null;
}

/**
 * The user with this email, deactivated or not (`active` says which): history
 * and lookups still find former staff, while whatever gives them new work
 * (assignment, membership, a new ticket as caller) must check `active`.
 */
export async function userByEmail(db: Database, email: string): Promise<User | null> {
  const [row] = await db.select(userColumns).from(users).where(eq(users.email, email.toLowerCase()));
  return (row as User | undefined) ?? null;
}

export async function usersByIds(db: Database, ids: string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  return (await db.select(userColumns).from(users).where(inArray(users.id, ids))) as User[];
}

const isActiveAdmin = (u: { active: boolean; roles: string[] }) => u.active && u.roles.includes('admin');

/**
 * Changes a user's name, roles or active flag; deactivation also revokes
 * every token the user holds. Refuses (LastAdminError) a change that would
 * leave no active admin. Returns null when there is no such user.
 */
export async function updateUser(db: Database, id: string, patch: { name?: string; roles?: Role[]; active?: boolean }): Promise<User | null> {
  return db.transaction(async (tx) => {
    const mayDemote = patch.roles !== undefined || patch.active === false;
    if (mayDemote) await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(ADMIN_SET_LOCK))})`);
    const [current] = await tx.select(userColumns).from(users).where(eq(users.id, id)).for('update');
    if (!current) return null;
    const next = { ...current, ...patch };
    if (isActiveAdmin(current) && !isActiveAdmin(next)) {
      const [others] = await tx
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.active, true), arrayContains(users.roles, ['admin']), ne(users.id, id)));
      if ((others?.n ?? 0) === 0) throw new LastAdminError(`${current.email} is the last active admin; make someone else an admin first`);
    }
    const [updated] = await tx.update(users).set(patch).where(eq(users.id, id)).returning(userColumns);
    if (current.active && next.active === false) await tx.delete(apiTokens).where(eq(apiTokens.userId, id));
    return updated as User;
  });
}

export async function isTeamMember(db: Database, team: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ team: teamMembers.team })
    .from(teamMembers)
    .where(and(eq(teamMembers.team, team), eq(teamMembers.userId, userId)));
  return row !== undefined;
}

export async function teamExists(db: Database, name: string): Promise<boolean> {
  const [row] = await db.select({ name: teams.name }).from(teams).where(eq(teams.name, name));
  return row !== undefined;
}

export const ADMIN_EMAIL = 'admin@tempodesk.local';

export const ADMIN_TOKEN_LABEL = 'admin-token';

/**
 * Guarantees an active admin holding `token` exists (TEMPODESK_ADMIN_TOKEN:
 * first start, automation, tests). The token is the admin user's only
 * 'admin-token'-labelled one: a rotated value revokes the previous.
 */
export async function ensureAdminToken(db: Database, token: string): Promise<void> {
  const tokenHash = hashToken(token);
  await db.transaction(async (tx) => {
    const [held] = await tx.select({ userId: apiTokens.userId }).from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
    const adminRow = () => tx.select(userColumns).from(users).where(eq(users.email, ADMIN_EMAIL)).for('update');
    let [admin] = await adminRow();
    // The value is already someone else's token (an operator's choice): it stays theirs.
    if (held && held.userId !== admin?.id) return;
    if (!admin) {
      // Several processes may start at once: whichever inserts first creates the admin.
      await tx.insert(users).values({ email: ADMIN_EMAIL, name: 'Administrator', roles: ['admin'] }).onConflictDoNothing();
      [admin] = await adminRow();
    }
    if (!admin) throw new Error(`could not create ${ADMIN_EMAIL}`);
    if (!isActiveAdmin(admin)) {
      await tx.update(users).set({ active: true, roles: [...new Set([...admin.roles, 'admin'])] }).where(eq(users.id, admin.id));
    }
    await tx
      .insert(apiTokens)
      .values({ tokenHash, userId: admin.id, label: ADMIN_TOKEN_LABEL })
      .onConflictDoUpdate({ target: apiTokens.tokenHash, set: { label: ADMIN_TOKEN_LABEL, expiresAt: null } });
    await tx.delete(apiTokens).where(and(eq(apiTokens.userId, admin.id), eq(apiTokens.label, ADMIN_TOKEN_LABEL), ne(apiTokens.tokenHash, tokenHash)));
  });
}
