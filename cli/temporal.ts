import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
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
  if (env.TEMPORAL_CLI) return executable(env.TEMPORAL_CLI) ? env.TEMPORAL_CLI : null;
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
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  for (const key of TICKET_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  // Its own process group: Ctrl-C reaches us only, and we stop the server last, after the worker drained.
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
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
