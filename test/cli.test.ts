import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client';
import { userByToken } from '../db/people';
import { openTestDatabase } from './helpers/database';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');

/** The `tempodesk` command, as an administrator runs it: a separate process on the configured database. */
describe('tempodesk CLI', () => {
  let dataDir: string;
  // On PostgreSQL, a throwaway database; on PGlite, the one in the CLI's data directory.
  let database: Awaited<ReturnType<typeof openTestDatabase>> | null = null;
  const env = () => ({ ...process.env, TEMPODESK_DATA_DIR: dataDir, LOG_LEVEL: 'error' as const, DATABASE_URL: database?.url ?? '' });
  const tempodesk = (...args: string[]) => run(tsx, ['cli/index.ts', ...args], { env: env() });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tempodesk-cli-'));
    if (process.env.DATABASE_URL) database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('adds a user and prints a token that authenticates them', async () => {
    const { stdout } = await tempodesk('users', 'add', '--email', 'Ops@Example.com', '--name', 'Ops', '--role', 'agent', '--role', 'approver');
    const token = stdout.trim();
    expect(token).toMatch(/^tdk_/);
    const handle = database ?? (await openDatabase({ pgliteDir: path.join(dataDir, 'pglite') }));
    try {
      expect(await userByToken(handle.db, token)).toMatchObject({ email: 'ops@example.com', roles: ['agent', 'approver'] });
    } finally {
      if (handle !== database) await handle.close();
    }
    // A second token for the same user.
    const second = (await tempodesk('tokens', 'add', '--email', 'ops@example.com')).stdout.trim();
    expect(second).toMatch(/^tdk_/);
    expect(second).not.toBe(token);
  }, 120_000);

  it('explains each command with --help and exits 0', async () => {
    for (const args of [['--help'], ['start', '--help'], ['api', '--help'], ['worker', '--help'], ['migrate', '--help'], ['users', 'add', '--help'], ['tokens', 'add', '--help'], ['help', 'start']]) {
      const { stdout } = await tempodesk(...args);
      const command = args[0] === 'help' ? args[1] : args[0];
      expect(stdout, args.join(' ')).toContain(command === '--help' ? 'tempodesk <command>' : `tempodesk ${command}`);
    }
    const unknown = await tempodesk('nonsense', '--help').catch((e: { code: number; stdout: string }) => e);
    expect(unknown).toMatchObject({ code: 1, stdout: expect.stringContaining('tempodesk <command>') });
  }, 60_000);

  it('refuses an unknown role and a duplicate user with a message, not a stack', async () => {
    const bad = await tempodesk('users', 'add', '--email', 'x@example.com', '--role', 'wizard').catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain('unknown role wizard');
    const duplicate = await tempodesk('users', 'add', '--email', 'ops@example.com', '--role', 'agent').catch((e: { code: number; stderr: string }) => e);
    expect(duplicate).toMatchObject({ code: 1 });
    expect((duplicate as { stderr: string }).stderr).toContain('already exists');
    expect((duplicate as { stderr: string }).stderr).not.toContain('    at ');
  }, 120_000);
});
