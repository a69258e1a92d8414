import { z } from 'zod';
import { decisionSchemas, type ApprovalRound, type ApproverGroup } from './approvals';
import type { TaskOrder, TaskTemplate } from './catalog';
import { LIMITS } from './incident';
import { numberPatternOf } from './numbering';
import { requiredText, storableString } from './text';

const emailSchema = z.email().max(LIMITS.email).transform((e) => e.toLowerCase());
const taskNumberSchema = z.string().regex(numberPatternOf('task'), 'must be a task number such as TSK000042');

/** One approval level of a request, as the API resolved it at submission: who, by what rule. */
export interface RequestLevel {
  group: ApproverGroup;
}

/** A fulfilment task of a request, as the request follows it. */
export interface RequestTask extends TaskTemplate {
  /** The task ticket running it now (a retry gets a new one); null until it starts. */
  number: string | null;
  status: 'waiting' | 'open' | 'in_progress' | 'complete' | 'failed' | 'cancelled';
  /** Why it failed, the last time. */
  failure: string | null;
}

/** What a service request knows beyond the common ticket fields. */
export interface RequestDetails {
  itemId: string;
  itemName: string;
  answers: Record<string, unknown>;
  cost: number;
  levels: RequestLevel[];
  /** Which level is being decided (0-based), or levels.length once all approved. */
  level: number;
  approval: ApprovalRound | null;
  approvalDueSeconds: number;
  /** Who hears of an overdue approval. */
  escalateTo: string[];
  tasks: RequestTask[];
  taskOrder: TaskOrder;
  /** Numbers the API took for the tasks, used in order as tasks start. */
  spareNumbers: string[];
  requester: string;
  question: string | null;
}

export const createRequestSchema = z.strictObject({
  itemId: z.uuid().meta({ description: 'The catalog item ordered' }),
  answers: z.record(z.string(), z.unknown()).default({}).meta({ description: "Answers to the item's form, by field key" }),
  requester: emailSchema.optional().meta({ description: 'Staff ordering on behalf of someone; end users order for themselves' }),
});

export const requestCommandSchemas = {
  assign: z
    .strictObject({ assignmentGroup: requiredText(LIMITS.name).optional(), assignee: emailSchema.optional() })
    .refine((p) => p.assignmentGroup !== undefined || p.assignee !== undefined, { message: 'give assignmentGroup, assignee or both', path: ['assignmentGroup'] }),
  ...decisionSchemas,
  cancel: z.strictObject({ reason: requiredText(LIMITS.text) }),
  ask: z.strictObject({ question: requiredText(LIMITS.text) }),
  answer: z.strictObject({ answer: requiredText(LIMITS.text) }),
  /** Runs a failed task again, as a new task ticket whose number the API takes. */
  'retry-task': z.strictObject({ task: z.string().min(1).max(40), number: taskNumberSchema }),
  close: z.strictObject({}),
  comment: z.strictObject({ body: requiredText(LIMITS.text), visibility: z.enum(['internal', 'public']).optional() }),
} as const;

export type RequestCommandPayloads = { [K in keyof typeof requestCommandSchemas]: z.infer<(typeof requestCommandSchemas)[K]> };

export const taskCommandSchemas = {
  assign: requestCommandSchemas.assign,
  start: z.strictObject({}),
  complete: z.strictObject({ notes: storableString().trim().max(LIMITS.text).default('') }),
  fail: z.strictObject({ reason: requiredText(LIMITS.text) }),
  comment: requestCommandSchemas.comment,
} as const;
