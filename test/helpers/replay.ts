/**
 * Replaying recorded histories (DESIGN.md, Changing process code safely).
 *
 * Histories live in test/fixtures/histories/<version>/, one folder per
 * version of the workflow code they were recorded on (v1, v2, …). A folder is
 * append-only: its histories guard the tickets opened on that code, and every
 * folder replays on today's code.
 *
 * Two checks:
 * - determinism: Temporal's own, the commands' types and order;
 * - semantics: what the code gives each activity it schedules must equal the
 *   input recorded in the history (the projectTicket activity carries the
 *   ticket's view, so a change of state shows even when the commands match).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker, type InjectedSinks, type ReplayResult, type ReplayWorkerOptions } from '@temporalio/worker';
import type { ReplayProbeSinks } from '../fixtures/replay-interceptors';

export const historiesDir = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
const replayInterceptors = fileURLToPath(new URL('../fixtures/replay-interceptors.ts', import.meta.url));

/** A version folder's name: v1, v2, … */
export const VERSION_NAME = /^v[1-9][0-9]*$/;

export interface RecordedHistory {
  /** `<version>/<file name without .json>`: the replay's workflow ID and how failures are named. */
  workflowId: string;
  version: string;
  history: History;
}

export interface IgnoredHistory {
  workflowId: string;
  reason: string;
}

/** The version folders, oldest first. Histories outside a version folder are an error: nobody would know what they guard. */
export async function historyVersions(dir = historiesDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const stray = entries.filter((e) => (e.isFile() && e.name.endsWith('.json')) || (e.isDirectory() && !VERSION_NAME.test(e.name)));
  if (stray.length) {
    const names = stray.map((e) => e.name).join(', ');
    throw new Error(`${names} in ${dir}: histories belong in a version folder v1, v2, … (npm run record-histories -- --version vN)`);
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** True when a workflow task completed: before that the history records no decision of the code, and there is nothing to replay. */
export function completedWorkflowTask(history: History): boolean {
  return (history.events ?? []).some((e) => e.workflowTaskCompletedEventAttributes);
}

/** Every history of every version, and those that cannot be replayed with the reason why. */
export async function loadHistories(dir = historiesDir): Promise<{ histories: RecordedHistory[]; ignored: IgnoredHistory[] }> {
  const histories: RecordedHistory[] = [];
  const ignored: IgnoredHistory[] = [];
  for (const version of await historyVersions(dir)) {
    const files = (await readdir(path.join(dir, version))).filter((f) => f.endsWith('.json')).sort();
    for (const file of files) {
      const workflowId = `${version}/${file.replace(/\.json$/, '')}`;
      const history = historyFromJSON(JSON.parse(await readFile(path.join(dir, version, file), 'utf8')));
      if (completedWorkflowTask(history)) histories.push({ workflowId, version, history });
      else ignored.push({ workflowId, reason: 'never completed a workflow task, so it records no decision of the code to replay' });
    }
  }
  return { histories, ignored };
}

/** Replays the histories with Temporal's determinism check; one result per history, in order. */
export async function replay(histories: RecordedHistory[], options: ReplayWorkerOptions): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) results.push(result);
  return results;
}

export interface ActivityCall {
  activityType: string;
  args: unknown[];
}

/** The activities a history records as scheduled, in order, with their decoded inputs. */
export function recordedActivities(history: History): ActivityCall[] {
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (!scheduled) return [];
    const payloads = scheduled.input?.payloads ?? [];
    return [{ activityType: scheduled.activityType?.name ?? '', args: payloads.map((p) => defaultPayloadConverter.fromPayload(p)) }];
  });
}

/**
 * True when the history ends inside a workflow task that did not complete:
 * replay runs that task's code, but its commands were never recorded.
 */
function endsInOpenWorkflowTask(history: History): boolean {
  const workflowTasks = (history.events ?? []).filter(
    (e) =>
      e.workflowTaskScheduledEventAttributes ||
      e.workflowTaskStartedEventAttributes ||
      e.workflowTaskCompletedEventAttributes ||
      e.workflowTaskFailedEventAttributes ||
      e.workflowTaskTimedOutEventAttributes,
  );
  const last = workflowTasks[workflowTasks.length - 1];
  return Boolean(last?.workflowTaskScheduledEventAttributes || last?.workflowTaskStartedEventAttributes);
}

export interface SemanticDivergence {
  workflowId: string;
  /** Which scheduled activity (0-based, in history order) differs first. */
  activity: number;
  activityType: string;
  /** What differs, `path: recorded → replayed`, by path in the activity's arguments (the first few). */
  differences: string[];
}

/**
 * A difference of projected state that a change made on purpose, after the
 * histories of `versions` were recorded. Those folders are append-only, so
 * the change is declared here instead of re-recording them.
 */
export interface AcceptedChange {
  /** The version folders whose histories predate the change. */
  versions: string[];
  /** What changed and where (commit, reason). */
  change: string;
  /** The path of the difference in the activity's arguments, as divergences name it (`[0].view.title`). */
  path: RegExp;
  /** Whether this difference is the accepted one; any difference at `path` when omitted. */
  accepts?(recorded: unknown, replayed: unknown): boolean;
}

interface Difference {
  path: string;
  recorded: unknown;
  replayed: unknown;
}

/**
 * Compares what the code scheduled on replay with what the history recorded:
 * the same activities in the same order with equal inputs, but for the
 * accepted changes of the history's version. Activities scheduled in a
 * trailing workflow task that never completed have nothing recorded to
 * compare with and are let through. `used` counts each accepted change applied.
 */
