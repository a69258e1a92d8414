import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'histories');

async function recordedHistories() {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: JSON.parse(await readFile(path.join(dir, file), 'utf8')) as unknown })),
  );
}

async function replay(options: ReplayWorkerOptions) {
  const results = [];
  for await (const result of Worker.runReplayHistories(options, await recordedHistories())) results.push(result);
  return results;
}

/**
 * Process designers change workflow code while tickets are open: every
 * recorded history must still replay on today's code (DESIGN.md, Changing
 * process code safely). Refresh with `npm run record-histories` only when a
 * change of behaviour is intended and patched.
 */
describe('recorded histories replay on the current workflow code', () => {
  it('has histories of finished, open and continued-as-new incidents', async () => {
    const names = (await recordedHistories()).map((h) => h.workflowId);
    expect(names).toEqual(expect.arrayContaining(['incident-open-pending', 'incident-parent', 'incident-child']));
    expect(names.some((n) => n.endsWith('-run2'))).toBe(true);
  });

  it('replays every history without a nondeterminism error', async () => {
    const results = await replay({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'current' });
    expect(results.length).toBeGreaterThanOrEqual(8);
    for (const result of results) expect(result.error, result.workflowId).toBeUndefined();
  });

  it('catches an incompatible change to the process code', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/divergent-workflows.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const results = await replay({ workflowBundle: bundle, replayName: 'divergent' });
    const violations = results.filter((r) => r.error?.name === 'DeterminismViolationError');
    // Every history that got past its first workflow task diverges at the new timer.
    expect(violations.length).toBeGreaterThanOrEqual(results.length - 2);
    expect(violations.length).toBeGreaterThanOrEqual(8);
  });
});
