import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { TICKET_SEARCH_ATTRIBUTES } from '../workflows/kernel/searchAttributes';
import { portInUse } from './net';

/**
 * The one way Tempodesk gets a Temporal server: the Temporal CLI's dev server,
 * found on TEMPORAL_CLI, PATH or .tools/bin, else built from the Go module
 * proxy. Nothing here downloads a binary.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsBin = path.join(projectRoot, '.tools', 'bin');

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEMPORAL_CLI) {
    if (!executable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file: fix the path, or unset TEMPORAL_CLI to find or build the Temporal CLI`);
    return env.TEMPORAL_CLI;
  }
  for (const dir of [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), toolsBin]) {
    const candidate = path.join(dir, 'temporal');
    if (executable(candidate)) return candidate;
  }
  return null;
}

export function ensureTemporalCli(log: (line: string) => void = console.error): string {
  const found = findTemporalCli();
  if (found) return found;
  log(`Temporal CLI not found; building ${TEMPORAL_CLI_MODULE} with go install (first time only, takes a few minutes)…`);
  mkdirSync(toolsBin, { recursive: true });
  const result = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], { stdio: 'inherit', env: { ...process.env, GOBIN: toolsBin } });
  if (result.error || result.status !== 0) {
    throw new Error(`could not build the Temporal CLI (is Go installed?): ${result.error?.message ?? `exit ${result.status}`}`);
  }
  return path.join(toolsBin, 'temporal');
}

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file for durable state; omitted: in memory. */
  dbFile?: string;
  namespace?: string;
  /** Dynamic config, e.g. a low continue-as-new suggestion threshold for tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // A start that crashed (SIGKILL, OOM) left its server running on our files and ports: stop it first.
  if (options.dbFile) await stopOrphanedDevServer(options.dbFile);
  // Otherwise our server fails to bind and we would talk to whichever Temporal holds the port.
  for (const port of [options.port, options.uiPort].filter((p): p is number => p !== undefined)) {
    if (await portInUse(port)) {
      throw new Error(`port ${port} is in use: another Temporal server? Point TEMPORAL_ADDRESS at it, or choose free TEMPORAL_PORT/TEMPORAL_UI_PORT`);
    }
  }
  const cli = ensureTemporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  // Worker heartbeats let /health see a crashed worker within seconds (api/health.ts).
  const dynamicConfig = {
    'frontend.WorkerHeartbeatsEnabled': true,
    'frontend.ListWorkersEnabled': true,
    // One machine, one partition per task queue: with the default four, a task lands on a partition no
    // poller is waiting on and is matched only later (seconds at p99 for a workflow start here).
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    ...options.dynamicConfig,
  };
  for (const [key, value] of Object.entries(dynamicConfig)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  for (const key of TICKET_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  // Its own process group: Ctrl-C reaches us only, and we stop the server last, after the worker drained.
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  if (options.dbFile && child.pid) recordDevServer(options.dbFile, child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForTemporal(address, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    stop: () => stopProcess(child),
  };
}

async function waitForTemporal(address: string, child: ChildProcess, stderr: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited (${child.exitCode}): ${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server did not answer on ${address}: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Where a dev server on a durable file records its pid, for the next start to find it if we die without stopping it. */
const pidFileOf = (dbFile: string) => `${dbFile}.pid`;

function recordDevServer(dbFile: string, child: ChildProcess): void {
  const file = pidFileOf(dbFile);
  writeFileSync(file, String(child.pid));
  child.once('exit', () => {
    if (readPid(file) === child.pid) rmSync(file, { force: true });
  });
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The command line of a running process, or null when it is gone (or cannot be read). */
function commandLine(pid: number): string | null {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    command = ps.status === 0 ? ps.stdout : '';
  }
  // A zombie has an empty command line: it is gone as far as we care.
  return command.trim() || null;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
};

/** Stops the dev server a crashed start left on this database file, if it still runs (and is that server, not a reused pid). */
async function stopOrphanedDevServer(dbFile: string): Promise<void> {
  const file = pidFileOf(dbFile);
  const pid = readPid(file);
  if (pid !== null) {
    const command = commandLine(pid);
    if (command?.includes('start-dev') && command.includes(dbFile)) {
      console.error(`stopping the Temporal dev server (pid ${pid}) that an earlier start left running on ${dbFile}`);
      signal(pid, 'SIGTERM');
      for (let waited = 0; commandLine(pid) !== null; waited += 100) {
        if (waited === 10_000) signal(pid, 'SIGKILL');
        if (waited > 15_000) throw new Error(`the Temporal dev server (pid ${pid}) left running on ${dbFile} does not stop; stop it and start again`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  rmSync(file, { force: true });
}

/** SIGTERM, then SIGKILL if it lingers: the dev server flushes SQLite on a clean stop. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// `tsx cli/temporal.ts` prints the CLI's path, building it when missing (used by .ci/run).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(ensureTemporalCli());
}
