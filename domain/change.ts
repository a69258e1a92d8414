import { z } from 'zod';
import { approvalRuleSchema, decisionSchemas, type ApprovalRound } from './approvals';
import { CHANGE_TYPES, type ChangeType } from './changeLifecycle';
import { LIMITS, MAX_TICKET_CIS, levelSchema, problemNumberSchema } from './incident';
import { numberPatternOf } from './numbering';
import { requiredText, storableString } from './text';

export const changeNumberSchema = z.string().regex(numberPatternOf('change'), 'must be a change number such as CHG000042');
const emailSchema = z.email().max(LIMITS.email).transform((e) => e.toLowerCase());
const teamNameSchema = requiredText(LIMITS.name);
const planSchema = requiredText(LIMITS.description);
const instantSchema = z.iso.datetime({ offset: true }).meta({ description: 'An instant, ISO 8601 with a time zone' });
const ciIdsSchema = z
  .array(z.uuid())
  .max(MAX_TICKET_CIS)
  .refine((ids) => new Set(ids).size === ids.length, 'names a CI twice')
  .meta({ uniqueItems: true, description: 'Configuration items (CMDB ids) the change touches' });

export const RISKS = ['low', 'medium', 'high'] as const;
export const CHANGE_OUTCOMES = ['successful', 'failed'] as const;
/** The longest a CAB may be given to decide, and the shortest (tests, emergencies). */
const MAX_APPROVAL_SECONDS = 30 * 24 * 3600;

/** What a change knows beyond the common ticket fields. */
export interface ChangeDetails {
  changeType: ChangeType;
  risk: (typeof RISKS)[number];
  implementationPlan: string;
  backoutPlan: string;
  plannedStart: string;
  plannedEnd: string;
  /** What assessment found in the CMDB, as the API looked it up. */
  assessment: Assessment | null;
  approval: ApprovalRound | null;
  outcome: (typeof CHANGE_OUTCOMES)[number] | null;
  review: string | null;
  windowOpenedAt: string | null;
  overrunEscalated: boolean;
  /** Who are told of escalations (the change managers when the change opened). */
  changeManagers: string[];
  /** Who asked for the change: never one of its approvers. */
  requester: string;
}

export interface Assessment {
  assessedAt: string;
  impactedServices: { id: string; name: string; criticality: string }[];
  conflictingChanges: { number: string; title: string; plannedStart: string; plannedEnd: string }[];
  freezes: { id: string; name: string; startsAt: string; endsAt: string }[];
}

const windowFields = {
  plannedStart: instantSchema,
  plannedEnd: instantSchema,
};
const endsAfterStart = (w: { plannedStart?: string; plannedEnd?: string }) =>
  w.plannedStart === undefined || w.plannedEnd === undefined || Date.parse(w.plannedEnd) > Date.parse(w.plannedStart);

/** A change as its workflow takes it, whatever its type (a standard one filled in from its template). */
const changeFields = z.strictObject({
    changeType: z.enum(CHANGE_TYPES),
    title: requiredText(LIMITS.title),
    description: storableString().max(LIMITS.description).default(''),
    category: requiredText(LIMITS.category).optional(),
    impact: levelSchema,
    urgency: levelSchema,
    risk: z.enum(RISKS),
    ciIds: ciIdsSchema.default([]),
    serviceId: z.uuid().optional(),
    ...windowFields,
    implementationPlan: planSchema,
    backoutPlan: planSchema,
    assignmentGroup: teamNameSchema.optional().meta({ description: 'The implementing team' }),
    assignee: emailSchema.optional().meta({ description: 'The implementer' }),
    fixFor: problemNumberSchema.optional().meta({ description: 'The problem this change fixes: it is resolved when the change closes successfully' }),
});

export type CreateChange = z.infer<typeof changeFields>;

/** A normal or emergency change, stated in full. */
const requestedChange = changeFields.extend({ changeType: z.enum(['normal', 'emergency']) });

/** A standard change: a pre-approved template (its plans, risk, impact and urgency) applied to these CIs, in this window. */
const standardChange = changeFields
  .pick({ ciIds: true, serviceId: true, plannedStart: true, plannedEnd: true, assignmentGroup: true, assignee: true, fixFor: true, description: true, category: true })
  .extend({
    changeType: z.literal('standard'),
    templateId: z.uuid().meta({ description: 'The pre-approved change template (GET /api/v1/change-templates)' }),
    title: changeFields.shape.title.optional().meta({ description: "Default: the template's name" }),
  });

