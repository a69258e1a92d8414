import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import { freePort } from '../cli/net';
import { startDevServer } from '../cli/temporal';
import { openDatabase, type Database } from '../db/client';
import { ensureAdminToken, newToken } from '../db/people';
import { tickets } from '../db/schema';
import { seed } from '../db/seed';
import { percentile, runPool, type PoolResult } from './stats';

export interface IncidentsOptions {
  /** Incidents to create (and empty workflows to run for each baseline). */
  n: number;
  /** Concurrent client loops. */
  c: number;
}

const WARMUP = 20;
/** Open incidents must not auto-close during the run; same as the production default (3 days). */
const AUTO_CLOSE_SECONDS = 259_200;
/** The API answers after projection, so a missing row means a bug; give up rather than hang. */
const VISIBLE_TIMEOUT_MS = 30_000;
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntilVisible(db: Database, number: string): Promise<void> {
  const deadline = Date.now() + VISIBLE_TIMEOUT_MS;
  for (;;) {
    const [row] = await db.select({ number: tickets.number }).from(tickets).where(eq(tickets.number, number));
    if (row) return;
    if (Date.now() > deadline) throw new Error(`${number} never appeared in the read model`);
    await sleep(5);
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
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowsPath, activities: createActivities({ db }) });
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

    const url = `http://127.0.0.1:${port}/api/v1/incidents`;
    const createIncident = async (i: number) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        // Every impact × urgency pair, so the nine priorities (and their SLA targets) all occur.
        body: JSON.stringify({
          title: `Bench incident ${i}: mail delivery delayed`,
          description: `Synthetic incident ${i} from the incidents benchmark.`,
          impact: (i % 3) + 1,
          urgency: (Math.floor(i / 3) % 3) + 1,
        }),
      });
      if (response.status !== 201) throw new Error(`POST /incidents answered ${response.status}: ${await response.text()}`);
      const { number } = (await response.json()) as { number: string };
      await waitUntilVisible(db, number);
    };
    const run = randomUUID().slice(0, 8);
    const executeEmpty = (i: number) => client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-execute-${i}` });
    const startEmpty = async (i: number) => {
      await client.workflow.start('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-start-${i}` });
    };

    // Warm up: the workflow bundle's first load, JIT, connection pools; each path once for real.
    await runPool(WARMUP, c, createIncident);
    await runPool(WARMUP, c, (i) => client.workflow.execute('emptyWorkflow', { taskQueue, workflowId: `bench-${run}-warmup-${i}` }));

    const results: Array<[string, PoolResult]> = [];
    results.push(['incidents via API', await runPool(n, c, createIncident)]);
    results.push(['empty workflow execute', await runPool(n, c, executeEmpty)]);
    // Last, because its workflows are still finishing on the worker when it returns.
    results.push(['empty workflow start', await runPool(n, c, startEmpty)]);

    report({ n, c, databaseKind: database.kind }, results);
  } finally {
    await cleanup.run();
  }
}

function report(context: IncidentsOptions & { databaseKind: string }, results: Array<[string, PoolResult]>): void {
  const cpus = os.cpus();
  console.log(`machine   ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${process.platform}/${process.arch}`);
  console.log(`runtime   node ${process.version}, database ${context.databaseKind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (in memory)'}, Temporal dev server (in memory)`);
  console.log(`load      n=${context.n}, c=${context.c} concurrent clients, after ${WARMUP} warm-up runs\n`);

  const header = ['', 'count', 'wall s', 'per s', 'p50 ms', 'p99 ms'];
  const throughput = (r: PoolResult) => r.latencies.length / (r.wallMs / 1000);
  const rows = results.map(([name, r]) => [
    name,
    String(r.latencies.length),
    (r.wallMs / 1000).toFixed(2),
    throughput(r).toFixed(1),
    percentile(r.latencies, 50).toFixed(1),
    percentile(r.latencies, 99).toFixed(1),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '));

  const [incidents, execute, start] = results.map(([, r]) => throughput(r)) as [number, number, number];
  console.log(`\nincident throughput / empty execute throughput  ${(incidents / execute).toFixed(3)}`);
  console.log(`incident throughput / empty start throughput    ${(incidents / start).toFixed(3)}`);
}