export function compareActivities(
  { workflowId, version, history }: RecordedHistory,
  replayed: ActivityCall[],
  accepted: AcceptedChange[] = [],
  used = new Map<AcceptedChange, number>(),
): SemanticDivergence | null {
  const applicable = accepted.filter((a) => a.versions.includes(version));
  const recorded = recordedActivities(history);
  for (let i = 0; i < recorded.length; i++) {
    const want = recorded[i]!;
    const got = replayed[i];
    if (!got) return { workflowId, activity: i, activityType: want.activityType, differences: ['not scheduled on replay'] };
    if (got.activityType !== want.activityType) {
      return { workflowId, activity: i, activityType: want.activityType, differences: [`activity type: ${want.activityType} → ${got.activityType}`] };
    }
    const unexplained = diff(want.args, got.args).filter((d) => {
      const change = applicable.find((a) => a.path.test(d.path) && (a.accepts?.(d.recorded, d.replayed) ?? true));
      if (change) used.set(change, (used.get(change) ?? 0) + 1);
      return !change;
    });
    if (unexplained.length) {
      const differences = unexplained.slice(0, 6).map((d) => `${d.path || '(arguments)'}: ${brief(d.recorded)} → ${brief(d.replayed)}`);
      return { workflowId, activity: i, activityType: want.activityType, differences };
    }
  }
  if (replayed.length > recorded.length && !endsInOpenWorkflowTask(history)) {
    const extra = replayed[recorded.length]!;
    return { workflowId, activity: recorded.length, activityType: extra.activityType, differences: ['scheduled on replay, never recorded'] };
  }
  return null;
}

export const describeDivergence = (d: SemanticDivergence) =>
  `${d.workflowId}: activity #${d.activity} (${d.activityType}) differs: ${d.differences.join('; ')}`;

/**
 * Replays the histories on the workflows at `workflowsPath` with the replay
 * probe installed, and compares each history's scheduled activity inputs.
 * `results` are Temporal's determinism verdicts, `divergences` the semantic
 * ones (at most one per history: its first differing activity), `unused` the
 * accepted changes that explained nothing.
 */
export async function replaySemantically(
  histories: RecordedHistory[],
  { workflowsPath, accepted = [], replayName = 'semantic' }: { workflowsPath: string; accepted?: AcceptedChange[]; replayName?: string },
): Promise<{ results: ReplayResult[]; divergences: SemanticDivergence[]; unused: AcceptedChange[] }> {
  const scheduled = new Map<string, ActivityCall[]>();
  const sinks: InjectedSinks<ReplayProbeSinks> = {
    replayProbe: {
      activityScheduled: {
        fn(info, activityType, argsJson) {
          const calls = scheduled.get(info.workflowId) ?? [];
          calls.push({ activityType, args: JSON.parse(argsJson) as unknown[] });
          scheduled.set(info.workflowId, calls);
        },
        callDuringReplay: true,
      },
    },
  };
  const results = await replay(histories, {
    workflowsPath,
    interceptors: { workflowModules: [replayInterceptors] },
    sinks,
    replayName,
  });
  const used = new Map<AcceptedChange, number>();
  const divergences = histories
    .map((h) => compareActivities(h, scheduled.get(h.workflowId) ?? [], accepted, used))
    .filter((d): d is SemanticDivergence => d !== null);
  return { results, divergences, unused: accepted.filter((a) => !used.has(a)) };
}

/** Every leaf where two JSON values differ. */
function diff(recorded: unknown, replayed: unknown, path = '', out: Difference[] = []): Difference[] {
  if (isDeepStrictEqual(recorded, replayed)) return out;
  const container = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (container(recorded) && container(replayed) && Array.isArray(recorded) === Array.isArray(replayed)) {
    for (const key of new Set([...Object.keys(recorded), ...Object.keys(replayed)])) {
      diff(recorded[key], replayed[key], Array.isArray(recorded) ? `${path}[${key}]` : `${path}.${key}`, out);
    }
  } else {
    out.push({ path, recorded, replayed });
  }
  return out;
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export interface RecordingTarget {
  version: string;
  folder: string;
  /** The histories a refresh replaces (empty for a new version). */
  replaces: string[];
}

/**
 * Where `npm run record-histories` may write. A version's folder is
 * append-only: recording into one that holds histories is refused unless
 * `--refresh` names that same version. Other versions are never touched.
 */
export async function recordingTarget({ version, refresh }: { version?: string; refresh?: string }, dir = historiesDir): Promise<RecordingTarget> {
  const versions = await historyVersions(dir);
  const next = `v${versions.length ? Number(versions[versions.length - 1]!.slice(1)) + 1 : 1}`;
  const name = version ?? refresh;
  if (!name) throw new Error(`name the version to record: --version ${next} (recorded so far: ${versions.join(', ') || 'none'})`);
  if (version && refresh && version !== refresh) {
    throw new Error(`--refresh ${refresh} does not name the version being recorded (${version}): a refresh replaces that version's histories only`);
  }
  if (!VERSION_NAME.test(name)) throw new Error(`"${name}" is not a version folder name (v1, v2, …)`);
  const folder = path.join(dir, name);
  const existing = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  if (existing.length && !refresh) {
    throw new Error(
      `${path.relative(process.cwd(), folder)} already holds ${existing.length} histories; they guard tickets opened on that code and are ` +
        `append-only. Record the new code as --version ${next}, or replace ${name}'s on purpose with --version ${name} --refresh ${name}`,
    );
  }
  return { version: name, folder, replaces: existing };
}
