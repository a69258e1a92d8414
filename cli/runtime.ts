import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createLogger } from '../api/middleware/requestLog';
import type { Env } from '../config/env';
import { CONNECT_TIMEOUT_SECONDS, openDatabase, ping, type DatabaseHandle } from '../db/client';
import { ensureAdminToken, newToken } from '../db/people';
import { seed } from '../db/seed';
import { createWorker } from '../worker';
import { ensureSearchAttributes } from '../worker/searchAttributes';

/** The innermost reason: drivers wrap the cause (a timeout, a refusal) in a "query failed". */
function messageOf(error: unknown): string {
  let e = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if ((e as { code?: unknown }).code === 'CONNECT_TIMEOUT') return `no answer within ${CONNECT_TIMEOUT_SECONDS} s (${(e as Error).message})`;
  return e instanceof Error ? e.message : String(e);
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A PostgreSQL URL fit for a message: no password. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable)';
  }
}

/**
 * A host that takes connections and never answers would otherwise hold
 * startup for minutes (postgres.js retries such a host without end): give
 * up after this long, naming the setting.
 */
const DATABASE_ANSWER_MS = 8_000;

/** PostgreSQL when DATABASE_URL is set, else PGlite under the data directory; migrated and seeded. */
export async function openConfiguredDatabase(env: Env): Promise<DatabaseHandle> {
  const handle = await openDatabase({ url: env.DATABASE_URL, pgliteDir: path.join(env.TEMPODESK_DATA_DIR, 'pglite') });
  try {
    if (env.DATABASE_URL) await within(DATABASE_ANSWER_MS, ping(handle.db));
    await handle.migrate();
    await seed(handle.db);
  } catch (error) {
    // Not awaited: a client stuck reconnecting may never finish closing, and we are about to exit.
    handle.close().catch(() => {});
    if (!env.DATABASE_URL) throw error;
    throw new Error(`cannot use the database at DATABASE_URL (${withoutPassword(env.DATABASE_URL)}): ${messageOf(error)}`, { cause: error });
  }
  return handle;
}

const TEMPORAL_CONNECT_TIMEOUT_MS = 5_000;

/** Fails within seconds, naming TEMPORAL_ADDRESS, when no Temporal answers at `address`. */
export async function reachTemporal(env: Env, address: string): Promise<void> {
  try {
    const deadline = Date.now() + TEMPORAL_CONNECT_TIMEOUT_MS;
    const connection = await Connection.connect({ address, connectTimeout: TEMPORAL_CONNECT_TIMEOUT_MS });
    try {
      // A channel can open to something that is not Temporal (a proxy, another server): ask.
      await connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
    } finally {
      await connection.close();
    }
  } catch (error) {
    const where = env.TEMPORAL_ADDRESS ? `TEMPORAL_ADDRESS (${address})` : `the embedded dev server (${address})`;
    throw new Error(`Temporal does not answer at ${where}: ${messageOf(error)}`, { cause: error });
  }
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
  await reachTemporal(env, address);
  await ensureSearchAttributes(address, env.TEMPORAL_NAMESPACE);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, db: handle.db, signingKey: env.TEMPODESK_SIGNING_KEY });
  const running = worker.run().finally(() => connection.close());
  return { worker, running };
}

export async function startApi(env: Env, address: string, handle: DatabaseHandle): Promise<{ server: ServerType; close(): Promise<void> }> {
  await reachTemporal(env, address);
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const app = createApp({
    db: handle.db,
    temporal,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    autoCloseSeconds: env.TEMPODESK_AUTO_CLOSE_SECONDS,
    logger: createLogger(env.LOG_LEVEL),
    corsOrigins: env.TEMPODESK_CORS_ORIGINS,
  });
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
 * Runs `stop` once on Ctrl-C, SIGTERM or SIGHUP; a second signal, a moment later,
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
  // A closed terminal: its default would end us at once, leaving the dev server (its own process group) behind.
  process.on('SIGHUP', handler);
}
