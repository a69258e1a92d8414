import { performance } from 'node:perf_hooks';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cis, cmdbHistory, organizations } from '../../db/schema';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/** Bulk import of configuration items, JSON and CSV, on the real stack: per-row failures, upserts, history, dry runs. */

const BASE = '/api/v1';
const ROWS = 3000;
let stack: Stack;
let manager: string;
let orgId: string;

beforeAll(async () => {
  stack = await startStack();
  manager = (await stack.user(['configuration_manager'])).token;
  for (const name of ['unix', 'dba']) expect((await stack.api('POST', `${BASE}/teams`, { body: { name } })).status).toBe(201);
  const [org] = await stack.db.insert(organizations).values({ name: 'Acme Corp', code: 'ACME' }).returning({ id: organizations.id });
  orgId = org!.id;
});
afterAll(() => stack?.stop());

function expectProblem(res: ApiResponse, status: number, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field) expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
}

const importJson = (body: unknown, query = '', token = manager) => stack.api('POST', `${BASE}/cis/import${query}`, { token, body });
const importCsv = (csv: string, query = '', token = manager) =>
  stack.api('POST', `${BASE}/cis/import${query}`, { token, body: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } });

/** Sends an import and logs its throughput (measured, never asserted). */
async function timed(label: string, rows: number, send: () => Promise<ApiResponse>) {
  const started = performance.now();
  const res = await send();
  const ms = performance.now() - started;
  console.log(`${label}: ${rows} rows in ${ms.toFixed(0)} ms, ${Math.round((rows / ms) * 1000)} rows/s`);
  expect(res.status, JSON.stringify(res.body).slice(0, 2000)).toBe(200);
  return res.body;
}

const ciNamed = async (ciClass: string, name: string) => {
  const [row] = await stack.db.select().from(cis).where(and(eq(cis.class, ciClass), eq(cis.name, name)));
  return row;
};
const historyRows = (subjectId: string) => stack.db.select().from(cmdbHistory).where(eq(cmdbHistory.subjectId, subjectId)).orderBy(cmdbHistory.id);

