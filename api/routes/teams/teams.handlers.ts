import type { RouteHandler } from '@hono/zod-openapi';
import { asc, eq, gt, inArray } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { teamExists } from '../../../db/people';
import { teamMembers, teams, users } from '../../../db/schema';
import type { AppEnv } from '../../context';
import { isStaff, requireRole } from '../../middleware/auth';
import { conflict, forbidden, notFound, unprocessable } from '../../problem';
import { cursorAfter, page } from '../../schemas';
import type * as routes from './teams.routes';

type TeamRow = typeof teams.$inferSelect;

async function withMembers(db: Database, rows: TeamRow[]) {
  const names = rows.map((r) => r.name);
  const members = names.length
    ? await db
        .select({ team: teamMembers.team, email: users.email })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(inArray(teamMembers.team, names))
        .orderBy(asc(users.email))
    : [];
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    members: members.filter((m) => m.team === r.name).map((m) => m.email),
    escalationTeam: r.escalationTeam,
  }));
}

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  requireRole(c.get('user'), 'admin');
  const { db } = c.get('deps');
  const body = c.req.valid('json');
  const emails = [...new Set(body.members)];
  const memberRows = emails.length ? await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, emails)) : [];
  const unknown = emails.filter((e) => !memberRows.some((m) => m.email === e));
  if (unknown.length) throw unprocessable('members', `no user with email ${unknown.join(', ')}`);
  if (body.escalationTeam !== undefined) {
    if (body.escalationTeam === body.name) throw unprocessable('escalationTeam', 'a team cannot escalate to itself');
    if (!(await teamExists(db, body.escalationTeam))) throw unprocessable('escalationTeam', `no team named ${body.escalationTeam}`);
  }
  const created = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(teams)
      .values({ name: body.name, description: body.description, escalationTeam: body.escalationTeam ?? null })
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
