import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signDecision } from '../activities/decisionSignature';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKER_HEARTBEAT_INTERVAL_MS } from '../api/health';
import { loadEnv, type Env } from '../config/env';
import { createUser, issueToken, ROLES, userByEmail, type Role } from '../db/people';
import { reconcile, reprojectTicket } from '../api/tickets/reproject';
import { claimInstance, runningInstance, type RunningInstance } from './instance';
import { startDevServer } from './temporal';
import { adminToken, onShutdown, openConfiguredDatabase, startApi, startWorker } from './runtime';

const USAGE = `tempodesk <command>

  start                      everything on one machine: Temporal dev server (unless TEMPORAL_ADDRESS),
                             database (PGlite unless DATABASE_URL), migrations, a worker and the API
  api                        the API alone (needs TEMPORAL_ADDRESS and DATABASE_URL)
  worker                     a worker alone (needs TEMPORAL_ADDRESS and DATABASE_URL)
  migrate                    apply database migrations and seed data
  users add --email E --name N --role R [--role R…]   create a user; prints its API token
  tokens add --email E [--label L]                    issue another token for a user
  reproject NUMBER           rebuild a ticket's read model (row, links, events) from its workflow
  reconcile [--repair]       find tickets whose read model disagrees with Temporal; --repair rebuilds them
  sign-decision NUMBER approve|reject --as EMAIL [--comment C]   a signed approval to send as a Temporal Signal

tempodesk <command> --help tells more about one command.`;

/** `tempodesk <command> --help`: what the command does and what it reads. */
const HELP: Record<string, string> = {
  start: `tempodesk start

  Runs everything on one machine: the Temporal dev server (unless TEMPORAL_ADDRESS is set),
  the database (PGlite in the data directory unless DATABASE_URL is set), migrations, one
  worker and the API. Prints the API, docs and Temporal UI addresses and an admin token.
  Ctrl-C stops everything; the next start finds every ticket and timer where it was.

  Reads PORT, HOST, DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
  TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_CLI, TEMPODESK_DATA_DIR, TEMPODESK_ADMIN_TOKEN,
  TEMPODESK_CORS_ORIGINS, TEMPODESK_AUTO_CLOSE_SECONDS, LOG_LEVEL (README, Configuration).`,
  api: `tempodesk api

  Runs the API alone, against shared services; run as many as load needs.
  Needs TEMPORAL_ADDRESS and DATABASE_URL; reads PORT, HOST, TEMPORAL_NAMESPACE,
  TEMPORAL_TASK_QUEUE, TEMPODESK_ADMIN_TOKEN, TEMPODESK_CORS_ORIGINS, LOG_LEVEL.`,
  worker: `tempodesk worker

  Runs a worker alone, against shared services; run as many as load needs.
  Needs TEMPORAL_ADDRESS and DATABASE_URL; reads TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPODESK_SIGNING_KEY, LOG_LEVEL.`,
  migrate: `tempodesk migrate

  Applies database migrations and seed data to DATABASE_URL (or the embedded PGlite
  in TEMPODESK_DATA_DIR), then exits. start, api and worker migrate by themselves too.`,
  users: `tempodesk users add --email E [--name N] [--role R]…

  Creates a user and prints its API token (shown this once). --role repeats; roles:
  ${ROLES.join(', ')} (default end_user).
  Works on DATABASE_URL, or through the API of a running \`npm start\` on the embedded database.`,
  tokens: `tempodesk tokens add --email E [--label L]

  Issues another API token for an existing user and prints it (shown this once).`,
  reproject: `tempodesk reproject NUMBER

  Rebuilds a ticket's row, links and events in the read model from its workflow's
  histories (through continue-as-new, as far back as Temporal keeps them) and prints
  what it found. Through the API of a running \`npm start\`, else on DATABASE_URL and
  TEMPORAL_ADDRESS.`,
  reconcile: `tempodesk reconcile [--repair]

  Compares every running ticket of TEMPORAL_TASK_QUEUE (its TicketStatus search attribute)
  with its read-model row, and open rows with workflows that no longer run; prints what
  disagrees. --repair reprojects each. Through the API of a running \`npm start\`, else on
  DATABASE_URL and TEMPORAL_ADDRESS.`,
  'sign-decision': `tempodesk sign-decision NUMBER approve|reject --as EMAIL [--comment C]

  Signs an approval decision with TEMPODESK_SIGNING_KEY (the workers' key) and prints the
  \`temporal workflow signal\` command that delivers it. A signal cannot show who sent it;
  the signature says the platform's operator vouches for EMAIL. The workflow checks it, and
  applies the decision once, only if EMAIL may still decide then.`,
};

