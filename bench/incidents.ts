import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { and, eq, inArray } from 'drizzle-orm';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import { freePort } from '../cli/net';
import { startDevServer } from '../cli/temporal';
import { openDatabase, type Database } from '../db/client';
import { ensureAdminToken, newToken } from '../db/people';
import { ticketEvents, tickets } from '../db/schema';
import { seed } from '../db/seed';
import { MAX_CACHED_WORKFLOWS } from '../worker';
import { LagWatch } from './lag';
import { percentile, runPool, type PoolResult } from './stats';

export interface IncidentsOptions {
  /** Operations per measurement: empty workflows per baseline, incidents created, comments sent. */
  n: number;
  /** Concurrent client loops. */
  c: number;
}

const WARMUP = 20;
/** Open incidents must not auto-close during the run; same as the production default (3 days). */
const AUTO_CLOSE_SECONDS = 259_200;
/** A ticket the read model still does not show this long after its answer is reported missing, not waited for. */
const VISIBLE_TIMEOUT_MS = 30_000;
/** The goals of the issue "Kernel v2 and hardening", printed beside the figures; none is asserted. */
const GOALS = { createPerStart: 0.5, createP99Ms: 100, lagP99Ms: 1_000, commandP99Ms: 50 };
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** Which of `numbers` have their row in the read model. */
const ticketRows = (db: Database) => async (numbers: string[]) =>
  (await db.select({ number: tickets.number }).from(tickets).where(inArray(tickets.number, numbers))).map((r) => r.number);

/** Which of `numbers` have a comment in the read model's audit trail (the bench comments each ticket once). */
const commentRows = (db: Database) => async (numbers: string[]) =>
  (
    await db
      .selectDistinct({ number: ticketEvents.number })
      .from(ticketEvents)
      .where(and(eq(ticketEvents.kind, 'commented'), inArray(ticketEvents.number, numbers)))
  ).map((r) => r.number);

/** POSTs to the API. An answer other than the expected one is tallied (with its first body), not thrown: one 503 does not end the run. */
class Api {
  readonly unexpected = new Map<string, { count: number; first: string }>();
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async post(what: string, path: string, body: unknown, expected: number): Promise<{ number: string } | null> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === expected) return JSON.parse(text) as { number: string };
    const key = `${what} → ${response.status}`;
    const seen = this.unexpected.get(key);
    if (seen) seen.count++;
    else this.unexpected.set(key, { count: 1, first: text.slice(0, 200) });
    return null;
  }
}

interface Measured {
  run: PoolResult;
  /** Read-model lag per answered call, ms. */
  lag: number[];
  /** Tickets answered for that the read model never showed. */
  missing: string[];
}

/** Runs n calls from c clients while a LagWatch times the read model behind their answers, then waits for it to catch up. */
async function withLag(n: number, c: number, visible: (numbers: string[]) => Promise<string[]>, call: (i: number, watch: LagWatch) => Promise<void>): Promise<Measured> {
  const watch = new LagWatch(visible);
  try {
    const run = await runPool(n, c, (i) => call(i, watch));
    const missing = await watch.stop(VISIBLE_TIMEOUT_MS);
    return { run, lag: watch.lags, missing };
  } finally {
    await watch.stop(0);
  }
}

/** Closes what was opened, last first, even when the run failed half-way. */
class Cleanup {
  private steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error('cleanup:', error);
      }
    }
  }
}

