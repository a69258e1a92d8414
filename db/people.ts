import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from './client';
import { apiTokens, teamMembers, teams, users } from './schema';

export const ROLES = ['end_user', 'agent', 'problem_manager', 'change_manager', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => `tdk_${randomBytes(32).toString('base64url')}`;

export class DuplicateUserError extends Error {}

/** Creates a user and its first token; the token is returned once and only its hash is stored. */
export async function createUser(db: Database, input: { email: string; name: string; roles: Role[]; token?: string }) {
  const token = input.token ?? newToken();
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: input.email.toLowerCase(), name: input.name, roles: input.roles })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new DuplicateUserError(`a user with email ${input.email} already exists`);
    await tx.insert(apiTokens).values({ tokenHash: hashToken(token), userId: user.id, label: 'initial' });
    return { user: user as User, token };
  });
}

export async function issueToken(db: Database, userId: string, label: string): Promise<string> {
  const token = newToken();
  await db.insert(apiTokens).values({ tokenHash: hashToken(token), userId, label });
  return token;
}

export async function userByToken(db: Database, token: string): Promise<User | null> {
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, roles: users.roles })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashToken(token)));
  return (row as User | undefined) ?? null;
}

export async function userByEmail(db: Database, email: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return (row as User | undefined) ?? null;
}

export async function usersByIds(db: Database, ids: string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  return (await db.select().from(users).where(inArray(users.id, ids))) as User[];
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

/** Guarantees an admin holding `token` exists (TEMPODESK_ADMIN_TOKEN: first start, automation, tests). */
export async function ensureAdminToken(db: Database, token: string): Promise<void> {
  if (await userByToken(db, token)) return;
  const existing = await userByEmail(db, ADMIN_EMAIL);
  if (existing) await db.insert(apiTokens).values({ tokenHash: hashToken(token), userId: existing.id, label: 'admin-token' }).onConflictDoNothing();
  else await createUser(db, { email: ADMIN_EMAIL, name: 'Administrator', roles: ['admin'], token });
}
