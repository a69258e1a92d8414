import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import type { Env } from '../config/env';
import { openDatabase, type DatabaseHandle } from '../db/client';
import { ensureAdminToken, newToken } from '../db/people';
import { seed } from '../db/seed';
import { createWorker } from '../worker';
import { ensureSearchAttributes } from '../worker/searchAttributes';

/** PostgreSQL when DATABASE_URL is set, else PGlite under the data directory; migrated and seeded. */
export async function openConfiguredDatabase(env: Env): Promise<DatabaseHandle> {
  const handle = await openDatabase({ url: env.DATABASE_URL, pgliteDir: path.join(env.TEMPODESK_DATA_DIR, 'pglite') });
  await handle.migrate();
  await seed(handle.db);
  return handle;
}

/**
 * The admin token to print: TEMPODESK_ADMIN_TOKEN when set; otherwise one
 * generated on first start and kept (mode 0600) in the data directory, since
 * the database stores only its hash.
 */
export async function adminToken(env: Env, handle: DatabaseHandle): Promise<string> {
  let token = env.TEMPODESK_ADMIN_TOKEN;
  if (!token) {
    const file = path.join(env.TEMPODESK_DATA_DIR, 'admin-token');
    token = existsSync(file) ? readFileSync(file, 'utf8').trim() : newToken();
    if (!existsSync(file)) writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  await ensureAdminToken(handle.db, token);
  return token;
}

export async function startWorker(env: Env, address: string, handle: DatabaseHandle): Promise<{ worker: Worker; running: Promise<void> }> {
  await ensureSearchAttributes(address, env.TEMPORAL_NAMESPACE);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, db: handle.db });
  const running = worker.run().finally(() => connection.close());
  return { worker, running };
}

export async function startApi(env: Env, address: string, handle: DatabaseHandle): Promise<{ server: ServerType; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const app = createApp({ db: handle.db, temporal, taskQueue: env.TEMPORAL_TASK_QUEUE, autoCloseSeconds: env.TEMPODESK_AUTO_CLOSE_SECONDS });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${env.PORT} on ${env.HOST} is in use: stop what holds it or set PORT`) : error),
    );
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}

/**
 * Runs `stop` once on Ctrl-C or SIGTERM; a second signal, a moment later,
 * forces the exit. Ctrl-C reaches every process of the terminal's group and
 * npm and tsx relay it too, so copies arriving together count as one.
 */
export function onShutdown(stop: () => Promise<void>): void {
  const RELAYED_WITHIN_MS = 1000;
  let firstAt: number | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt !== null) {
      if (Date.now() - firstAt > RELAYED_WITHIN_MS) process.exit(130);
      return;
    }
    firstAt = Date.now();
    console.error(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