describe('importing JSON', () => {
  /** A good row for position i, of a class that depends on i; organizations named every way an import may name them. */
  function goodRow(i: number): Record<string, unknown> {
    const name = `json-${String(i).padStart(5, '0')}`;
    const organization = [orgId, 'Acme Corp', 'ACME', undefined][i % 4];
    switch (i % 4) {
      case 0:
        return { class: 'server', name, supportTeam: 'unix', organization, attributes: { os: 'Debian', cpuCount: 4 + (i % 8), ipAddresses: [`10.0.${i % 250}.${i % 200}`] } };
      case 1:
        return { class: 'database', name, criticality: 'high', supportTeam: 'dba', organization, attributes: { engine: 'postgresql', port: 5432 } };
      case 2:
        return { class: 'virtual_machine', name, status: 'test', organization, description: `VM number ${i}`, attributes: { memoryGb: 8 } };
      default:
        return { class: 'generic', name, attributes: { rack: `R${i % 40}`, units: 2 } };
    }
  }
  /** Bad rows by position, and the field each failure names. */
  const bad: Record<number, [Record<string, unknown>, string]> = {
    10: [{ class: 'server', name: 'json-bad-cpu', attributes: { cpuCount: 'many' } }, 'attributes.cpuCount'],
    20: [{ class: 'server', name: 'json-bad-team', supportTeam: 'ghosts' }, 'supportTeam'],
    30: [{ class: 'server', name: 'json-bad-org', organization: 'Nowhere Ltd' }, 'organization'],
    40: [{ class: 'generic', name: 'json-twice' }, 'name'],
    41: [{ class: 'generic', name: 'json-twice', description: 'which one?' }, 'name'],
    50: [{ class: 'mainframe', name: 'json-bad-class' }, 'class'],
    60: [{ class: 'database', name: 'json-bad-db', attributes: { port: 5432 } }, 'attributes.engine'],
    70: [{ class: 'server', name: 'json-bad-field', owner: 'me' }, 'owner'],
    80: [{ class: 'network_device', name: 'json-bad-device', attributes: { deviceType: 'hub', colour: 'red' } }, 'attributes.deviceType'],
  };
  // Built when the tests run: the organization's id is known only then.
  let rows: Record<string, unknown>[];
  beforeAll(() => {
    rows = Array.from({ length: ROWS }, (_, i) => bad[i]?.[0] ?? goodRow(i));
  });
  const good = ROWS - Object.keys(bad).length;

  it('writes every good row, reports every bad one with its field, and writes nothing of it', async () => {
    const body = JSON.stringify({ rows });
    // Far over the 256 KiB every other route takes.
    expect(body.length).toBeGreaterThan(256 * 1024);
    const result = await timed('JSON import, new CIs', ROWS, () => importJson(body));
    expect(result).toMatchObject({ dryRun: false, created: good, updated: 0, unchanged: 0, failed: 9 });
    for (const [i, [, field]] of Object.entries(bad)) {
      expect(result.errors, `row ${Number(i) + 1}`).toEqual(expect.arrayContaining([{ row: Number(i) + 1, field, message: expect.any(String) }]));
    }
    expect(result.errors.find((e: any) => e.row === 41).message).toContain('row 42');
    expect(result.errors.find((e: any) => e.row === 81 && e.field === 'attributes.colour')).toBeDefined();
    expect(result.errors.map((e: any) => e.row)).toEqual([...result.errors.map((e: any) => e.row)].sort((a, b) => a - b));

    expect(await stack.db.$count(cis, like(cis.name, 'json-0%'))).toBe(good);
    expect(await stack.db.$count(cis, like(cis.name, 'json-bad%'))).toBe(0);
    expect(await stack.db.$count(cis, eq(cis.name, 'json-twice'))).toBe(0);

    const server = await ciNamed('server', 'json-00000');
    expect(server).toMatchObject({ supportTeam: 'unix', organizationId: orgId, status: 'production', criticality: 'medium', attributes: { os: 'Debian', cpuCount: 4, ipAddresses: ['10.0.0.0'] } });
    expect(await ciNamed('database', 'json-00001')).toMatchObject({ organizationId: orgId, criticality: 'high', attributes: { engine: 'postgresql', port: 5432 } });
    expect(await ciNamed('virtual_machine', 'json-00002')).toMatchObject({ organizationId: orgId, status: 'test', description: 'VM number 2' });
    expect(await ciNamed('generic', 'json-00003')).toMatchObject({ organizationId: null, supportTeam: null, attributes: { rack: 'R3', units: 2 } });
    // Created attribute by attribute, by the importer.
    const history = await historyRows(server!.id);
    expect(history.map((h) => [h.action, h.attribute, h.newValue])).toEqual([
      ['created', 'class', 'server'],
      ['created', 'name', 'json-00000'],
      ['created', 'status', 'production'],
      ['created', 'criticality', 'medium'],
      ['created', 'organizationId', orgId],
      ['created', 'supportTeam', 'unix'],
      ['created', 'attributes.cpuCount', 4],
      ['created', 'attributes.ipAddresses', ['10.0.0.0']],
      ['created', 'attributes.os', 'Debian'],
    ]);
    expect(history.every((h) => h.actor.startsWith('configuration_manager-'))).toBe(true);
  });

  it('reports the same rows unchanged when imported again, writing nothing', async () => {
    const historyBefore = await stack.db.$count(cmdbHistory);
    const result = await timed('JSON import, unchanged', ROWS, () => importJson({ rows }));
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: good, failed: 9 });
    expect(await stack.db.$count(cmdbHistory)).toBe(historyBefore);
  });

  it('updates what a row names, keeps what it leaves out, merges attributes, and records old and new', async () => {
    const before = (await ciNamed('server', 'json-00000'))!;
    const result = await timed('JSON import, changes', ROWS, () =>
      importJson({
        rows: rows.map((row, i) => (i === 0 ? { class: 'server', name: 'json-00000', criticality: 'high', supportTeam: null, attributes: { os: null, memoryGb: 128 } } : row)),
      }),
    );
    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: good - 1, failed: 9 });
    const after = (await ciNamed('server', 'json-00000'))!;
    expect(after).toMatchObject({ id: before.id, criticality: 'high', supportTeam: null, status: 'production', organizationId: orgId, attributes: { cpuCount: 4, ipAddresses: ['10.0.0.0'], memoryGb: 128 } });
    expect(after.attributes).not.toHaveProperty('os');
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    const updates = (await historyRows(before.id)).filter((h) => h.action === 'updated');
    expect(updates.map((h) => [h.attribute, h.oldValue, h.newValue])).toEqual([
      ['criticality', 'medium', 'high'],
      ['supportTeam', 'unix', null],
      ['attributes.memoryGb', null, 128],
      ['attributes.os', 'Debian', null],
    ]);
  });

  it('checks and counts without writing on a dry run', async () => {
    const historyBefore = await stack.db.$count(cmdbHistory);
    const result = await importJson(
      {
        rows: [
          { class: 'server', name: 'json-00000', status: 'retired' },
          { class: 'server', name: 'dry-new' },
          { class: 'server', name: 'dry-bad', attributes: { cpuCount: -1 } },
        ],
      },
      '?dryRun=true',
    );
    expect(result.body).toEqual({
      dryRun: true,
      created: 1,
      updated: 1,
      unchanged: 0,
      failed: 1,
      errors: [{ row: 3, field: 'attributes.cpuCount', message: expect.any(String) }],
    });
    expect((await ciNamed('server', 'json-00000'))!.status).toBe('production');
    expect(await ciNamed('server', 'dry-new')).toBeUndefined();
    expect(await stack.db.$count(cmdbHistory)).toBe(historyBefore);
    expectProblem(await importJson({ rows: [{ class: 'server', name: 'x' }] }, '?dryRun=maybe'), 400, 'query.dryRun');
  });

  it('fails every row of a name given 10,000 times, each naming a few of the others (found by schemathesis: it ran out of memory)', async () => {
    const result = await importJson({ rows: Array.from({ length: 10_000 }, () => ({ class: 'server', name: 'same-name' })) }, '?dryRun=true');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ created: 0, failed: 10_000 });
    expect(result.body.errors[0]).toEqual({ row: 1, field: 'name', message: 'server same-name is also on rows 2, 3, 4, 5, 6 and 9994 more' });
  });

  it('refuses a body that is not { rows: [...] } as a whole', async () => {
    expectProblem(await importJson([{ class: 'server', name: 'bare-array' }]), 400, '(body)');
    expectProblem(await importJson({ rows: [] }), 400, 'rows');
    expectProblem(await importJson({ rows: [{ class: 'server', name: 'x' }], mode: 'replace' }), 400, 'mode');
    expectProblem(await importJson({ rows: Array.from({ length: 10_001 }, () => ({})) }), 400, 'rows');
    expectProblem(await stack.api('POST', `${BASE}/cis/import`, { token: manager, body: '{"rows": [', headers: { 'content-type': 'application/json' } }), 400, '(body)');
    // Text PostgreSQL cannot store is refused for the whole JSON request, as on every route, before any row is looked at.
    expectProblem(await importJson({ rows: [{ class: 'server', name: 'nul\u0000' }] }), 400, 'rows.0.name');
    expect(await ciNamed('server', 'bare-array')).toBeUndefined();
  });
});

