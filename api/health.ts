import type { Client } from '@temporalio/client';
import { ping, type Database } from '../db/client';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: string; temporal: string; worker: string };
}

const within = <T>(ms: number, work: Promise<T>) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => `down: ${e instanceof Error ? e.message : String(e)}`);

/** Temporal remembers pollers for minutes; a live worker renews its long poll at least every minute or so. */
const POLLER_FRESH_MS = 2 * 60_000;
function isRecent(poller: { lastAccessTime?: { seconds?: { toNumber(): number } | number | null } | null }): boolean {
  const seconds = poller.lastAccessTime?.seconds;
  if (seconds === undefined || seconds === null) return true;
  const ms = (typeof seconds === 'number' ? seconds : seconds.toNumber()) * 1000;
  return Date.now() - ms < POLLER_FRESH_MS;
}

/** Healthy only when the database, Temporal and at least one worker polling our task queue all answer. */
export async function checkHealth(db: Database, temporal: Client, taskQueue: string): Promise<HealthReport> {
  const [database, temporalCheck] = await Promise.all([
    outcome(within(3000, ping(db))),
    outcome(within(3000, temporal.workflowService.getSystemInfo({}))),
  ]);
  let worker = 'unknown: Temporal is down';
  if (temporalCheck === 'ok') {
    worker = await within(
      3000,
      temporal.workflowService.describeTaskQueue({ namespace: temporal.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 }),
    ).then(
      (r) => ((r.pollers ?? []).some(isRecent) ? 'ok' : `down: no worker polls task queue ${taskQueue}`),
      (e: unknown) => `down: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const checks = { database, temporal: temporalCheck, worker };
  return { status: Object.values(checks).every((v) => v === 'ok') ? 'ok' : 'unavailable', checks };
}
