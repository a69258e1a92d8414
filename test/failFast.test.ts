import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/net';
import { stopProcess } from '../cli/temporal';
import { eventually } from './helpers/eventually';

/** The CLI as its own process (node itself, not the tsx wrapper, so its pid is the one to kill). */
function tempodesk(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
    const started = Date.now();
    child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
  });
  return { child, exited, output: () => output };
}

/** Whether a process runs (a zombie awaiting its reaper does not). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

/** A host that takes connections and never says a word: what a blackholed database or Temporal looks like from here. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('failing fast, with the setting to fix named', () => {
  let dataDir: string;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  const running: ChildProcess[] = [];
  const baseEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    TEMPODESK_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    TEMPODESK_ADMIN_TOKEN: '',
    TEMPORAL_CLI: '',
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tempodesk-failfast-'));
    silent = await silentServer();
  });
  afterAll(async () => {
    for (const child of running) await stopProcess(child, 2000);
    await silent?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives up on a database that never answers within seconds, naming DATABASE_URL and not its password', async () => {
    const run = tempodesk(['api'], {
      ...baseEnv(),
      DATABASE_URL: `postgres://tempodesk:hunter2secret@127.0.0.1:${silent.port}/tempodesk`,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      PORT: String(await freePort()),
    });
    running.push(run.child);
    const { code, ms } = await run.exited;
    expect(code).toBe(1);
    expect(ms).toBeLessThan(15_000);
    expect(run.output()).toContain('DATABASE_URL');
    expect(run.output()).toContain(`127.0.0.1:${silent.port}`);
    expect(run.output()).not.toContain('hunter2secret');
    expect(run.output()).not.toContain('    at ');
  }, 30_000);

  it('gives up on a Temporal that never answers within seconds, naming TEMPORAL_ADDRESS', async () => {
    const run = tempodesk(['start'], { ...baseEnv(), TEMPORAL_ADDRESS: `127.0.0.1:${silent.port}`, PORT: String(await freePort()) });
    running.push(run.child);
    // The embedded database migrates first; from there on Temporal has five seconds.
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain(`TEMPORAL_ADDRESS (127.0.0.1:${silent.port})`);
    expect(run.output()).not.toContain('    at ');
  }, 90_000);

  it('refuses a TEMPORAL_CLI that is not there, naming the variable', async () => {
    const missing = path.join(dataDir, 'no-such-temporal');
    const run = tempodesk(['start'], { ...baseEnv(), TEMPORAL_CLI: missing, PORT: String(await freePort()), TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()) });
    running.push(run.child);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain(`TEMPORAL_CLI=${missing}`);
  }, 30_000);
});

describe('a start that crashed', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tempodesk-crash-'));
    env = {
      ...process.env,
      TEMPODESK_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      TEMPODESK_ADMIN_TOKEN: '',
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    };
  });
  afterAll(async () => {
    for (const child of running) await stopProcess(child);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves no dev server behind to block the next start', async () => {
    const first = tempodesk(['start'], env);
    running.push(first.child);
    await eventually(() => expect(first.output()).toContain('Tempodesk is running.'), { timeoutMs: 90_000, intervalMs: 250 });
    const devServerPid = Number((await readFile(path.join(dataDir, 'temporal.db.pid'), 'utf8')).trim());
    expect(alive(devServerPid)).toBe(true);

    // A crash: no handler runs, the dev server (its own process group) survives us.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(devServerPid)).toBe(true);

    const second = tempodesk(['start'], env);
    running.push(second.child);
    await eventually(() => expect(second.output()).toContain('Tempodesk is running.'), { timeoutMs: 90_000, intervalMs: 250 });
    expect(second.output()).toContain(`pid ${devServerPid}`);
    expect(alive(devServerPid)).toBe(false);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/health`)).status).toBe(200);

    process.kill(second.child.pid!, 'SIGINT');
    expect((await second.exited).code).toBe(0);
  }, 240_000);
});
