import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import type { DatabaseHandle } from '../../db/client';
import { createUser, ensureAdminToken, newToken, type Role } from '../../db/people';
import { createWorker, type WorkerOptions } from '../../worker';
import { openTestDatabase } from './database';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Stack {
  db: DatabaseHandle['db'];
  client: Client;
  taskQueue: string;
  baseUrl: string;
  adminToken: string;
  /** An HTTP call to the API; the body is JSON-encoded unless it is a string. */
  api<T = any>(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  user(roles: Role[], email?: string): Promise<{ email: string; token: string }>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole product on real parts, per test file: a database, a worker on
 * its own task queue of the shared dev server, and the API on a real port.
 */
export async function startStack(
  options: { autoCloseSeconds?: number; temporalAddress?: string; workflowBundlePath?: string; wrapActivities?: WorkerOptions['wrapActivities']; signingKey?: string; approvalDueSeconds?: number } = {},
): Promise<Stack> {
  // Under vitest, the shared dev server and bundle from globalSetup; scripts pass their own.
  const provided = options.temporalAddress ? null : (await import('vitest')).inject;
  const address = options.temporalAddress ?? provided!('temporalAddress');
  const bundlePath = options.workflowBundlePath ?? provided?.('workflowBundlePath');
  const autoCloseSeconds = options.autoCloseSeconds ?? 3600;
  const taskQueue = `test-${randomUUID()}`;
  const database = await openTestDatabase();
  const nativeConnection = await NativeConnection.connect({ address });

  let worker: Worker | null = null;
  let running: Promise<void> = Promise.resolve();
  const startWorker = async () => {
    worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db: database.db,
      signingKey: options.signingKey,
      wrapActivities: options.wrapActivities,
      ...(bundlePath && { workflowBundle: { codePath: bundlePath } }),
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    worker?.shutdown();
    await running;
    worker = null;
  };
  await startWorker();

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const app = createApp({ db: database.db, temporal: client, taskQueue, autoCloseSeconds, approvalDueSeconds: options.approvalDueSeconds });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const adminToken = newToken();
  await ensureAdminToken(database.db, adminToken);

  const api: Stack['api'] = async (method, path, { token = adminToken, body, headers = {} } = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (HTML docs, for instance): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as never };
  };

  return {
    db: database.db,
    client,
    taskQueue,
    baseUrl,
    adminToken,
    api,
    async user(roles, email = `${roles[0]}-${randomUUID().slice(0, 8)}@example.com`) {
      const { token } = await createUser(database.db, { email, name: email, roles });
      return { email, token };
    },
    stopWorker,
    startWorker,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopWorker();
      await connection.close();
      await nativeConnection.close();
      await database.close();
    },
  };
}