export const createChangeSchema = z
  .discriminatedUnion('changeType', [requestedChange, standardChange])
  .refine(endsAfterStart, { message: 'must be after plannedStart', path: ['plannedEnd'] });
export type StandardChangeRequest = z.infer<typeof standardChange>;

/** What raising a change from a problem takes: a normal or emergency change less what the problem gives it (title, impact and urgency, CIs and service, unless given). */
export const raiseChangeBody = requestedChange
  .omit({ fixFor: true })
  .extend({ title: changeFields.shape.title.optional(), impact: levelSchema.optional(), urgency: levelSchema.optional(), ciIds: ciIdsSchema.optional() })
  .refine(endsAfterStart, { message: 'must be after plannedStart', path: ['plannedEnd'] });

const assessmentSchema = z.strictObject({
  assessedAt: z.string(),
  impactedServices: z.array(z.strictObject({ id: z.string(), name: z.string(), criticality: z.string() })),
  conflictingChanges: z.array(z.strictObject({ number: z.string(), title: z.string(), plannedStart: z.string(), plannedEnd: z.string() })),
  freezes: z.array(z.strictObject({ id: z.string(), name: z.string(), startsAt: z.string(), endsAt: z.string() })),
});


const groupsSchema = z.array(z.strictObject({ name: z.string().min(1).max(LIMITS.name), members: z.array(z.string().max(LIMITS.email)).max(500), rule: approvalRuleSchema })).min(1).max(50);

/** Payloads of a change's commands as the workflow checks them; the API fills in what it looks up (assessment, approvers). */
export const changeCommandSchemas = {
  assign: z
    .strictObject({ assignmentGroup: teamNameSchema.optional(), assignee: emailSchema.optional() })
    .refine((p) => p.assignmentGroup !== undefined || p.assignee !== undefined, { message: 'give assignmentGroup, assignee or both', path: ['assignmentGroup'] }),
  assess: z.strictObject({ assessment: assessmentSchema }),
  'request-approval': z.strictObject({
    groups: groupsSchema,
    dueInSeconds: z.number().int().min(1).max(MAX_APPROVAL_SECONDS),
  }),
  ...decisionSchemas,
  'start-implementation': z.strictObject({}),
  complete: z.strictObject({ outcome: z.enum(CHANGE_OUTCOMES), notes: requiredText(LIMITS.text) }),
  close: z.strictObject({ review: requiredText(LIMITS.text).meta({ description: 'The post-implementation review' }) }),
  cancel: z.strictObject({ reason: requiredText(LIMITS.text) }),
  comment: z.strictObject({ body: requiredText(LIMITS.text), visibility: z.enum(['internal', 'public']).optional() }),
  update: z
    .strictObject({
      title: requiredText(LIMITS.title).optional(),
      description: storableString().max(LIMITS.description).optional(),
      risk: z.enum(RISKS).optional(),
      implementationPlan: planSchema.optional(),
      backoutPlan: planSchema.optional(),
      plannedStart: instantSchema.optional(),
      plannedEnd: instantSchema.optional(),
      ciIds: ciIdsSchema.optional(),
      serviceId: z.uuid().nullable().optional(),
    })
    .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'give at least one field to change', path: ['title'] })
    .meta({ minProperties: 1 }),
} as const;

export type ChangeCommandPayloads = { [K in keyof typeof changeCommandSchemas]: z.infer<(typeof changeCommandSchemas)[K]> };

/** What a client sends for request-approval: how long the board has, and per-group rules over the defaults (any one member). */
export const requestApprovalBody = z.strictObject({
  dueInSeconds: z.number().int().min(1).max(MAX_APPROVAL_SECONDS).optional().meta({ description: 'Default: 48 h for a normal change, 1 h for an emergency' }),
  rules: z
    .array(z.strictObject({ group: z.string().min(1).max(LIMITS.name), rule: approvalRuleSchema }))
    .max(50)
    .optional()
    .meta({ description: 'The rule of a group of approvers by its name (all, any, or a quorum count); any one member by default' }),
});
