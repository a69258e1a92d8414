import { z } from 'zod';
import { numberPatternOf } from './numbering';
import { requiredText, storableString } from './text';

/** Shared field rules, so the API, the workflow and the database agree on limits. */
export const LIMITS = { title: 200, description: 10_000, text: 4_000, name: 120, email: 254, category: 80 } as const;

export const levelSchema = z.literal([1, 2, 3]);
export const ticketNumberSchema = z.string().regex(numberPatternOf('incident'), 'must be an incident number such as INC000042');
export const problemNumberSchema = z.string().regex(numberPatternOf('problem'), 'must be a problem number such as PRB000042');
const emailSchema = z.email().max(LIMITS.email).transform((e) => e.toLowerCase());
const teamNameSchema = requiredText(LIMITS.name);
const reasonSchema = requiredText(LIMITS.text);
const titleSchema = requiredText(LIMITS.title);
const descriptionSchema = storableString().max(LIMITS.description);
const categorySchema = requiredText(LIMITS.category);
/** CIs one ticket may name: an outage of more is a change to the service, not a list on a ticket. */
export const MAX_TICKET_CIS = 50;
const ciIdsSchema = z
  .array(z.uuid())
  .max(MAX_TICKET_CIS)
  .refine((ids) => new Set(ids).size === ids.length, 'names a CI twice')
  .meta({ uniqueItems: true, description: 'Configuration items (CMDB ids) the incident affects' });
const serviceIdSchema = z.uuid().meta({ description: 'The affected service (CMDB id); derived from the CIs when not given' });

export const createIncidentSchema = z.strictObject({
  title: titleSchema,
  description: descriptionSchema.default(''),
  impact: levelSchema,
  urgency: levelSchema,
  caller: emailSchema.optional(),
  category: categorySchema.optional(),
  serviceId: serviceIdSchema.optional(),
  ciIds: ciIdsSchema.optional(),
  slaId: z.uuid().optional(),
});
export type CreateIncident = z.infer<typeof createIncidentSchema>;

export const RESOLUTION_CODES = ['fixed', 'workaround', 'duplicate', 'user_error', 'no_fault_found', 'known_error'] as const;

/** Payloads of the commands a person issues, as the API accepts them. */
export const incidentCommandSchemas = {
  assign: z
    .strictObject({ assignmentGroup: teamNameSchema.optional(), assignee: emailSchema.optional() })
    .refine((p) => p.assignmentGroup !== undefined || p.assignee !== undefined, {
      message: 'give assignmentGroup, assignee or both',
      path: ['assignmentGroup'],
    }),
  acknowledge: z.strictObject({}),
  pend: z.strictObject({ reason: reasonSchema }),
  resume: z.strictObject({}),
  resolve: z.strictObject({ resolutionCode: z.enum(RESOLUTION_CODES), resolutionNotes: reasonSchema }),
  reopen: z.strictObject({ reason: reasonSchema }),
  close: z.strictObject({}),
  cancel: z.strictObject({ reason: reasonSchema }),
  comment: z.strictObject({ body: requiredText(LIMITS.text), visibility: z.enum(['internal', 'public']).optional() }),
  /**
   * `to` is the escalation team of group `from` as the API looked it up (never the caller's choice): the
   * workflow hands over at once if the ticket is still with `from`, and otherwise looks the team up itself.
   */
  escalate: z.strictObject({ reason: reasonSchema, from: teamNameSchema.optional(), to: teamNameSchema.optional() }),
  'set-priority': z.strictObject({ impact: levelSchema, urgency: levelSchema }),
  'link-parent': z.strictObject({ parent: ticketNumberSchema }),
  /** The problem behind this incident (one per incident; many incidents share a problem). */
  'link-problem': z.strictObject({ problem: problemNumberSchema }),
  /**
   * Opens a problem for this incident, as a child workflow that outlives it. `number` is the problem's,
   * taken by the API; what is not given comes from the incident.
   */
  'raise-problem': z.strictObject({
    number: problemNumberSchema,
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    impact: levelSchema.optional(),
    urgency: levelSchema.optional(),
    incidentPolicy: z.enum(['resolve', 'notify']).optional().meta({ description: 'When the problem is resolved: resolve its open incidents, or tell them in a work note (default)' }),
  }),
  /** PATCH: the facts of the report; null clears category, caller or service; ciIds replaces the list. */
  update: z
    .strictObject({
      title: titleSchema.optional(),
      description: descriptionSchema.optional(),
      category: categorySchema.nullable().optional(),
      caller: emailSchema.nullable().optional(),
      serviceId: serviceIdSchema.nullable().optional(),
      ciIds: ciIdsSchema.optional(),
    })
    .refine((p) => Object.values(p).some((v) => v !== undefined), {
      message: 'give at least one of title, description, category, caller, serviceId, ciIds',
      path: ['title'],
    })
    .meta({ minProperties: 1 }),
} as const;

export type IncidentCommandPayloads = { [K in keyof typeof incidentCommandSchemas]: z.infer<(typeof incidentCommandSchemas)[K]> };
