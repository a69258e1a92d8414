import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { ping, rowsOf, type Database } from '../db/client';
import { projectionFailures } from '../db/schema';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: string; temporal: string; worker: string };
  /** What needs an administrator although the platform runs: tickets whose read model the database refuses. */
  alerts: string[];
}

/** Tickets the projection could not write for good (activities/projection.ts); they keep working, their rows do not follow. */
async function projectionAlerts(db: Database): Promise<string[]> {
  const [row] = rowsOf<{ count: number; numbers: string[] | null }>(
    await db.execute(sql`select count(*)::int as count, (array_agg(number order by last_failed_at desc))[1:5] as numbers from ${projectionFailures}`),
  );
  if (!row?.count) return [];
  return [`projection: the read model refuses ${row.count} ticket(s) (${row.numbers!.join(', ')}${row.count > 5 ? ', …' : ''}); see projection_failures, then reproject`];
}

const within = <T>(ms: number, work: Promise<T>) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

const failure = (e: unknown) => `down: ${e instanceof Error ? e.message : String(e)}`;
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', failure);
const outcomeOf = (p: Promise<string>) => p.catch(failure);

/**
 * Workers tell Temporal they live this often (the Runtime's
 * workerHeartbeatInterval: the CLI and the tests install it), so a crashed
 * worker shows here within seconds.
 */
export const WORKER_HEARTBEAT_INTERVAL_MS = 2000;
const HEARTBEAT_FRESH_MS = 4 * WORKER_HEARTBEAT_INTERVAL_MS;
/**
 * Without heartbeats (a server that does not record them: Temporal before
 * 1.29.1, or without frontend.WorkerHeartbeatsEnabled) pollers are all there
 * is, and a live worker renews its long poll only about once a minute.
 */
const POLLER_FRESH_MS = 90_000;
const WORKER_STATUS_RUNNING = 1;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const ageMs = (t: Timestamp) => {
  const seconds = t?.seconds;
  if (seconds === undefined || seconds === null) return Infinity;
  return Date.now() - ((typeof seconds === 'number' ? seconds : seconds.toNumber()) * 1000 + (t?.nanos ?? 0) / 1e6);
};

/**
 * 'ok' when a worker of the task queue is alive: by its heartbeats where the
 * server records them; a worker that has sent none yet (it heartbeats a
 * moment after its first poll) or never will (heartbeats off) by its polls.
 */
async function checkWorker(temporal: Client, taskQueue: string): Promise<string> {
  const { namespace } = temporal.options;
  const service = temporal.workflowService;
  const [{ namespaceInfo }, { pollers }] = await Promise.all([
    service.describeNamespace({ namespace }),
    service.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 }),
  ]);
  const polling = (pollers ?? []).filter((p) => !p.lastAccessTime || ageMs(p.lastAccessTime) < POLLER_FRESH_MS);
  if (!namespaceInfo?.capabilities?.workerHeartbeats) return polling.length ? 'ok' : `down: no worker polls task queue ${taskQueue}`;

  const query = /^[\w.:@/-]+$/.test(taskQueue) ? `TaskQueue = "${taskQueue}"` : '';
  const { workersInfo } = await service.listWorkers({ namespace, pageSize: 100, query });
  const heartbeats = workersInfo.map((w) => w.workerHeartbeat).filter((w) => w?.taskQueue === taskQueue);
  const beating = heartbeats.some((w) => (w!.status ?? 0) <= WORKER_STATUS_RUNNING && ageMs(w!.heartbeatTime) < HEARTBEAT_FRESH_MS);
  const silentPoller = polling.some((p) => !heartbeats.some((w) => w!.workerIdentity === p.identity));
  return beating || silentPoller ? 'ok' : `down: no worker of task queue ${taskQueue} sent a heartbeat in the last ${HEARTBEAT_FRESH_MS / 1000} s`;
}

/** Healthy only when the database, Temporal and at least one live worker of our task queue all answer. */
export async function checkHealth(db: Database, temporal: Client, taskQueue: string): Promise<HealthReport> {
  const [database, temporalCheck] = await Promise.all([
    outcome(within(3000, ping(db))),
    outcome(within(3000, temporal.workflowService.getSystemInfo({}))),
  ]);
  const worker = temporalCheck === 'ok' ? await outcomeOf(within(3000, checkWorker(temporal, taskQueue))) : 'unknown: Temporal is down';
  const alerts = database === 'ok' ? await within(3000, projectionAlerts(db)).catch(() => []) : [];
  const checks = { database, temporal: temporalCheck, worker };
  return { status: Object.values(checks).every((v) => v === 'ok') ? 'ok' : 'unavailable', checks, alerts };
}
