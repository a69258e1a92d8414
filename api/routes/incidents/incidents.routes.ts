import { createIncidentSchema, incidentCommandSchemas } from '../../../domain/incident';
import { INCIDENT_COMMANDS, INCIDENT_STATUSES, type IncidentCommand } from '../../../domain/incidentLifecycle';
import { z } from '@hono/zod-openapi';
import { CRITICALITIES } from '../../../domain/cmdb';
import { ticketSchema } from '../../schemas';
import { ticketRoutes } from '../tickets/ticketRoutes';

const COMMAND_SUMMARIES: Record<IncidentCommand, string> = {
  assign: 'Assign to a group and/or a person',
  acknowledge: 'Start work (in_progress); meets the response SLA',
  pend: 'Wait on the caller; pauses the resolution clock',
  resume: 'Resume work after pending',
  resolve: 'Resolve; resolves open child incidents too',
  reopen: 'Reopen a resolved incident',
  close: 'Close a resolved incident (the caller confirms)',
  cancel: 'Cancel an open incident',
  comment: 'Add a work note (internal) or a comment the caller sees (public)',
  escalate: 'Escalate to the assignment group’s escalation team',
  'set-priority': 'Change impact and urgency; SLA clocks keep elapsed time',
  'link-parent': 'Make this incident a child of another; it follows the parent’s resolution',
  'link-problem': 'Link the problem behind this incident; it gets the known error’s workaround and the problem’s resolution',
  'raise-problem': 'Open a problem for this incident (it outlives the incident); the answer links it as caused_by',
  update: 'Correct the report: title, description, category, caller, service and CIs (the SLA stays the one the incident opened with)',
};

/** What a client sends: the command's payload less what the API fills in itself (the escalation target, the new problem's number). */
function requestSchema(command: IncidentCommand) {
  if (command === 'escalate') return incidentCommandSchemas.escalate.omit({ to: true, from: true });
  if (command === 'raise-problem') return incidentCommandSchemas['raise-problem'].omit({ number: true });
  return incidentCommandSchemas[command];
}

/** One route per command, generated from the command schemas so the document lists each payload; correcting the report is a PATCH of the incident. */
export const { create, list, get, history, commands } = ticketRoutes({
  type: 'incident',
  path: '/incidents',
  noun: 'incident',
  tag: 'Incidents',
  statuses: INCIDENT_STATUSES,
  view: ticketSchema,
  create: {
    schema: createIncidentSchema,
    id: 'NewIncident',
    summary: 'Log an incident; the answer suggests known errors that match it',
    answer: ticketSchema
      .extend({
        suggestedKnownErrors: z
          .array(z.object({ number: z.string().openapi({ example: 'PRB000042' }), title: z.string(), workaround: z.string() }).openapi('SuggestedKnownError'))
          .openapi({ description: 'Published known errors whose title, symptoms, workaround or root cause match the report, best first: a workaround may already exist' }),
      })
      .openapi('LoggedIncident'),
  },
  detail: ticketSchema
    .extend({
      impactedServices: z
        .array(
          z
            .object({
              id: z.uuid(),
              name: z.string(),
              criticality: z.enum(CRITICALITIES),
              status: z.string(),
              from: z.uuid().openapi({ description: "The incident's CI whose failure reaches the service" }),
              through: z.uuid().openapi({ description: 'The CI of the service it reaches it through (the same CI when the service lists it)' }),
              depth: z.number().int().openapi({ description: 'Hops between the two' }),
            })
            .openapi('ImpactedService'),
        )
        .openapi({ description: "The services the incident's CIs affect, as the CMDB says now: nearest first, then most critical" }),
    })
    .openapi('IncidentDetail'),
  commands: INCIDENT_COMMANDS,
  summaries: COMMAND_SUMMARIES,
  readers: 'everyone',
  requestSchema,
});
