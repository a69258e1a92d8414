import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { createApp } from '../api/app';
import { freePort } from '../cli/net';
import type { Database } from '../db/client';
import { ensureAdminToken, newToken } from '../db/people';
import type { CiClass, CiStatus, RelationType } from '../domain/cmdb';
// A fresh, migrated database: in-memory PGlite, or a throwaway one beside DATABASE_URL (100,000 CIs do not belong in yours).
import { openTestDatabase } from '../test/helpers/database';
import { percentile, runPool, type PoolResult } from './stats';

/**
 * A synthetic CMDB with the shape of a real one: a few core routers feeding
 * distribution and access switches, servers on two switches each, clusters of
 * servers, VMs hosted by servers or running on clusters, databases and
 * applications on VMs, business components over applications; a handful of
 * shared applications (directory, DNS, messaging …) that thousands depend on,
 * and random application-to-application dependencies that make cycles.
 * Everything comes from one seeded PRNG, so every run builds the same graph.
 */

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic ids, so a CI's index is readable from its id when debugging a figure. */
const idOf = (kind: number, index: number) => `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${index.toString(16).padStart(12, '0')}`;

interface Tier {
  key: string;
  class: CiClass;
  prefix: string;
  count: number;
}

/** 100,000 CIs in all. */
const TIERS: Tier[] = [
  { key: 'core', class: 'network_device', prefix: 'core-rtr', count: 8 },
  { key: 'distribution', class: 'network_device', prefix: 'dist-sw', count: 192 },
  { key: 'access', class: 'network_device', prefix: 'acc-sw', count: 1_800 },
  { key: 'storage', class: 'generic', prefix: 'san', count: 1_000 },
  { key: 'server', class: 'server', prefix: 'srv', count: 15_000 },
  { key: 'cluster', class: 'generic', prefix: 'cluster', count: 1_000 },
  { key: 'vm', class: 'virtual_machine', prefix: 'vm', count: 40_000 },
  { key: 'database', class: 'database', prefix: 'db', count: 8_000 },
  { key: 'application', class: 'application', prefix: 'app', count: 25_000 },
  { key: 'component', class: 'business_service_component', prefix: 'bc', count: 8_000 },
];

/** Applications that thousands of others depend on: the hubs of the graph. */
const SHARED_APPS = 6;
const RELATIONS = 300_000;
const SERVICES = 500;
const CUSTOMERS = 200;
const CONTRACTS = 1_000;
const SITES = ['paris', 'lyon', 'berlin', 'madrid', 'dublin', 'oslo', 'lisbon', 'vienna'];
const OSES = ['linux', 'windows', 'aix', 'solaris'];
const STATUS_WEIGHTS: [CiStatus, number][] = [
  ['production', 0.8],
  ['test', 0.08],
  ['maintenance', 0.03],
  ['implementation', 0.03],
  ['planned', 0.02],
  ['retired', 0.04],
];
const CRITICALITY = ['low', 'medium', 'high', 'critical'] as const;

/** Attributes each class's schema accepts (domain/ciClasses), so the CIs read back as the API would have written them. */
function attributesOf(tier: Tier, site: string, os: string): Record<string, unknown> {
  switch (tier.class) {
    case 'network_device':
      return { deviceType: tier.key === 'core' ? 'router' : 'switch', location: site };
    case 'server':
      return { os, location: site };
    case 'virtual_machine':
      return { os };
    case 'database':
      return { engine: 'postgresql' };
    case 'generic':
      return { site };
    default:
      return {};
  }
}

export interface CmdbShape {
  tiers: Record<string, { ids: string[]; names: string[] }>;
  ciCount: number;
  relationCount: number;
  serviceCount: number;
  contractCount: number;
}

/** Rows per INSERT: each statement carries one JSON document, far under any size limit. */
const CHUNK = 10_000;

