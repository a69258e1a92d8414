import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historiesDir, historyVersions, loadHistories, recordingTarget } from '../helpers/replay';

/** The rules of test/fixtures/histories: a folder per version, append-only, unreplayable histories ignored with a reason. */
describe('recorded history folders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tempodesk-histories-'));
    await cp(path.join(historiesDir, 'v1'), path.join(dir, 'v1'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists versions in numeric order', async () => {
    await mkdir(path.join(dir, 'v10'));
    await mkdir(path.join(dir, 'v2'));
    expect(await historyVersions(dir)).toEqual(['v1', 'v2', 'v10']);
  });

  it('refuses histories outside a version folder', async () => {
    await writeFile(path.join(dir, 'incident-x.json'), '{}');
    await expect(historyVersions(dir)).rejects.toThrow(/incident-x.json .*belong in a version folder/);
    await rm(path.join(dir, 'incident-x.json'));
    await mkdir(path.join(dir, 'latest'));
    await expect(historyVersions(dir)).rejects.toThrow(/latest .*belong in a version folder/);
  });

  it('ignores, with the reason, a history that never completed a workflow task', async () => {
    const full = JSON.parse(await readFile(path.join(dir, 'v1', 'incident-parent.json'), 'utf8'));
    const firstCompleted = full.events.findIndex((e: { eventType: string }) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
    await mkdir(path.join(dir, 'v2'));
    await writeFile(path.join(dir, 'v2', 'incident-just-started.json'), JSON.stringify({ events: full.events.slice(0, firstCompleted) }));
    const { histories, ignored } = await loadHistories(dir);
    expect(ignored).toEqual([{ workflowId: 'v2/incident-just-started', reason: expect.stringMatching(/never completed a workflow task/) }]);
    expect(histories.map((h) => h.workflowId)).toContain('v1/incident-parent');
    expect(histories.every((h) => h.version === 'v1')).toBe(true);
  });

  it('records a new version into its own folder', async () => {
    expect(await recordingTarget({ version: 'v2' }, dir)).toEqual({ version: 'v2', folder: path.join(dir, 'v2'), replaces: [] });
  });

  it('refuses to overwrite a recorded version unless --refresh names it', async () => {
    await expect(recordingTarget({ version: 'v1' }, dir)).rejects.toThrow(/append-only.*--version v2.*--refresh v1/);
    await expect(recordingTarget({ version: 'v1', refresh: 'v2' }, dir)).rejects.toThrow(/does not name the version/);
    const refresh = await recordingTarget({ version: 'v1', refresh: 'v1' }, dir);
    expect(refresh.folder).toBe(path.join(dir, 'v1'));
    expect(refresh.replaces).toContain('incident-parent.json');
  });

  it('needs a version name of the form vN', async () => {
    await expect(recordingTarget({}, dir)).rejects.toThrow(/--version v2/);
    await expect(recordingTarget({ version: 'latest' }, dir)).rejects.toThrow(/not a version folder name/);
  });
});