/**
 * Temporal's worker logs (bundling, pollers) are noise at `info`; they show at LOG_LEVEL=debug.
 */
function quietTemporal(env: Env) {
  const level = env.LOG_LEVEL === 'debug' ? 'DEBUG' : env.LOG_LEVEL === 'error' ? 'ERROR' : 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level),
    // The native core logs through the same logger, at the same level.
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    // We stop the worker ourselves, in order with the API and the dev server (onShutdown).
    shutdownSignals: [],
    // /health judges workers by these heartbeats (api/health.ts).
    workerHeartbeatInterval: WORKER_HEARTBEAT_INTERVAL_MS,
  });
}

function requireProduction(env: Env, what: string): string {
  if (!env.TEMPORAL_ADDRESS || !env.DATABASE_URL) {
    throw new Error(`${what} runs against shared services: set TEMPORAL_ADDRESS and DATABASE_URL (or use \`npm start\` for everything on one machine)`);
  }
  return env.TEMPORAL_ADDRESS;
}

async function start(env: Env) {
  const dataDir = path.resolve(env.TEMPODESK_DATA_DIR);
  const base = `http://${env.HOST}:${env.PORT}`;
  mkdirSync(dataDir, { recursive: true });
  claimInstance(dataDir, base);
  const temporal = env.TEMPORAL_ADDRESS
    ? null
    : await startDevServer({ port: env.TEMPORAL_PORT, uiPort: env.TEMPORAL_UI_PORT, dbFile: path.join(dataDir, 'temporal.db'), namespace: env.TEMPORAL_NAMESPACE });
  const address = env.TEMPORAL_ADDRESS ?? temporal!.address;
  const database = await openConfiguredDatabase(env);
  const token = await adminToken(env, database);
  const worker = await startWorker(env, address, database);
  const api = await startApi(env, address, database);

  console.log(`Tempodesk is running.
  API          ${base}/api/v1
  API docs     ${base}/docs
  Health       ${base}/health
  Temporal UI  ${temporal?.uiUrl ?? '(external cluster at ' + address + ')'}
  Database     ${database.kind === 'pglite' ? `PGlite in ${path.join(dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}
  Admin token  ${token}

Try: curl -H "Authorization: Bearer ${token}" ${base}/api/v1/users/me
Ctrl-C stops everything; tickets and their timers carry on at the next start.`);

  onShutdown(async () => {
    await api.close();
    worker.worker.shutdown();
    await worker.running;
    await database.close();
    await temporal?.stop();
  });
}

/**
 * While `npm start` holds the embedded database, people are managed through
 * its API (as the admin whose token start keeps in the data directory)
 * instead of opening the database a second time.
 */
async function callRunningApi<T>(instance: RunningInstance, env: Env, method: string, path_: string, body?: unknown): Promise<T> {
  const token = env.TEMPODESK_ADMIN_TOKEN ?? readFileSync(path.join(env.TEMPODESK_DATA_DIR, 'admin-token'), 'utf8').trim();
  const response = await fetch(`${instance.apiUrl}/api/v1${path_}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(`the running Tempodesk refused: ${answer.detail ?? response.status}`);
  return answer;
}

/** The `npm start` holding the embedded database of this data directory, if one runs. */
const embeddedInstance = (env: Env) => (env.DATABASE_URL ? null : runningInstance(path.resolve(env.TEMPODESK_DATA_DIR)));

async function issueTokenThroughApi(instance: RunningInstance, env: Env, email: string, label: string): Promise<string> {
  const { items } = await callRunningApi<{ items: { id: string }[] }>(instance, env, 'GET', `/users?email=${encodeURIComponent(email)}`);
  if (!items[0]) throw new Error(`no user with email ${email}`);
  return (await callRunningApi<{ token: string }>(instance, env, 'POST', `/users/${items[0].id}/tokens`, { label })).token;
}

/** Reprojection and reconciliation straight on the configured services, when no `npm start` holds them. */
async function readModelRepair(env: Env, number: string | null, repair: boolean) {
  if (!env.TEMPORAL_ADDRESS) throw new Error('nothing runs on this data directory: start Tempodesk (npm start), or set TEMPORAL_ADDRESS and DATABASE_URL');
  const database = await openConfiguredDatabase(env);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    if (number === null) return await reconcile(database.db, temporal, env.TEMPORAL_TASK_QUEUE, { repair });
    return (await reprojectTicket(database.db, temporal, number)) ?? { detail: `no workflow for ${number}` };
  } finally {
    await connection.close();
    await database.close();
  }
}

async function main(argv: string[]) {
  if (argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')) {
    const command = argv[0] === 'help' ? argv[1] : argv[0];
    const help = command === undefined || command.startsWith('-') ? USAGE : HELP[command];
    console.log(help ?? USAGE);
    process.exitCode = help ? 0 : 1;
    return;
  }
  const env = loadEnv();
  const [command, sub, ...rest] = argv;
  // Only the long-running commands start Temporal's native runtime: once up, it keeps a short-lived command alive.
  if (command === 'start' || command === 'api' || command === 'worker') quietTemporal(env);
  switch (command) {
    case 'start':
      return start(env);
    case 'api': {
      const address = requireProduction(env, 'the API');
      const database = await openConfiguredDatabase(env);
      if (env.TEMPODESK_ADMIN_TOKEN) await adminToken(env, database);
      const api = await startApi(env, address, database);
      console.log(`Tempodesk API on http://${env.HOST}:${env.PORT}`);
      return onShutdown(async () => {
        await api.close();
        await database.close();
      });
    }
    case 'worker': {
      const address = requireProduction(env, 'the worker');
      const database = await openConfiguredDatabase(env);
      const worker = await startWorker(env, address, database);
      console.log(`Tempodesk worker polling ${env.TEMPORAL_TASK_QUEUE} on ${address}`);
      onShutdown(async () => {
        worker.worker.shutdown();
        await worker.running;
        await database.close();
      });
      return;
    }
    case 'migrate': {
      const running = embeddedInstance(env);
      if (running) throw new Error(`Tempodesk is running on this data directory (pid ${running.pid}); it migrated at start`);
      const database = await openConfiguredDatabase(env);
      await database.close();
      console.log('database migrated');
      return;
    }
    case 'users':
    case 'tokens': {
      const { values } = parseArgs({
        args: rest,
        options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', multiple: true }, label: { type: 'string' } },
      });
      if (sub !== 'add' || !values.email) throw new Error(USAGE);
      const roles = (values.role ?? ['end_user']) as Role[];
      const unknown = roles.filter((r) => !ROLES.includes(r));
      if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
      const user = { email: values.email, name: values.name ?? values.email, roles };
      const instance = embeddedInstance(env);
      if (instance) {
        console.log(
          command === 'users'
            ? (await callRunningApi<{ token: string }>(instance, env, 'POST', '/users', user)).token
            : await issueTokenThroughApi(instance, env, values.email, values.label ?? 'cli'),
        );
        return;
      }
      const database = await openConfiguredDatabase(env);
      try {
        if (command === 'users') {
          const { token } = await createUser(database.db, user);
          console.log(token);
        } else {
          const user = await userByEmail(database.db, values.email);
          if (!user) throw new Error(`no user with email ${values.email}`);
          console.log(await issueToken(database.db, user.id, values.label ?? 'cli'));
        }
      } finally {
        await database.close();
      }
      return;
    }
    case 'reproject':
    case 'reconcile': {
      const repair = command === 'reconcile' && [sub, ...rest].includes('--repair');
      if (command === 'reproject' && !sub) throw new Error(HELP.reproject);
      const path_ = command === 'reproject' ? `/admin/tickets/${encodeURIComponent(sub!)}/reproject` : `/admin/reconcile?repair=${repair}`;
      const instance = embeddedInstance(env);
      const answer = instance ? await callRunningApi<unknown>(instance, env, 'POST', path_) : await readModelRepair(env, command === 'reproject' ? sub! : null, repair);
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    case 'sign-decision': {
      const { values } = parseArgs({ args: rest.slice(1), options: { as: { type: 'string' }, comment: { type: 'string' } } });
      const decision = rest[0];
      if (!sub || (decision !== 'approve' && decision !== 'reject') || !values.as) throw new Error(HELP['sign-decision']);
      if (!env.TEMPODESK_SIGNING_KEY) throw new Error('TEMPODESK_SIGNING_KEY is not set: the workers refuse signed decisions without it');
      const fields = { number: sub, decision, actor: values.as.toLowerCase(), commandId: randomUUID(), comment: values.comment ?? '' } as const;
      const signal = { ...fields, signature: signDecision(env.TEMPODESK_SIGNING_KEY, fields) };
      const { number: _n, decision: _d, ...input } = signal;
      console.log(`temporal workflow signal --workflow-id ${sub} --name ${decision} --input '${JSON.stringify(input)}'`);
      return;
    }
    default:
      console.log(USAGE);
      process.exitCode = command ? 1 : 0;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
