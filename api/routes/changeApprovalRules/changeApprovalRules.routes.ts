import { createRoute, z } from '@hono/zod-openapi';
import { approvalRuleSchema } from '../../../domain/approvals';
import { CI_CLASSES } from '../../../domain/cmdb';
import { problemResponses } from '../../problem';
import { atLeastOneField, listOf, paginationQuery, teamNameSchema } from '../../schemas';
import { security, tags, WRITERS } from '../changeTemplates/changeConfiguration';
import { historyRoute, idParam } from '../organizations/catalog';


export const changeApprovalRuleSchema = z
  .object({
    id: z.uuid(),
    ciClass: z.enum(CI_CLASSES).nullable().openapi({ description: 'Changes on a CI of this class need the team; null when the rule is about a service' }),
    serviceId: z.uuid().nullable().openapi({ description: 'Changes affecting this service need the team; null when the rule is about a CI class' }),
    team: z.string(),
    rule: approvalRuleSchema,
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ChangeApprovalRule');

// Lower-cased as PostgreSQL answers it, so the check that the service exists finds it.
const serviceId = z.uuid().transform((id) => id.toLowerCase());

export const createChangeApprovalRuleBody = z
  .strictObject({
    ciClass: z.enum(CI_CLASSES).optional().openapi({ description: 'Give this or serviceId, not both' }),
    serviceId: serviceId.optional().openapi({ description: 'An existing service; give this or ciClass, not both' }),
    team: teamNameSchema.openapi({ description: 'An existing team: its members approve', example: 'dba' }),
    rule: approvalRuleSchema,
  })
  .superRefine((body, ctx) => {
    if ((body.ciClass === undefined) !== (body.serviceId === undefined)) return;
    const message = body.ciClass === undefined ? 'give ciClass or serviceId: what the rule is about' : 'give ciClass or serviceId, not both';
    for (const field of ['ciClass', 'serviceId']) ctx.addIssue({ code: 'custom', path: [field], message });
  })
  .openapi('NewChangeApprovalRule');

export const updateChangeApprovalRuleBody = z
  .strictObject({
    team: teamNameSchema.optional().openapi({ description: 'An existing team' }),
    rule: approvalRuleSchema.optional(),
  })
  .refine(atLeastOneField, 'name at least one of team, rule')
  .meta({ minProperties: 1 })
  .openapi('ChangeApprovalRuleChanges');

const changeApprovalRuleResponse = (description: string) => ({ description, content: { 'application/json': { schema: changeApprovalRuleSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/change-approval-rules',
  tags,
  security,
  operationId: 'createChangeApprovalRule',
  summary: 'Make changes on a CI class, or affecting a service, need a team’s approval',
  description: `${WRITERS} An unknown team or service is a 422 naming it; a rule for the same class or service and team, a 409.`,
  request: { body: { required: true, content: { 'application/json': { schema: createChangeApprovalRuleBody } } } },
  responses: { 201: changeApprovalRuleResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/change-approval-rules',
  tags,
  security,
  operationId: 'listChangeApprovalRules',
  summary: 'List change approval rules, oldest first',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      ciClass: z.enum(CI_CLASSES).optional().openapi({ description: 'Only the rules about this CI class' }),
      serviceId: z.uuid().optional().openapi({ description: 'Only the rules about this service' }),
      team: teamNameSchema.optional().openapi({ description: 'Only the rules asking this team' }),
    }),
  },
  responses: {
    200: { description: 'Change approval rules', content: { 'application/json': { schema: listOf(changeApprovalRuleSchema, 'ChangeApprovalRuleList') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/change-approval-rules/{id}',
  tags,
  security,
  operationId: 'getChangeApprovalRule',
  summary: 'One change approval rule',
  request: { params: idParam },
  responses: { 200: changeApprovalRuleResponse('The change approval rule'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/change-approval-rules/{id}',
  tags,
  security,
  operationId: 'updateChangeApprovalRule',
  summary: 'Change the team or the rule of a change approval rule (its subject stays: make a new rule for another)',
  description: `${WRITERS} An unknown team is a 422; a team the subject already has a rule for, a 409.`,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateChangeApprovalRuleBody } } } },
  responses: { 200: changeApprovalRuleResponse('The change approval rule as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/change-approval-rules/{id}',
  tags,
  security,
  operationId: 'deleteChangeApprovalRule',
  summary: 'Delete a change approval rule (its history stays)',
  description: WRITERS,
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('change-approval-rules', 'change approval rule', tags, 'getChangeApprovalRuleHistory', 'ChangeApprovalRuleHistory');