describe('importing CSV', () => {
  const HEADER = 'class,name,status,criticality,organization,supportTeam,description,attributes.cpuCount,attributes.memoryGb,attributes.ipAddresses,attributes.engine,attributes.port,attributes.rack';
  function goodLine(i: number): string {
    const name = `csv-${String(i).padStart(5, '0')}`;
    switch (i % 3) {
      case 0:
        return `server,${name},production,,Acme Corp,unix,"Web node, rack ${i % 9}",${2 + (i % 6)},16.5,10.1.${i % 250}.1;10.2.${i % 250}.1,,,`;
      case 1:
        return `database,${name},test,high,ACME,dba,Orders and invoices of the web shop; replicated to the second site every night,,,,mysql,3306,`;
      default:
        return `generic,${name},,,,,"two\nlines",,,,,,U${i % 42}`;
    }
  }
  const bad: Record<number, [string, string]> = {
    5: ['server,csv-bad-cpu,,,,,,lots,,,,,', 'attributes.cpuCount'],
    15: ['server,csv-bad-nul,,,,,"has \u0000 NUL",,,,,,', 'description'],
    25: ['server,csv-bad-cells,production', '(row)'],
    35: ['server,csv-bad-org,,,Nowhere Ltd,,,,,,,,', 'organization'],
    45: ['database,csv-bad-db,,,,,,,,,,5432,', 'attributes.engine'],
    55: ['server,csv-bad-ip,,,,,,,,10.0.0.1;1.2.3,,,', 'attributes.ipAddresses.1'],
    65: ['server,csv-twice,,,,,,,,,,,', 'name'],
    66: ['server,csv-twice,retired,,,,,,,,,,', 'name'],
    75: ['generic,csv-bad-status,broken,,,,,,,,,,', 'status'],
  };
  const lines = Array.from({ length: ROWS }, (_, i) => bad[i]?.[0] ?? goodLine(i));
  const csv = `\ufeff${HEADER}\r\n${lines.join('\r\n')}\r\n`;
  const good = ROWS - Object.keys(bad).length;

  it('writes every good row with cells parsed by the class, reports every bad one, and writes nothing of it', async () => {
    expect(Buffer.byteLength(csv)).toBeGreaterThan(256 * 1024);
    const result = await timed('CSV import, new CIs', ROWS, () => importCsv(csv));
    expect(result).toMatchObject({ dryRun: false, created: good, updated: 0, unchanged: 0, failed: Object.keys(bad).length });
    for (const [i, [, field]] of Object.entries(bad)) {
      expect(result.errors, `row ${Number(i) + 1}`).toEqual(expect.arrayContaining([{ row: Number(i) + 1, field, message: expect.any(String) }]));
    }
    expect(result.errors.find((e: any) => e.field === 'description').message).toContain('NUL');

    expect(await stack.db.$count(cis, like(cis.name, 'csv-0%'))).toBe(good);
    expect(await stack.db.$count(cis, like(cis.name, 'csv-bad%'))).toBe(0);
    expect(await stack.db.$count(cis, eq(cis.name, 'csv-twice'))).toBe(0);
    expect(await ciNamed('server', 'csv-00000')).toMatchObject({
      status: 'production',
      criticality: 'medium',
      organizationId: orgId,
      supportTeam: 'unix',
      description: 'Web node, rack 0',
      attributes: { cpuCount: 2, memoryGb: 16.5, ipAddresses: ['10.1.0.1', '10.2.0.1'] },
    });
    expect(await ciNamed('database', 'csv-00001')).toMatchObject({ status: 'test', criticality: 'high', organizationId: orgId, attributes: { engine: 'mysql', port: 3306 } });
    // A generic CI's cells stay text; empty cells of other classes' columns are not its attributes.
    expect(await ciNamed('generic', 'csv-00002')).toMatchObject({ description: 'two\nlines', organizationId: null, attributes: { rack: 'U2' } });
  });

  it('reports the same file unchanged when imported again', async () => {
    const result = await timed('CSV import, unchanged', ROWS, () => importCsv(csv));
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: good, failed: Object.keys(bad).length });
  });

  it('lets an empty cell clear a field or remove an attribute, and leaves columns it lacks alone', async () => {
    const before = (await ciNamed('server', 'csv-00000'))!;
    const result = await importCsv('class,name,supportTeam,description,attributes.memoryGb,criticality\nserver,csv-00000,,,,\n');
    expect(result.body).toMatchObject({ updated: 1, failed: 0 });
    const after = (await ciNamed('server', 'csv-00000'))!;
    expect(after).toMatchObject({ supportTeam: null, description: '', criticality: 'medium', status: 'production', organizationId: orgId, attributes: { cpuCount: 2, ipAddresses: ['10.1.0.1', '10.2.0.1'] } });
    expect(after.attributes).not.toHaveProperty('memoryGb');
    const updates = (await historyRows(before.id)).filter((h) => h.action === 'updated');
    expect(updates.map((h) => [h.attribute, h.oldValue, h.newValue])).toEqual([
      ['supportTeam', 'unix', null],
      ['description', 'Web node, rack 0', null],
      ['attributes.memoryGb', 16.5, null],
    ]);
  });

  it('refuses a file it cannot read or a header it does not know as a whole', async () => {
    expectProblem(await importCsv('class,name,colour\nserver,x,red\n'), 400, 'colour');
    expectProblem(await importCsv('class,status\nserver,production\n'), 400, 'name');
    expectProblem(await importCsv('class,name,name\nserver,x,y\n'), 400, 'name');
    expectProblem(await importCsv('class,name,attributes.bad key\nserver,x,1\n'), 400, 'attributes.bad key');
    expectProblem(await importCsv('class,name\nserver,"unclosed\n'), 400, '(body)');
    expectProblem(await importCsv('class,name\n'), 400, '(body)');
    expectProblem(await importCsv(''), 400, '(body)');
    expect(await ciNamed('server', 'x')).toBeUndefined();
  });
});

describe('the import route', () => {
  it('takes JSON or CSV only, up to 10 MiB, from configuration managers and admins only', async () => {
    const plain = await stack.api('POST', `${BASE}/cis/import`, { token: manager, body: 'class,name\nserver,x\n', headers: { 'content-type': 'text/plain' } });
    expectProblem(plain, 415);
    const huge = `class,name\n${'server,too-big\n'.repeat(Math.ceil((10 * 1024 * 1024) / 15) + 10)}`;
    expectProblem(await importCsv(huge), 413);
    for (const roles of [['agent'], ['end_user'], ['service_manager']] as const) {
      const { token } = await stack.user([...roles]);
      expectProblem(await importCsv('class,name\nserver,forbidden-import\n', '', token), 403);
    }
    expect((await importCsv('class,name\nserver,admin-import\n', '', stack.adminToken)).body).toMatchObject({ created: 1 });
    expect(await ciNamed('server', 'forbidden-import')).toBeUndefined();
  });
});
