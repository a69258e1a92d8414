import { z } from 'zod';
import { LIMITS, MAX_TICKET_CIS, levelSchema, ticketNumberSchema } from './incident';
import { numberPatternOf } from './numbering';
import { requiredText, storableString } from './text';

const emailSchema = z.email().max(LIMITS.email).transform((e) => e.toLowerCase());
const teamNameSchema = requiredText(LIMITS.name);
const analysisText = storableString().trim().max(LIMITS.description);
const ciIdsSchema = z
  .array(z.uuid())
  .max(MAX_TICKET_CIS)
  .refine((ids) => new Set(ids).size === ids.length, 'names a CI twice')
  .meta({ uniqueItems: true, description: 'Configuration items (CMDB ids) the problem affects' });

/** What a problem knows beyond the common ticket fields: its analysis and, once published, its known error. */
export interface ProblemDetails {
  symptoms: string;
  rootCause: string;
  workaround: string;
  /** When the known error was (last) published to the KEDB; null until then. */
  knownErrorAt: string | null;
  /** What the linked incidents do when the problem is resolved: resolved with it, or told in a work note. */
  incidentPolicy: IncidentPolicy;
}

export const INCIDENT_POLICIES = ['resolve', 'notify'] as const;
export type IncidentPolicy = (typeof INCIDENT_POLICIES)[number];

export const PROBLEM_RESOLUTION_CODES = ['fixed', 'workaround_accepted', 'cannot_reproduce', 'duplicate', 'no_fix_planned'] as const;

export const createProblemSchema = z.strictObject({
  title: requiredText(LIMITS.title),
  description: storableString().max(LIMITS.description).default(''),
  impact: levelSchema,
  urgency: levelSchema,
  category: requiredText(LIMITS.category).optional(),
  symptoms: analysisText.optional(),
  serviceId: z.uuid().optional(),
  ciIds: ciIdsSchema.optional(),
  incidents: z
    .array(ticketNumberSchema)
    .max(100)
    .refine((n) => new Set(n).size === n.length, 'names an incident twice')
    .optional()
    .meta({ uniqueItems: true, description: 'Incidents this problem causes: each links to it (caused_by)' }),
  incidentPolicy: z.enum(INCIDENT_POLICIES).default('notify').meta({ description: 'When the problem is resolved: resolve its open incidents, or tell them in a work note' }),
});
export type CreateProblem = z.infer<typeof createProblemSchema>;

/** Payloads of a problem's commands, as the API accepts them and the workflow checks them. */
export const problemCommandSchemas = {
  assign: z
    .strictObject({ assignmentGroup: teamNameSchema.optional(), assignee: emailSchema.optional() })
    .refine((p) => p.assignmentGroup !== undefined || p.assignee !== undefined, { message: 'give assignmentGroup, assignee or both', path: ['assignmentGroup'] }),
  investigate: z.strictObject({}),
  'publish-known-error': z.strictObject({
    symptoms: requiredText(LIMITS.description),
    rootCause: requiredText(LIMITS.description),
    workaround: requiredText(LIMITS.description),
  }),
  'start-fix': z.strictObject({ plan: requiredText(LIMITS.text) }),
  /** Opens the change that fixes this problem, as a child workflow; `change` is the new change as the API checked it, `number` taken by the API. */
  'raise-change': z.strictObject({ number: z.string().regex(numberPatternOf('change')), change: z.record(z.string(), z.unknown()) }),
  resolve: z.strictObject({
    resolutionCode: z.enum(PROBLEM_RESOLUTION_CODES),
    resolutionNotes: requiredText(LIMITS.text),
    incidentPolicy: z.enum(INCIDENT_POLICIES).optional().meta({ description: "Overrides the problem's policy for this resolution" }),
  }),
  reopen: z.strictObject({ reason: requiredText(LIMITS.text) }),
  close: z.strictObject({}),
  cancel: z.strictObject({ reason: requiredText(LIMITS.text) }),
  comment: z.strictObject({ body: requiredText(LIMITS.text), visibility: z.enum(['internal', 'public']).optional() }),
  'set-priority': z.strictObject({ impact: levelSchema, urgency: levelSchema }),
  update: z
    .strictObject({
      title: requiredText(LIMITS.title).optional(),
      description: storableString().max(LIMITS.description).optional(),
      category: requiredText(LIMITS.category).nullable().optional(),
      symptoms: analysisText.optional(),
      rootCause: analysisText.optional(),
      workaround: analysisText.optional(),
      serviceId: z.uuid().nullable().optional(),
      ciIds: ciIdsSchema.optional(),
      incidentPolicy: z.enum(INCIDENT_POLICIES).optional(),
    })
    .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'give at least one field to change', path: ['title'] })
    .meta({ minProperties: 1 }),
} as const;

export type ProblemCommandPayloads = { [K in keyof typeof problemCommandSchemas]: z.infer<(typeof problemCommandSchemas)[K]> };