async function insertJson(db: Database, table: string, columns: string, rows: object[]): Promise<void> {
  const names = columns
    .split(',')
    .map((c) => c.trim().split(' ')[0])
    .join(', ');
  for (let i = 0; i < rows.length; i += CHUNK) {
    const json = JSON.stringify(rows.slice(i, i + CHUNK));
    await db.execute(sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select ${sql.raw(names)} from json_to_recordset(${json}::json) as x(${sql.raw(columns)})`);
  }
}

/** Builds the whole CMDB with bulk inserts (one statement per 10,000 rows) and returns its ids by tier. */
export async function buildCmdb(db: Database, seed = 6): Promise<CmdbShape> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const status = (): CiStatus => {
    let r = random();
    for (const [s, w] of STATUS_WEIGHTS) if ((r -= w) < 0) return s;
    return 'production';
  };

  const tiers: CmdbShape['tiers'] = {};
  const ciRows: object[] = [];
  TIERS.forEach((tier, kind) => {
    const ids: string[] = [];
    const names: string[] = [];
    for (let i = 0; i < tier.count; i++) {
      const id = idOf(kind, i);
      const name = `${tier.prefix}-${String(i).padStart(5, '0')}`;
      const site = pick(SITES);
      ids.push(id);
      names.push(name);
      ciRows.push({
        id,
        class: tier.class,
        name,
        status: status(),
        criticality: pick(CRITICALITY),
        description: `${tier.key} ${name} in ${site}`,
        attributes: attributesOf(tier, site, pick(OSES)),
      });
    }
    tiers[tier.key] = { ids, names };
  });
  await insertJson(db, 'cis', 'id uuid, class text, name text, status text, criticality text, description text, attributes jsonb', ciRows);

  const edges = new Map<string, { source_id: string; type: RelationType; target_id: string; created_by: string }>();
  const relate = (source: string, type: RelationType, target: string) => {
    if (source === target) return;
    edges.set(`${source}|${type}|${target}`, { source_id: source, type, target_id: target, created_by: 'bench' });
  };
  const t = (key: string) => tiers[key]!.ids;
  const several = (mean: number) => Math.floor(random() * 2 * mean + 0.5);

  for (const d of t('distribution')) for (let k = 0; k < 2; k++) relate(d, 'connected_to', pick(t('core')));
  for (const a of t('access')) for (let k = 0; k < 2; k++) relate(a, 'connected_to', pick(t('distribution')));
  for (const s of t('server')) {
    for (let k = 0; k < 2; k++) relate(s, 'connected_to', pick(t('access')));
    relate(s, 'depends_on', pick(t('storage')));
    relate(s, 'member_of', pick(t('cluster')));
  }
  for (const vm of t('vm')) {
    if (random() < 0.6) relate(pick(t('server')), 'hosts', vm);
    else relate(vm, 'runs_on', pick(t('cluster')));
  }
  for (const db_ of t('database')) relate(db_, 'runs_on', random() < 0.7 ? pick(t('vm')) : pick(t('server')));
  const apps = t('application');
  const shared = apps.slice(0, SHARED_APPS);
  for (const app of apps) {
    relate(app, 'runs_on', pick(t('vm')));
    if (random() < 0.5) relate(app, 'runs_on', pick(t('vm')));
    for (let k = several(1.5); k > 0; k--) relate(app, 'depends_on', pick(t('database')));
    if (random() < 0.15) relate(app, 'depends_on', pick(shared));
  }
  for (const bc of t('component')) {
    for (let k = several(6); k > 0; k--) relate(bc, 'depends_on', pick(apps));
    if (random() < 0.5) relate(bc, 'depends_on', pick(t('component')));
  }
  // The rest: applications depending on one another, at random, so cycles of every length occur.
  while (edges.size < RELATIONS) relate(pick(apps), 'depends_on', pick(apps));
  await insertJson(db, 'ci_relations', 'source_id uuid, type text, target_id uuid, created_by text', [...edges.values()]);

  // Services delivered by business components (and a shared application now and then), sold to customers.
  const serviceRows = Array.from({ length: SERVICES }, (_, i) => ({
    id: idOf(100, i),
    name: `service-${String(i).padStart(3, '0')}`,
    criticality: pick(CRITICALITY),
  }));
  await insertJson(db, 'services', 'id uuid, name text, criticality text', serviceRows);
  const members = new Set<string>();
  for (const s of serviceRows) {
    for (let k = 1 + several(2); k > 0; k--) members.add(`${s.id}|${pick(t('component'))}`);
    if (random() < 0.1) members.add(`${s.id}|${pick(shared)}`);
  }
  await insertJson(db, 'service_cis', 'service_id uuid, ci_id uuid', [...members].map((m) => ({ service_id: m.split('|')[0], ci_id: m.split('|')[1] })));

  const organizationRows = Array.from({ length: CUSTOMERS }, (_, i) => ({ id: idOf(101, i), name: `customer-${String(i).padStart(3, '0')}` }));
  await insertJson(db, 'organizations', 'id uuid, name text', organizationRows);
  const contractRows = Array.from({ length: CONTRACTS }, (_, i) => ({
    id: idOf(102, i),
    kind: 'customer',
    name: `contract-${String(i).padStart(4, '0')}`,
    organization_id: pick(organizationRows).id,
    starts_on: '2025-01-01',
    active: random() < 0.9,
  }));
  await insertJson(db, 'contracts', 'id uuid, kind text, name text, organization_id uuid, starts_on date, active boolean', contractRows);
  const covered = new Set<string>();
  for (const c of contractRows) for (let k = 1 + several(3); k > 0; k--) covered.add(`${c.id}|${pick(serviceRows).id}`);
  await insertJson(db, 'contract_services', 'contract_id uuid, service_id uuid', [...covered].map((m) => ({ contract_id: m.split('|')[0], service_id: m.split('|')[1] })));

  await db.execute(sql`analyze`);
  return { tiers, ciCount: ciRows.length, relationCount: edges.size, serviceCount: serviceRows.length, contractCount: contractRows.length };
}

/* The run: the CMDB above behind the real HTTP API, measured from a client. */

const WARMUP = 20;
const IMPACT_DEPTH = 6;
const LIST_QUERIES = 200;
const IMPORT_BATCH = 5_000;
const IMPORT_BATCHES = 2;
const WORDS = [...SITES, ...OSES];

/** GETs and POSTs to the API; an answer other than 200 is tallied with its first body, not thrown, so one bad answer does not end the run. */
class Api {
  readonly unexpected = new Map<string, { count: number; first: string }>();
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(what: string, method: string, path: string, body?: unknown): Promise<T | null> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 200) return JSON.parse(text) as T;
    const key = `${what} → ${response.status}`;
    const seen = this.unexpected.get(key);
    if (seen) seen.count++;
    else this.unexpected.set(key, { count: 1, first: text.slice(0, 200) });
    return null;
  }
}

interface Row {
  name: string;
  run: PoolResult;
  note?: string;
}

function printTable(rows: Row[]): void {
  const header = ['', 'count', 'wall s', 'per s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', ''];
  const cells = rows.map(({ name, run, note }) => [
    name,
    String(run.latencies.length),
    (run.wallMs / 1000).toFixed(2),
    (run.latencies.length / (run.wallMs / 1000)).toFixed(1),
    ...[50, 90, 99, 100].map((p) => percentile(run.latencies, p).toFixed(1)),
    note ?? '',
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...cells.map((row) => row[col]!.length)));
  const align = (cell: string, col: number) => (col === 0 || col === header.length - 1 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!));
  for (const row of [header, ...cells]) console.log(row.map(align).join('  ').trimEnd());
}

const sizes = (totals: number[]) => `reached p50 ${percentile(totals, 50)}, p99 ${percentile(totals, 99)}, max ${Math.max(...totals)}`;

export async function benchImpact({ n, c }: { n: number; c: number }): Promise<void> {
  const database = await openTestDatabase();
  let server: ServerType | undefined;
  try {
    const { db } = database;
    let started = performance.now();
    const shape = await buildCmdb(db);
    const buildMs = performance.now() - started;
    const token = newToken();
    await ensureAdminToken(db, token);
    // The routes measured never reach Temporal: a lazy client that never connects.
    const app = createApp({ db, temporal: new Client(), taskQueue: 'bench-impact', autoCloseSeconds: 259_200 });
    const port = await freePort();
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const api = new Api(`http://127.0.0.1:${port}/api/v1`, token);

    const random = prng(66);
    const all = Object.values(shape.tiers).flatMap((t) => t.ids);
    const roots = Array.from({ length: n }, () => all[Math.floor(random() * all.length)]!);
    const totals: number[] = [];
    const analyse = (kind: 'impact' | 'dependencies', ids: string[], into?: number[]) => async (i: number) => {
      const answer = await api.call<{ total: number }>(kind, 'GET', `/cis/${ids[i]}/${kind}?depth=${IMPACT_DEPTH}`);
      if (answer && into) into.push(answer.total);
    };
    const listQuery = (i: number) => {
      const word = WORDS[i % WORDS.length]!;
      // Words in descriptions and attributes, and name prefixes (srv-012 finds srv-01200 … srv-01299).
      const q = i % 3 === 2 ? `srv-0${String(i % 150).padStart(2, '0')}` : i % 3 === 1 ? `${word} ${SITES[i % SITES.length]}` : word;
      return `/cis?class=server&status=production&q=${encodeURIComponent(q)}&limit=25`;
    };

    // Warm up: JIT, plans, caches; each path once for real.
    await runPool(WARMUP, 1, analyse('impact', roots));
    await runPool(WARMUP, 1, async (i) => void (await api.call('list', 'GET', listQuery(i))));

    const loadBefore = os.loadavg()[0]!;
    const impactSerial = await runPool(n, 1, analyse('impact', roots, totals));
    const impactParallel = await runPool(n, c, analyse('impact', roots));
    const dependencies = await runPool(n, 1, analyse('dependencies', roots));
    const hubTotals: number[] = [];
    const hubs = await runPool(shape.tiers.core!.ids.length, 1, analyse('impact', shape.tiers.core!.ids, hubTotals));
    const list = await runPool(LIST_QUERIES, 1, async (i) => void (await api.call('list', 'GET', listQuery(i))));

    // Import: new servers, then the same rows again with a changed description (updates, one history row each).
    const importRows = (batch: number, note: string) =>
      Array.from({ length: IMPORT_BATCH }, (_, i) => ({
        class: 'server',
        name: `imported-${String(batch * IMPORT_BATCH + i).padStart(6, '0')}`,
        description: `${note} server ${i} in ${SITES[i % SITES.length]}`,
        attributes: { os: OSES[i % OSES.length], cpuCount: 1 + (i % 64) },
      }));
    const imports: Record<'created' | 'updated', PoolResult> = { created: { latencies: [], wallMs: 0 }, updated: { latencies: [], wallMs: 0 } };
    const importResults: string[] = [];
    for (const [kind, note] of [['created', 'imported'], ['updated', 're-imported']] as const) {
      started = performance.now();
      const run = await runPool(IMPORT_BATCHES, 1, async (batch) => {
        const result = await api.call<{ created: number; updated: number; failed: number }>('import', 'POST', '/cis/import', { rows: importRows(batch, note) });
        if (result) importResults.push(`${kind}: ${result.created} created, ${result.updated} updated, ${result.failed} failed`);
      });
      imports[kind] = { latencies: run.latencies, wallMs: performance.now() - started };
    }
    const loadAfter = os.loadavg()[0]!;

    const cpus = os.cpus();
    console.log(`machine   ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${process.platform}/${process.arch}`);
    console.log(`runtime   node ${process.version}, database ${process.env.DATABASE_URL ? 'PostgreSQL (a throwaway database beside DATABASE_URL)' : 'PGlite (in memory)'}`);
    console.log(
      `cmdb      ${shape.ciCount} CIs, ${shape.relationCount} relations, ${shape.serviceCount} services, ${shape.contractCount} customer contracts; built in ${(buildMs / 1000).toFixed(1)} s (${Math.round((shape.ciCount + shape.relationCount) / (buildMs / 1000))} rows/s, bulk inserts)`,
    );
    console.log(`run       ${n} random roots, depth ${IMPACT_DEPTH}, all relation types; ${c} clients for the parallel run; after ${WARMUP} warm-up calls of each path`);
    console.log(`load      1-min load average ${loadBefore.toFixed(2)} before the measurements, ${loadAfter.toFixed(2)} after\n`);
    const perRow = (run: PoolResult) => `${Math.round((IMPORT_BATCH * run.latencies.length) / (run.wallMs / 1000))} rows/s`;
    printTable([
      { name: 'impact, 1 client', run: impactSerial, note: sizes(totals) },
      { name: `impact, ${c} clients`, run: impactParallel },
      { name: 'dependencies, 1 client', run: dependencies },
      { name: 'impact of a core router', run: hubs, note: sizes(hubTotals) },
      { name: 'CI list: server, production, q', run: list },
      { name: `import ${IMPORT_BATCH} new rows`, run: imports.created, note: perRow(imports.created) },
      { name: `import ${IMPORT_BATCH} changed rows`, run: imports.updated, note: perRow(imports.updated) },
    ]);
    console.log(`\nimpact p99 / p50 ${(percentile(impactSerial.latencies, 99) / percentile(impactSerial.latencies, 50)).toFixed(1)}; core router p50 / random root p50 ${(percentile(hubs.latencies, 50) / percentile(impactSerial.latencies, 50)).toFixed(1)}`);
    console.log(`import answers: ${importResults.join('; ')}`);
    if (api.unexpected.size > 0) {
      console.log('\nunexpected answers (their latencies are in the figures above):');
      for (const [key, { count, first }] of api.unexpected) console.log(`  ${key} × ${count}, first: ${first}`);
    }
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await database.close();
  }
}
