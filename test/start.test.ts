import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/net';
import { stopProcess } from '../cli/temporal';
import { eventually } from './helpers/eventually';

/**
 * `npm start` as a newcomer runs it: everything on one machine from a data
 * directory, stopped with Ctrl-C, started again with every ticket and timer
 * where it was.
 */
describe('npm start (all in one)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let running: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    output = '';
    // Its own process group, as a terminal gives it: Ctrl-C goes to the group.
    running = spawn(path.resolve('node_modules/.bin/tsx'), ['cli/index.ts', 'start'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.stdout!.on('data', (chunk) => (output += chunk));
    running.stderr!.on('data', (chunk) => (output += chunk));
    await eventually(() => expect(output).toContain('Tempodesk is running.'), { timeoutMs: 90_000, intervalMs: 250 });
  };
  const ctrlC = async () => {
    const child = running!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    running = null;
    return code;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tempodesk-start-'));
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      ...process.env,
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      TEMPODESK_ADMIN_TOKEN: '',
      TEMPODESK_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
    };
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (running) await stopProcess(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts everything, stops on Ctrl-C and finds tickets and timers after a restart', async () => {
    await start();
    const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    expect(output).toContain(`Admin token  ${token}`);
    expect(output).toContain(`${base}/docs`);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await fetch(`${base}/health`)).status).toBe(200);

    const target = { responseSeconds: 4, resolutionSeconds: null };
    const sla: any = await (
      await fetch(`${base}/api/v1/slas`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Four seconds', targets: { '1': target, '2': target, '3': target, '4': target, '5': target } }),
      })
    ).json();
    const created = await fetch(`${base}/api/v1/incidents`, { method: 'POST', headers, body: JSON.stringify({ title: 'Core switch down', impact: 1, urgency: 1, slaId: sla.id }) });
    expect(created.status).toBe(201);
    const { number } = (await created.json()) as { number: string };

    expect(await ctrlC()).toBe(0);
    expect(output).toContain('SIGINT: stopping');
    // Down past the response deadline: nobody is there to act on it.
    await new Promise((r) => setTimeout(r, 5000));

    await start();
    await eventually(async () => {
      const history: any = await (await fetch(`${base}/api/v1/incidents/${number}/history`, { headers })).json();
      // The workflow itself acted on the breach that fell due while everything was down.
      expect(history.items.map((e: { kind: string }) => e.kind)).toContain('sla_breached');
    }, { timeoutMs: 60_000 });
    const ticket: any = await (await fetch(`${base}/api/v1/incidents/${number}`, { headers })).json();
    expect(ticket).toMatchObject({ number, title: 'Core switch down', status: 'new', sla: { response: { breached: true } } });
    expect(await ctrlC()).toBe(0);
  }, 240_000);
});
