import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { userByEmail } from '../../../db/people';
import { teamMembers, teams, users } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { isStaff, requireRole } from '../../middleware/auth';
import { conflict, forbidden, notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import { ORGANIZATION, requireReferences } from '../organizations/catalog';
import type * as routes from './teams.routes';

type TeamRow = typeof teams.$inferSelect;

/**
 * Serialises changes to teams (escalation links, deletions, memberships), so a
 * loop check or a "nobody escalates here" check still holds when the change commits.
 */
const TEAMS_LOCK = 7_402_115;
const lockTeams = (tx: Database) => tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(TEAMS_LOCK))})`);

async function teamRow(db: Database, name: string): Promise<TeamRow> {
  const [row] = await db.select().from(teams).where(eq(teams.name, name));
  if (!row) throw notFound(`no team named ${name}`);
  return row;
}

/** Refuses an escalation from `team` to `target` that is unknown or would come back to `team`. */
async function checkEscalation(db: Database, team: string, target: string) {
  if (target === team) throw unprocessable('escalationTeam', 'a team cannot escalate to itself');
  const links = new Map((await db.select({ name: teams.name, to: teams.escalationTeam }).from(teams)).map((t) => [t.name, t.to]));
  if (!links.has(target)) throw unprocessable('escalationTeam', `no team named ${target}`);
  const path = [team, target];
  for (let next = links.get(target); next; next = links.get(next)) {
    path.push(next);
    if (next === team) throw unprocessable('escalationTeam', `escalation would loop: ${path.join(' → ')}`);
    if (path.indexOf(next) !== path.length - 1) break; // an existing loop elsewhere; not ours to close
  }
}

const memberOf = async (db: Database, email: string) => {
  const user = await userByEmail(db, email);
  if (!user) throw unprocessable('email', `no user with email ${email}`);
  return user;
};

async function withMembers(db: Database, rows: TeamRow[]) {
  const names = rows.map((r) => r.name);
  const members = names.length
    ? await db
        .select({ team: teamMembers.team, email: users.email })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        // Deactivated members keep their membership (it returns with them) but are nobody to assign.
        .where(and(inArray(teamMembers.team, names), eq(users.active, true)))
        .orderBy(asc(users.email))
    : [];
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    members: members.filter((m) => m.team === r.name).map((m) => m.email),
    escalationTeam: r.escalationTeam,
    organizationId: r.organizationId,
  }));
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const body = c.req.valid('json');
  const emails = [...new Set(body.members)];
  const memberRows = emails.length
    ? await db.select({ id: users.id, email: users.email, active: users.active }).from(users).where(inArray(users.email, emails))
    : [];
  const unknown = emails.filter((e) => !memberRows.some((m) => m.email === e));
  if (unknown.length) throw unprocessable('members', `no user with email ${unknown.join(', ')}`);
  const inactive = memberRows.filter((m) => !m.active).map((m) => m.email);
  if (inactive.length) throw unprocessable('members', `${inactive.join(', ')} ${inactive.length === 1 ? 'is' : 'are'} deactivated`);
  const created = await db.transaction(async (tx) => {
    await lockTeams(tx);
    if (body.escalationTeam !== undefined) await checkEscalation(tx, body.name, body.escalationTeam);
    if (body.organizationId !== undefined) await requireReferences(tx, ORGANIZATION, body.organizationId, 'organizationId');
    const [row] = await tx
      .insert(teams)
      .values({ name: body.name, description: body.description, escalationTeam: body.escalationTeam ?? null, organizationId: body.organizationId ?? null })
      .onConflictDoNothing()
      .returning();
    if (!row) return null;
    if (memberRows.length) await tx.insert(teamMembers).values(memberRows.map((m) => ({ team: row.name, userId: m.id })));
    return row;
  });
  if (!created) throw conflict(`a team named ${body.name} already exists`);
  const [team] = await withMembers(db, [created]);
  return c.json(team!, 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  if (!isStaff(c.get('user'))) throw forbidden();
  const { db } = c.get('deps');
  const { limit, cursor } = c.req.valid('query');
  const after = cursorAfter(cursor, 'string');
  const rows = await db.select().from(teams).where(after === null ? undefined : gt(teams.name, after)).orderBy(asc(teams.name)).limit(limit + 1);
  const { items, nextCursor } = page(rows, limit, (t) => t.name);
  return c.json({ items: await withMembers(db, items), nextCursor }, 200);
};

export const get: RouteHandler<typeof routes.get, AppEnv> = async (c) => {
  if (!isStaff(c.get('user'))) throw forbidden();
  const { db } = c.get('deps');
  const { name } = c.req.valid('param');
  const rows = await db.select().from(teams).where(eq(teams.name, name));
  if (!rows.length) throw notFound(`no team named ${name}`);
  const [team] = await withMembers(db, rows);
  return c.json(team!, 200);
};

export const update: RouteHandler<typeof routes.update, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const { name } = c.req.valid('param');
  const patch = c.req.valid('json');
  const updated = await db.transaction(async (tx) => {
    await lockTeams(tx);
    await teamRow(tx, name);
    if (patch.escalationTeam) await checkEscalation(tx, name, patch.escalationTeam);
    if (patch.organizationId) await requireReferences(tx, ORGANIZATION, patch.organizationId, 'organizationId');
    const [row] = await tx.update(teams).set(patch).where(eq(teams.name, name)).returning();
    return row!;
  });
  const [team] = await withMembers(db, [updated]);
  return c.json(team!, 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { name } = c.req.valid('param');
  await c.get('deps').db.transaction(async (tx) => {
    await lockTeams(tx);
    await teamRow(tx, name);
    const referrers = await tx.select({ name: teams.name }).from(teams).where(eq(teams.escalationTeam, name)).orderBy(asc(teams.name));
    if (referrers.length) {
      const names = referrers.map((r) => r.name);
      throw conflict(`${names.join(', ')} ${names.length === 1 ? 'escalates' : 'escalate'} to ${name}; change ${names.length === 1 ? 'its' : 'their'} escalation team first`, {
        escalatingTeams: names,
      });
    }
    await tx.delete(teams).where(eq(teams.name, name));
  });
  return c.body(null, 204);
};

export const addMember: RouteHandler<typeof routes.addMember, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const { name, email } = c.req.valid('param');
  const { row, added } = await db.transaction(async (tx) => {
    await lockTeams(tx);
    const row = await teamRow(tx, name);
    const user = await memberOf(tx, email);
    if (!user.active) throw unprocessable('email', `${email} is deactivated`);
    const inserted = await tx.insert(teamMembers).values({ team: name, userId: user.id }).onConflictDoNothing().returning();
    return { row, added: inserted.length > 0 };
  });
  const [team] = await withMembers(db, [row]);
  return added ? c.json(team!, 201) : c.json(team!, 200);
};

export const removeMember: RouteHandler<typeof routes.removeMember, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const { name, email } = c.req.valid('param');
  const row = await db.transaction(async (tx) => {
    await lockTeams(tx);
    const row = await teamRow(tx, name);
    const user = await userByEmail(tx, email);
    const removed = user ? await tx.delete(teamMembers).where(and(eq(teamMembers.team, name), eq(teamMembers.userId, user.id))).returning() : [];
    if (!removed.length) throw notFound(`${email} is not a member of ${name}`);
    return row;
  });
  const [team] = await withMembers(db, [row]);
  return c.json(team!, 200);
};
