import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { workflowsPath } from '../worker';
import { acceptedChanges } from './fixtures/accepted-changes';
import {
  describeDivergence,
  historyVersions,
  loadHistories,
  recordedActivities,
  replay,
  replaySemantically,
} from './helpers/replay';

const fixture = (file: string) => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
const failures = (results: { workflowId: string; error?: Error }[]) => results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`);
const { histories, ignored } = await loadHistories();

/**
 * Process designers change workflow code while tickets are open: every
 * history recorded on every version of the code (test/fixtures/histories/vN)
 * must still replay on today's code, deciding the same commands and projecting
 * the same tickets (DESIGN.md, Changing process code safely). Record a new
 * version with `npm run record-histories -- --version vN`; incompatible
 * changes use patched().
 */
describe('recorded histories replay on the current workflow code', () => {
  it('leaves out only histories that never completed a workflow task (they record no decision to replay)', () => {
    for (const { workflowId, reason } of ignored) expect(reason, workflowId).toMatch(/^never completed a workflow task/);
    expect(histories.length).toBeGreaterThan(ignored.length);
  });

  it('has histories of finished, open and continued-as-new incidents for every version', async () => {
    const versions = await historyVersions();
    expect(versions[0]).toBe('v1');
    for (const version of versions) expect(histories.some((h) => h.version === version), `${version} has no replayable history`).toBe(true);
    const v1 = histories.filter((h) => h.version === 'v1').map((h) => h.workflowId);
    expect(v1).toEqual(expect.arrayContaining(['v1/incident-open-pending', 'v1/incident-parent', 'v1/incident-child']));
    expect(v1.some((n) => n.endsWith('-run2'))).toBe(true);
  });

  it('replays every history without a nondeterminism error', async () => {
    const results = await replay(histories, { workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'current' });
    expect(results.map((r) => r.workflowId)).toEqual(histories.map((h) => h.workflowId));
    expect(failures(results)).toEqual([]);
  });

  it('gives every activity the input its history recorded, but for changes accepted on purpose (semantic replay)', { timeout: 120_000 }, async () => {
    const { results, divergences, unused } = await replaySemantically(histories, { workflowsPath, accepted: acceptedChanges });
    expect(failures(results)).toEqual([]);
    expect(divergences.map(describeDivergence)).toEqual([]);
    expect(unused.map((a) => `no longer explains anything: ${a.change}`)).toEqual([]);
  });

  it('catches an incompatible change to the process code', { timeout: 120_000 }, async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('divergent-workflows.ts'), logger: quietLogger });
    const results = await replay(histories, { workflowBundle: bundle, replayName: 'divergent' });
    const violations = results.filter((r) => r.error?.name === 'DeterminismViolationError');
    // Every history that starts by projecting a new ticket diverges at the new timer.
    const created = histories.filter((h) => startsWithProjection(h.history)).map((h) => h.workflowId);
    expect(created.length).toBeGreaterThanOrEqual(5);
    expect(violations.map((v) => v.workflowId)).toEqual(expect.arrayContaining(created));
  });

  it('catches a change of state that keeps the commands, which determinism alone lets through', { timeout: 120_000 }, async () => {
    const { results, divergences } = await replaySemantically(histories, {
      workflowsPath: fixture('state-divergent-workflows.ts'),
      accepted: acceptedChanges,
      replayName: 'state-divergent',
    });
    expect(failures(results)).toEqual([]);
    // Every history that gave an activity the ticket's title (the projection carries its view).
    const projecting = histories.filter((h) => JSON.stringify(recordedActivities(h.history)).includes('"title"'));
    expect(projecting.length).toBeGreaterThanOrEqual(8);
    expect(divergences.map((d) => d.workflowId)).toEqual(projecting.map((h) => h.workflowId));
    for (const d of divergences) expect(d.differences.join('; '), d.workflowId).toMatch(/\.title: .* → .*\(retitled\)/);
  });
});

/** True when the run's first scheduled activity is the projection of its creation (a first run, not a carried one). */
function startsWithProjection(history: Parameters<typeof recordedActivities>[0]): boolean {
  const [first] = recordedActivities(history);
  const batch = first?.args[0] as { events?: { kind: string }[] } | undefined;
  return first?.activityType === 'projectTicket' && batch?.events?.[0]?.kind === 'created';
}

const ignore = () => {};
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
