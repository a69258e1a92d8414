import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/context';
import { createLogger } from '../../api/middleware/requestLog';
import { loadEnv } from '../../config/env';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const depsOf = (s: Stack, more: Partial<AppDeps> = {}): AppDeps => ({ db: s.db, temporal: s.client, taskQueue: s.taskQueue, autoCloseSeconds: 60, ...more });

/** A logger whose JSON lines land in `lines`. */
function capturedLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += String(chunk);
      lines.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines, raw: () => raw };
}

describe('CORS', () => {
  const origin = 'https://desk.example.com';

  it('answers the configured origins only, preflights included, and sends no CORS headers when unconfigured', async () => {
    const app = createApp(depsOf(stack, { corsOrigins: [origin, 'http://localhost:5173'] }));
    const preflight = await app.request('/api/v1/incidents', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');

    const get = await app.request('/api/v1/users/me', { headers: { origin, authorization: `Bearer ${stack.adminToken}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(origin);
    expect(get.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    // Errors carry the headers too, or the browser hides the problem from the page.
    const refused = await app.request('/api/v1/users/me', { headers: { origin } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);

    const stranger = await app.request('/api/v1/users/me', { headers: { origin: 'https://evil.example', authorization: `Bearer ${stack.adminToken}` } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    const plain = await createApp(depsOf(stack)).request('/api/v1/users/me', { headers: { origin, authorization: `Bearer ${stack.adminToken}` } });
    expect(plain.status).toBe(200);
    expect([...plain.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('reads TEMPODESK_CORS_ORIGINS as comma-separated exact origins, or *', () => {
    expect(loadEnv({ TEMPODESK_CORS_ORIGINS: 'https://desk.example.com, http://localhost:5173' }).TEMPODESK_CORS_ORIGINS).toEqual([
      'https://desk.example.com',
      'http://localhost:5173',
    ]);
    expect(loadEnv({ TEMPODESK_CORS_ORIGINS: '*' }).TEMPODESK_CORS_ORIGINS).toEqual(['*']);
    expect(loadEnv({}).TEMPODESK_CORS_ORIGINS).toBeUndefined();
    for (const bad of ['https://desk.example.com/', 'desk.example.com', 'ftp://desk.example.com', 'https://a.example,*', ' , ']) {
      expect(() => loadEnv({ TEMPODESK_CORS_ORIGINS: bad }), bad).toThrow(/TEMPODESK_CORS_ORIGINS/);
    }
  });
});

describe('request logs', () => {
  it('logs one line per request with its ID, method, route pattern, status and duration, and nothing personal', async () => {
    const { logger, lines, raw } = capturedLogger();
    const app = createApp(depsOf(stack, { logger }));
    const secret = 'private.person@example.com';
    const auth = { authorization: `Bearer ${stack.adminToken}` };

    const listed = await app.request(`/api/v1/users?email=${encodeURIComponent(secret)}`, { headers: { ...auth, 'x-request-id': 'edge-42.abc' } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-request-id')).toBe('edge-42.abc');
    const created = await app.request('/api/v1/users', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'not sane\u0007 <script>' },
      body: JSON.stringify({ email: secret, name: 'Private Person', roles: ['agent'] }),
    });
    expect(created.status).toBe(201);
    const generated = created.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const { token } = (await created.json()) as { token: string };
    const byId = await app.request(`/api/v1/incidents/INC000001`, { headers: { authorization: `Bearer ${token}` } });
    expect(byId.status).toBe(404);
    await app.request('/nowhere/at/all');

    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toMatchObject({ msg: 'request', level: 30, requestId: expect.any(String), method: expect.any(String), status: expect.any(Number), durationMs: expect.any(Number) });
    }
    expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
      ['GET', '/api/v1/users', 200],
      ['POST', '/api/v1/users', 201],
      ['GET', '/api/v1/incidents/:number', 404],
      ['GET', null, 404],
    ]);
    expect(lines[0]!.requestId).toBe('edge-42.abc');
    expect(lines[1]!.requestId).toBe(generated);
    const text = raw();
    for (const leak of [secret, 'Private Person', stack.adminToken, token, 'INC000001', '?', 'nowhere']) expect(text, leak).not.toContain(leak);
  });

  it('follows LOG_LEVEL: at warn, answered requests are quiet and failures still show', async () => {
    const { logger, lines } = capturedLogger('warn');
    await createApp(depsOf(stack, { logger })).request('/api/v1/openapi.json');
    expect(lines).toEqual([]);
    expect(() => loadEnv({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
  });
});

describe('health', () => {
  it('notices a stopped worker within seconds, and its return', async () => {
    const app = createApp(depsOf(stack));
    const health = async () => ({ status: (await app.request('/health')).status, at: Date.now() });
    expect((await health()).status).toBe(200);

    await stack.stopWorker();
    const stoppedAt = Date.now();
    const down = await eventually(async () => {
      const response = await app.request('/health');
      expect(response.status).toBe(503);
      return { body: (await response.json()) as { checks: { worker: string } }, at: Date.now() };
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(down.body.checks.worker).toContain(stack.taskQueue);
    expect(down.at - stoppedAt).toBeLessThan(15_000);

    await stack.startWorker();
    await eventually(async () => expect((await health()).status).toBe(200), { timeoutMs: 30_000, intervalMs: 250 });
  }, 90_000);

  it('notices a crashed worker within seconds, though Temporal still lists its poller', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/crashableWorker.ts', inject('temporalAddress'), taskQueue, inject('workflowBundlePath')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      let output = '';
      worker.stdout!.on('data', (chunk) => (output += chunk));
      await eventually(() => expect(output).toContain('polling'), { timeoutMs: 30_000 });
      const app = createApp(depsOf(stack, { taskQueue }));
      await eventually(async () => expect((await app.request('/health')).status).toBe(200), { timeoutMs: 30_000, intervalMs: 250 });
      // Alive by its heartbeats, not only by its first polls.
      await eventually(async () => {
        const { workersInfo } = await stack.client.workflowService.listWorkers({ namespace: 'default', pageSize: 100, query: `TaskQueue = "${taskQueue}"` });
        expect(workersInfo.map((w) => w.workerHeartbeat?.taskQueue)).toContain(taskQueue);
      }, { timeoutMs: 30_000, intervalMs: 250 });

      worker.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      const down = await eventually(async () => {
        const response = await app.request('/health');
        expect(response.status).toBe(503);
        return (await response.json()) as { checks: { worker: string } };
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      expect(down.checks.worker).toContain(taskQueue);
      const { pollers } = await stack.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
      expect(pollers?.length).toBeGreaterThan(0);
    } finally {
      worker.kill('SIGKILL');
    }
  }, 120_000);
});
