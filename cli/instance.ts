import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded database (PGlite) belongs to one process. `start` records
 * itself here; other commands read it to talk to that process instead of
 * opening the same files, and a second `start` refuses to run.
 */
export interface RunningInstance {
  pid: number;
  apiUrl: string;
}

const fileIn = (dataDir: string) => path.join(dataDir, 'tempodesk.pid.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningInstance(dataDir: string): RunningInstance | null {
  const file = fileIn(dataDir);
  if (!existsSync(file)) return null;
  try {
    const instance = JSON.parse(readFileSync(file, 'utf8')) as RunningInstance;
    return alive(instance.pid) && instance.pid !== process.pid ? instance : null;
  } catch {
    return null;
  }
}

export function claimInstance(dataDir: string, apiUrl: string): void {
  const other = runningInstance(dataDir);
  if (other) throw new Error(`Tempodesk already runs on ${dataDir} (pid ${other.pid}, ${other.apiUrl})`);
  const file = fileIn(dataDir);
  writeFileSync(file, JSON.stringify({ pid: process.pid, apiUrl } satisfies RunningInstance));
  // However this process ends, a clean stop or a failed start, the claim ends with it.
  process.once('exit', () => rmSync(file, { force: true }));
}
