import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { freePort } from '../../cli/net';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { ensureAdminToken, newToken } from '../../db/people';
import { tickets } from '../../db/schema';
import { openTestDatabase } from '../helpers/database';

/** A dependency that is down makes a 503 with Retry-After, never a 500, and nothing half-written. */
describe('when a dependency is unreachable', () => {
  const servers: ServerType[] = [];
  const closers: (() => Promise<void>)[] = [];
  const serveApp = async (app: ReturnType<typeof createApp>) => {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };
  let database: DatabaseHandle;
  let token: string;

  beforeAll(async () => {
    database = await openTestDatabase();
    token = newToken();
    await ensureAdminToken(database.db, token);
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    for (const close of closers) await close();
    await database?.close();
  });

  it('answers 503 for writes when Temporal is down, keeps serving reads, and writes no ticket', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    closers.push(() => connection.close());
    const base = await serveApp(createApp({ db: database.db, temporal: new Client({ connection }), taskQueue: 'none', autoCloseSeconds: 60 }));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const created = await fetch(`${base}/api/v1/incidents`, { method: 'POST', headers, body: JSON.stringify({ title: 'Mail down', impact: 1, urgency: 1 }) });
    expect(created.status).toBe(503);
    expect(created.headers.get('retry-after')).toBe('5');
    expect(created.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await created.json()).toMatchObject({ status: 503, detail: expect.stringContaining('workflow engine') });
    expect(await database.db.select().from(tickets)).toEqual([]);

    const list = await fetch(`${base}/api/v1/incidents`, { headers });
    expect(list.status).toBe(200);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { database: 'ok', temporal: expect.stringMatching(/^down/) } });
  });

  it('answers 503 when the database is down, naming it in health', async () => {
    const unreachable = await openDatabase({ url: `postgres://nobody:none@127.0.0.1:${await freePort()}/none` });
    closers.push(() => unreachable.close());
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    closers.push(() => connection.close());
    const base = await serveApp(createApp({ db: unreachable.db, temporal: new Client({ connection }), taskQueue: 'none', autoCloseSeconds: 60 }));

    const me = await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(503);
    expect(me.headers.get('retry-after')).toBe('5');
    expect(await me.json()).toMatchObject({ status: 503, detail: expect.stringContaining('database') });
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', checks: { database: expect.stringMatching(/^down/) } });
  });
});
