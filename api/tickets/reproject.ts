import { defaultPayloadConverter } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, inArray, notInArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { writeTicketBatch, type TicketBatch } from '../../db/readModel';
import { tickets } from '../../db/schema';
import { toStorable } from '../../domain/text';
import type { TicketEvent, TicketView } from '../../domain/ticket';
import { TICKET_STATUS } from '../../workflows/kernel/searchAttributes';
import { LIFECYCLES, FINAL_STATUSES } from '../../domain/lifecycles';
import { liveView } from './workflows';

export interface Reprojection {
  number: string;
  /** Runs of the workflow whose histories were read, newest first. */
  runs: number;
  events: number;
  /** False when older runs' histories are gone (past retention): their events stay as the read model has them. */
  complete: boolean;
  status: string;
}

/** The projection batches a run scheduled, in order: what it told the read model. */
async function batchesOf(temporal: Client, number: string, runId: string): Promise<{ batches: TicketBatch[]; previousRun: string | null }> {
  const history = await temporal.workflow.getHandle(number, runId).fetchHistory();
  const batches: TicketBatch[] = [];
  let previousRun: string | null = null;
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started?.continuedExecutionRunId) previousRun = started.continuedExecutionRunId;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'projectTicket' && scheduled.input?.payloads?.[0]) {
      batches.push(defaultPayloadConverter.fromPayload<TicketBatch>(scheduled.input.payloads[0]));
    }
  }
  return { batches, previousRun };
}

/**
 * Rebuilds a ticket's row, links and events in the read model from its
 * workflow: the live view (or the last one projected, if the workflow has
 * ended) and every event its runs sent to the projection, walking the chain
 * of continue-as-new back as far as Temporal still keeps it. Events already
 * stored are kept; one stored with other content is refused (another lineage).
 */
export async function reprojectTicket(db: Database, temporal: Client, number: string): Promise<Reprojection | null> {
  let runId: string;
  try {
    runId = (await temporal.workflow.getHandle(number).describe()).runId;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
  const events = new Map<string, TicketEvent>();
  let lastView: TicketView | null = null;
  let runs = 0;
  let complete = true;
  for (let run: string | null = runId; run !== null; runs++) {
    let read: Awaited<ReturnType<typeof batchesOf>>;
    try {
      read = await batchesOf(temporal, number, run);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      complete = false;
      break;
    }
    for (const batch of read.batches) for (const event of batch.events) if (!events.has(event.id)) events.set(event.id, event);
    lastView ??= read.batches.at(-1)?.view ?? null;
    run = read.previousRun;
  }
  const view = (await liveView(temporal, number).catch(() => null)) ?? lastView;
  if (!view) return null;
  const ordered = [...events.values()].sort((a, b) => a.seq - b.seq);
  await writeTicketBatch(db, toStorable({ view, events: ordered, notifications: [] }), { replace: true });
  return { number, runs, events: ordered.length, complete, status: view.status };
}

export interface Drift {
  number: string;
  temporal: string | null;
  readModel: string | null;
}

/**
 * Finds tickets whose read model disagrees with Temporal (where ticket type
 * and status are search attributes): every running ticket workflow against
 * its row (missing, or another status), and every
 * row the read model holds open whose workflow no longer runs. With `repair`,
 * each is reprojected.
 */
export async function reconcile(
  db: Database,
  temporal: Client,
  taskQueue: string,
  { repair = false } = {},
): Promise<{ checked: number; drift: (Drift & { repaired?: Reprojection | null })[] }> {
  const running = new Map<string, string | null>();
  const types = Object.values(LIFECYCLES).map((l) => `'${l.workflowType}'`);
  // This deployment's tickets: those on its task queue.
  const query = `ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replaceAll("'", "''")}' AND WorkflowType IN (${types.join(', ')})`;
  for await (const execution of temporal.workflow.list({ query })) {
    // Runs begun on kernel v1 carry no search attributes: their workflow says.
    const status = execution.typedSearchAttributes.get(TICKET_STATUS) ?? (await liveView(temporal, execution.workflowId).catch(() => null))?.status ?? null;
    running.set(execution.workflowId, status);
  }
  const numbers = [...running.keys()];
  const rows = numbers.length ? await db.select({ number: tickets.number, status: tickets.status }).from(tickets).where(inArray(tickets.number, numbers)) : [];
  const stored = new Map(rows.map((r) => [r.number, r.status]));
  const drift: Drift[] = numbers.filter((n) => stored.get(n) !== running.get(n)).map((n) => ({ number: n, temporal: running.get(n) ?? null, readModel: stored.get(n) ?? null }));

  // Open in the read model, not running in Temporal: the workflow ended without its last projection.
  const openRows = await db
    .select({ number: tickets.number, status: tickets.status })
    .from(tickets)
    .where(and(notInArray(tickets.status, FINAL_STATUSES), numbers.length ? notInArray(tickets.number, numbers) : undefined));
  for (const row of openRows) drift.push({ number: row.number, temporal: null, readModel: row.status });

  if (!repair) return { checked: numbers.length + openRows.length, drift };
  const repaired = [];
  for (const d of drift) repaired.push({ ...d, repaired: await reprojectTicket(db, temporal, d.number) });
  return { checked: numbers.length + openRows.length, drift: repaired };
}
