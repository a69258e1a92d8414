import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../cli/temporal';
import { workflowsPath } from '../worker';
import { freePort } from '../cli/net';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/**
 * One real Temporal dev server for the whole run (in memory), and the
 * workflows bundled once. Continue-as-new is suggested after a few dozen
 * events, so every test exercises the carry-over that production only meets
 * on long-lived tickets.
 */
export default async function setup(project: TestProject) {
  const server = await startDevServer({
    port: await freePort(),
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'tempodesk-test-'));
  const bundlePath = path.join(dir, 'workflows.js');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  await writeFile(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

const ignore = () => {};
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: console.error };
