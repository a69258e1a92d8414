import { createRoute, z } from '@hono/zod-openapi';
import { CONTRACT_KINDS } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, listOf, paginationQuery, teamNameSchema } from '../../schemas';
import { historyRoute, idParam, idSet } from '../organizations/catalog';

const tags = ['Services and contracts'];
const security = [{ bearer: [] }];

export const COST_PERIODS = ['month', 'year'] as const;
const MAX_DOCUMENTS = 50;
const MAX_URL = 2000;

const documentSchema = z
  .strictObject({
    title: requiredText(LIMITS.title),
    // Links that clients will open: only the web's schemes, never javascript: or file:.
    url: z
      .url({ protocol: /^https?$/ })
      .max(MAX_URL)
      .openapi({ description: 'An http or https link', example: 'https://docs.example.com/contracts/acme-2026.pdf' }),
  })
  .openapi('ContractDocument');

export const contractSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(CONTRACT_KINDS),
    name: z.string(),
    organizationId: z.uuid().openapi({ description: 'The customer of a customer contract, the provider of a provider contract' }),
    serviceIds: z.array(z.uuid()).openapi({ description: 'The services a customer contract covers' }),
    slaId: z.uuid().nullable().openapi({ description: 'The SLA of a customer contract: incidents of the customer on a covered service follow it' }),
    ciIds: z.array(z.uuid()).openapi({ description: 'The configuration items a provider contract covers' }),
    contactIds: z.array(z.uuid()),
    teams: z.array(z.string()),
    cost: z.string().nullable().openapi({ description: 'A decimal with two places', example: '1250.00' }),
    currency: z.string().nullable().openapi({ description: 'ISO 4217', example: 'EUR' }),
    costPeriod: z.enum(COST_PERIODS).nullable(),
    startsOn: z.string().openapi({ format: 'date' }),
    endsOn: z.string().nullable().openapi({ format: 'date' }),
    description: z.string(),
    documents: z.array(documentSchema),
    active: z.boolean(),
    current: z.boolean().openapi({ description: 'Active, and today is within its start and end' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Contract');

const COST = /^\d{1,12}(\.\d{1,2})?$/;
const cost = z
  .union([z.string().meta({ pattern: COST.source }), z.number().meta({ minimum: 0, multipleOf: 0.01 })])
  .refine((v) => COST.test(String(v)), 'must be at least 0, with at most 12 digits before the point and 2 after, such as 1250.50')
  .transform(String)
  .openapi({ description: 'At least 0, with at most 2 decimal places: a decimal string (exact) or a number', example: '1250.50' });
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code: three capital letters')
  .openapi({ example: 'EUR' });
const date = z.iso.date();

const sets = {
  serviceIds: idSet('service').openapi({ description: 'Customer contracts only: the services covered' }),
  ciIds: idSet('configuration item').openapi({ description: 'Provider contracts only: the configuration items covered' }),
  contactIds: idSet('contact').openapi({ description: 'Active contacts named by the contract' }),
  teams: z
    .array(teamNameSchema)
    .max(100)
    .refine((names) => new Set(names).size === names.length, 'names a team twice')
    .meta({ uniqueItems: true, description: 'Teams named by the contract' }),
};

const fields = {
  name: requiredText(LIMITS.name),
  organizationId: z.uuid().openapi({ description: 'An active organization: the customer or the provider' }),
  slaId: z.uuid().openapi({ description: 'Customer contracts only: an active SLA' }),
  cost,
  currency,
  costPeriod: z.enum(COST_PERIODS).openapi({ description: 'What the cost is per' }),
  startsOn: date,
  endsOn: date.openapi({ description: 'On or after startsOn; none for an open end' }),
  description: storableString().max(LIMITS.description),
  documents: z.array(documentSchema).max(MAX_DOCUMENTS),
};

export const createContractBody = z
  .strictObject({
    kind: z.enum(CONTRACT_KINDS),
    name: fields.name,
    organizationId: fields.organizationId,
    serviceIds: sets.serviceIds.optional(),
    slaId: fields.slaId.optional(),
    ciIds: sets.ciIds.optional(),
    contactIds: sets.contactIds.default([]),
    teams: sets.teams.default([]),
    cost: fields.cost.optional(),
    currency: fields.currency.optional(),
    costPeriod: fields.costPeriod.optional(),
    startsOn: fields.startsOn,
    endsOn: fields.endsOn.optional(),
    description: fields.description.default(''),
    documents: fields.documents.default([]),
    active: z.boolean().default(true),
  })
  .openapi('NewContract');

export const updateContractBody = z
  .strictObject({
    name: fields.name.optional(),
    organizationId: fields.organizationId.optional(),
    serviceIds: sets.serviceIds.optional(),
    slaId: fields.slaId.nullable().optional(),
    ciIds: sets.ciIds.optional(),
    contactIds: sets.contactIds.optional(),
    teams: sets.teams.optional(),
    cost: fields.cost.nullable().optional(),
    currency: fields.currency.nullable().optional(),
    costPeriod: fields.costPeriod.nullable().optional(),
    startsOn: fields.startsOn.optional(),
    endsOn: fields.endsOn.nullable().optional(),
    description: fields.description.optional(),
    documents: fields.documents.optional(),
    active: z.boolean().optional().openapi({ description: 'true reactivates; false deactivates, as DELETE does' }),
  })
  .refine(atLeastOneField, 'name at least one field to change')
  .meta({ minProperties: 1 })
  .openapi('ContractChanges');

const contractResponse = (description: string) => ({ description, content: { 'application/json': { schema: contractSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/contracts',
  tags,
  security,
  operationId: 'createContract',
  summary: 'Create a customer contract (services covered, at an SLA) or a provider contract (configuration items covered)',
  request: { body: { required: true, content: { 'application/json': { schema: createContractBody } } } },
  responses: { 201: contractResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/contracts',
  tags,
  security,
  operationId: 'listContracts',
  summary: 'List contracts by name',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      kind: z.enum(CONTRACT_KINDS).optional(),
      organizationId: z.uuid().optional(),
      serviceId: z.uuid().optional().openapi({ description: 'Contracts covering this service' }),
      active: activeQuery,
      current: activeQuery.openapi({ description: 'true: in force today (active, today within start and end); false: not' }),
    }),
  },
  responses: { 200: { description: 'Contracts', content: { 'application/json': { schema: listOf(contractSchema, 'ContractList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/contracts/{id}',
  tags,
  security,
  operationId: 'getContract',
  summary: 'One contract',
  request: { params: idParam },
  responses: { 200: contractResponse('The contract'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/contracts/{id}',
  tags,
  security,
  operationId: 'updateContract',
  summary: 'Change a contract; a list given (serviceIds, ciIds, contactIds, teams) replaces the set; the kind never changes',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateContractBody } } } },
  responses: { 200: contractResponse('The contract as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const deactivate = createRoute({
  method: 'delete',
  path: '/contracts/{id}',
  tags,
  security,
  operationId: 'deactivateContract',
  summary: 'Deactivate a contract, kept for history: it no longer chooses the SLA of new incidents',
  request: { params: idParam },
  responses: { 200: contractResponse('The contract, deactivated'), ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('contracts', 'contract', tags, 'getContractHistory', 'ContractHistory');