export async function benchIncidents({ n, c }: IncidentsOptions): Promise<void> {
  // The worker's INFO lines (bundling, state changes) would bury the figures.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cleanup = new Cleanup();
  try {
    // In memory and headless: every run starts from an empty history.
    const temporal = await startDevServer({ port: await freePort(), namespace: 'default' });
    cleanup.add(() => temporal.stop());

    const database = await openDatabase({ url: process.env.DATABASE_URL });
    cleanup.add(() => database.close());
    await database.migrate();
    await seed(database.db);
    const token = newToken();
    await ensureAdminToken(database.db, token);
    const { db } = database;

    // A fresh queue: nothing else polls it, and nothing left from earlier runs is on it.
    const taskQueue = `bench-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    cleanup.add(() => workerConnection.close());
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath,
      activities: createActivities({ db }),
      maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    });
    const running = worker.run();
    cleanup.add(async () => {
      worker.shutdown();
      await running;
    });

    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add(() => connection.close());
    const client = new Client({ connection });
    const app = createApp({ db, temporal: client, taskQueue, autoCloseSeconds: AUTO_CLOSE_SECONDS });
    const port = await freePort();
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
    });
    cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const api = new Api(`http://127.0.0.1:${port}/api/v1`, token);
    const createInto = (created: string[]) => async (i: number, watch: LagWatch) => {
      // Every impact × urgency pair, so the nine priorities (and their SLA targets) all occur.
      const body = {
        title: `Bench incident ${i}: mail delivery delayed`,
        description: `Synthetic incident ${i} from the incidents benchmark.`,
        impact: (i % 3) + 1,
        urgency: (Math.floor(i / 3) % 3) + 1,
      };
      const ticket = await api.post('create', '/incidents', body, 201);
      if (!ticket) return;
      watch.answered(ticket.number);
      created.push(ticket.number);
    };
    const commentOn = (numbers: string[]) => async (i: number, watch: LagWatch) => {
      const number = numbers[i % numbers.length]!;
      const body = { body: `Bench comment ${i}: still investigating the relay.`, visibility: 'internal' };
      if (await api.post('comment', `/incidents/${number}/comment`, body, 200)) watch.answered(number);
    };
    const run = randomUUID().slice(0, 8);
    const executeEmpty = (i: number) => client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-execute-${i}` });
    const startEmpty = async (i: number) => {
      await client.workflow.start('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-start-${i}` });
    };

    // Warm up: the workflow bundle's first load, JIT, connection pools; each path once for real.
    const warm: string[] = [];
    await withLag(WARMUP, c, ticketRows(db), createInto(warm));
    await withLag(warm.length, c, commentRows(db), commentOn(warm));
    await runPool(WARMUP, c, (i) => client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-warmup-${i}` }));

    const loadBefore = os.loadavg()[0]!;
    const execute = await runPool(n, c, executeEmpty);
    const created: string[] = [];
    const create = await withLag(n, c, ticketRows(db), createInto(created));
    const comment = created.length > 0 ? await withLag(created.length, c, commentRows(db), commentOn(created)) : null;
    // Last, because its workflows are still finishing on the worker when it returns.
    const start = await runPool(n, c, startEmpty);
    const loadAfter = os.loadavg()[0]!;

    report({ n, c, databaseKind: database.kind, load: [loadBefore, loadAfter] }, { start, execute, create, comment }, api.unexpected);
  } finally {
    await cleanup.run();
  }
}

const perSecond = (r: PoolResult) => r.latencies.length / (r.wallMs / 1000);
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

function report(
  context: IncidentsOptions & { databaseKind: string; load: [number, number] },
  results: { start: PoolResult; execute: PoolResult; create: Measured; comment: Measured | null },
  unexpected: Api['unexpected'],
): void {
  const cpus = os.cpus();
  console.log(`machine   ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${process.platform}/${process.arch}`);
  console.log(`runtime   node ${process.version}, database ${context.databaseKind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (in memory)'}, Temporal dev server (in memory)`);
  console.log(`run       n=${context.n}, c=${context.c} concurrent clients, after ${WARMUP} warm-up runs of each path`);
  console.log(`load      1-min load average ${context.load[0].toFixed(2)} before the measurements, ${context.load[1].toFixed(2)} after\n`);

  const { start, execute, create, comment } = results;
  const p99 = (samples: number[]) => percentile(samples, 99);
  const rows: Array<[string, number[], number | null, string]> = [
    ['empty workflow start', start.latencies, start.wallMs, ''],
    ['empty workflow execute', execute.latencies, execute.wallMs, ''],
    ['incident create (API)', create.run.latencies, create.run.wallMs, `p99 < ${GOALS.createP99Ms}: ${verdict(p99(create.run.latencies) < GOALS.createP99Ms)}`],
    ['  201 → row in read model', create.lag, null, `p99 < ${GOALS.lagP99Ms}: ${verdict(p99(create.lag) < GOALS.lagP99Ms)}`],
  ];
  if (comment) {
    rows.push(['comment (API)', comment.run.latencies, comment.run.wallMs, `p99 < ${GOALS.commandP99Ms}: ${verdict(p99(comment.run.latencies) < GOALS.commandP99Ms)}`]);
    rows.push(['  200 → event in read model', comment.lag, null, '']);
  }
  const header = ['', 'count', 'wall s', 'per s', 'p50 ms', 'p90 ms', 'p99 ms', 'goal ms'];
  const cells = rows.map(([name, samples, wallMs, goal]) => [
    name,
    String(samples.length),
    wallMs === null ? '' : (wallMs / 1000).toFixed(2),
    wallMs === null ? '' : (samples.length / (wallMs / 1000)).toFixed(1),
    ...[50, 90, 99].map((p) => percentile(samples, p).toFixed(1)),
    goal,
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...cells.map((row) => row[col]!.length)));
  const align = (cell: string, col: number) => (col === 0 || col === header.length - 1 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!));
  for (const row of [header, ...cells]) console.log(row.map(align).join('  ').trimEnd());

  const perStart = perSecond(create.run) / perSecond(start);
  console.log(`\nincident create throughput / empty start throughput    ${perStart.toFixed(3)}   goal ≥ ${GOALS.createPerStart}: ${verdict(perStart >= GOALS.createPerStart)}`);
  console.log(`incident create throughput / empty execute throughput  ${(perSecond(create.run) / perSecond(execute)).toFixed(3)}`);

  const missing = [...create.missing, ...(comment?.missing ?? [])];
  if (missing.length > 0) console.log(`\nnever seen in the read model within ${VISIBLE_TIMEOUT_MS / 1000} s: ${missing.length} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  if (unexpected.size > 0) {
    console.log('\nunexpected answers (their latencies are in the figures above):');
    for (const [key, { count, first }] of unexpected) console.log(`  ${key} × ${count}, first: ${first}`);
  }
}
