import { createRoute, z } from '@hono/zod-openapi';
import { CI_ATTRIBUTE_SCHEMAS } from '../../../domain/ciClasses';
import { CI_CLASSES, CI_STATUSES, CRITICALITIES, type CiClass } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { problemResponses } from '../../problem';
import { activeQuery, atLeastOneField, historyEntrySchema, listOf, paginationQuery, teamNameSchema } from '../../schemas';
import { ATTRIBUTE_COMPONENTS, attributeSchemas, CI_DEFAULTS, ciCriticality, ciDescription, ciName, ciStatus, pascal } from './ciFields';
import { CI_IMPORT_MAX_BYTES, CI_IMPORT_MAX_ROWS, importBody, importRowSchema } from './ciImport';

const tags = ['Configuration items'];
const security = [{ bearer: [] }];

const newCiVariant = (ciClass: CiClass) =>
  z
    .strictObject({
      class: z.literal(ciClass),
      name: ciName,
      status: ciStatus.default(CI_DEFAULTS.status),
      criticality: ciCriticality.default(CI_DEFAULTS.criticality),
      organizationId: z.uuid().optional().openapi({ description: 'The owner organization' }),
      supportTeam: teamNameSchema.optional().openapi({ description: 'The team that supports the CI' }),
      description: ciDescription.default(''),
      // A class whose CIs need some attribute (a database's engine) takes no default that would break its own schema.
      attributes: CI_ATTRIBUTE_SCHEMAS[ciClass].safeParse({}).success ? (attributeSchemas[ciClass] as z.ZodType<Record<string, unknown>>).default({}) : attributeSchemas[ciClass],
    })
    .openapi(`New${pascal(ciClass)}Ci`);

export const createCiBody = z
  .discriminatedUnion(
    'class',
    CI_CLASSES.map(newCiVariant) as [ReturnType<typeof newCiVariant>, ...ReturnType<typeof newCiVariant>[]],
  )
  .openapi('NewCi');

const ciVariant = (ciClass: CiClass) =>
  z
    .object({
      id: z.uuid(),
      class: z.literal(ciClass),
      name: z.string(),
      status: ciStatus,
      criticality: ciCriticality,
      organizationId: z.uuid().nullable(),
      supportTeam: z.string().nullable(),
      description: z.string(),
      attributes: attributeSchemas[ciClass],
      createdAt: z.string().openapi({ format: 'date-time' }),
      updatedAt: z.string().openapi({ format: 'date-time' }),
    })
    .openapi(`${pascal(ciClass)}Ci`);

export const ciSchema = z
  .discriminatedUnion('class', CI_CLASSES.map(ciVariant) as [ReturnType<typeof ciVariant>, ...ReturnType<typeof ciVariant>[]])
  .openapi('Ci');

export const updateCiBody = z
  .strictObject({
    name: ciName.optional(),
    status: ciStatus.optional(),
    criticality: ciCriticality.optional(),
    organizationId: z.uuid().nullable().optional().openapi({ description: 'The owner organization; null for none' }),
    supportTeam: teamNameSchema.nullable().optional().openapi({ description: 'The supporting team; null for none' }),
    description: ciDescription.optional(),
    attributes: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description: `Changes to the class attributes, merged key by key: a value sets its key, null removes it, keys not named stay as they are. The keys and values are those of the CI's class (${ATTRIBUTE_COMPONENTS}); a wrong one is a 422 naming attributes.<key>.`,
        example: { memoryGb: 64, location: null },
      }),
  })
  .refine(atLeastOneField, 'name at least one of name, status, criticality, organizationId, supportTeam, description, attributes')
  .meta({ minProperties: 1 })
  .openapi('CiChanges');

/** `a,b` → ['a', 'b'], each one of `values`: several values of one filter, any of which matches. */
const oneOrSeveral = <T extends readonly [string, ...string[]]>(values: T, name: string) => {
  const one = `(?:${values.join('|')})`;
  return z
    .string()
    .max(500)
    .regex(new RegExp(`^${one}(?:,${one})*$`), `one or more of ${values.join(', ')}, separated by commas`)
    .transform((s) => s.split(',') as unknown as T[number][])
    .optional()
    .openapi({ description: `One ${name} or several, comma-separated` });
};

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const ciContent = { 'application/json': { schema: ciSchema } };

export const create = createRoute({
  method: 'post',
  path: '/cis',
  tags,
  security,
  operationId: 'createCi',
  summary: 'Register a configuration item',
  description: `The attributes depend on the class (${ATTRIBUTE_COMPONENTS}): an unknown or invalid one is a 422 naming attributes.<key>. An unknown organization or team is a 422; a name its class already has is a 409.`,
  request: { body: { required: true, content: { 'application/json': { schema: createCiBody } } } },
  responses: { 201: { description: 'Registered', content: ciContent }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/cis',
  tags,
  security,
  operationId: 'listCis',
  summary: 'List configuration items by name, with filters and text search',
  request: {
    query: z.strictObject({
      ...paginationQuery,
      class: oneOrSeveral(CI_CLASSES, 'class'),
      status: oneOrSeveral(CI_STATUSES, 'status'),
      criticality: oneOrSeveral(CRITICALITIES, 'criticality'),
      organizationId: z.uuid().optional(),
      supportTeam: z.string().max(LIMITS.name).optional(),
      q: z
        .string()
        .trim()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: 'Words to find in name, description and attribute values (all of them; "quotes" and -not as in web searches), or the start of a name (web-0 finds web-01)' }),
    }),
  },
  responses: { 200: { description: 'Configuration items', content: { 'application/json': { schema: listOf(ciSchema, 'CiList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/cis/{id}',
  tags,
  security,
  operationId: 'getCi',
  summary: 'One configuration item',
  request: { params: idParam },
  responses: { 200: { description: 'The configuration item', content: ciContent }, ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/cis/{id}',
  tags,
  security,
  operationId: 'updateCi',
  summary: 'Change a configuration item (any field but its class); attributes merge key by key, null removes one',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateCiBody } } } },
  responses: { 200: { description: 'The configuration item as changed', content: ciContent }, ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/cis/{id}',
  tags,
  security,
  operationId: 'deleteCi',
  summary: 'Delete a configuration item with its relations and service and contract memberships',
  description:
    'The CIs at the other end of each relation, and the services and contracts that listed the CI, record it as unlinked in their history; the deleted CI’s own history stays readable.',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const history = createRoute({
  method: 'get',
  path: '/cis/{id}/history',
  tags,
  security,
  operationId: 'listCiHistory',
  summary: 'Every change to a configuration item, oldest first, attribute by attribute (also once it is deleted)',
  request: { params: idParam, query: z.strictObject(paginationQuery) },
  responses: {
    200: { description: 'Its history', content: { 'application/json': { schema: listOf(historyEntrySchema, 'CiHistory') } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

/** The JSON form of an import, published with each row's schema; the handler checks the rows one by one. */
export const importBodySchema = importBody(importRowSchema).openapi('CiImport');

const importErrorSchema = z
  .object({
    row: z.int().openapi({ description: 'The row’s position among the data rows, from 1 (a CSV header is not counted)' }),
    field: z.string().openapi({ description: 'The field (CSV column) at fault, such as attributes.cpuCount; (row) for the row as a whole' }),
    message: z.string(),
  })
  .openapi('CiImportError');

const importResultSchema = z
  .object({
    dryRun: z.boolean(),
    created: z.int(),
    updated: z.int(),
    unchanged: z.int(),
    failed: z.int().openapi({ description: 'Rows refused; each is listed in errors and wrote nothing' }),
    errors: z.array(importErrorSchema),
  })
  .openapi('CiImportResult');

export const importCis = createRoute({
  method: 'post',
  path: '/cis/import',
  tags,
  security,
  operationId: 'importCis',
  summary: 'Create or update configuration items in bulk from JSON or CSV, by (class, name)',
  description: [
    `Each row is checked on its own: a row that fails (a bad field, an unknown organization or team, a (class, name) that appears twice in the request) is reported and writes nothing, and every other row is written, with its history, in one transaction.`,
    `A row names what it sets: fields it leaves out keep their value on an existing CI and take their default on a new one; attributes merge key by key as in PATCH (null removes one). organization is an organization's id, name or code.`,
    `CSV (text/csv, UTF-8, a header row): columns class, name, status, criticality, organization, supportTeam, description and attributes.<key>; class and name are required. An empty cell clears organization, supportTeam and description and removes the attribute; an empty status or criticality is left out. Attribute cells are parsed by the class's schema: numbers and true/false as such, ipAddresses separated by semicolons; a generic CI's attributes stay text.`,
    `At most ${CI_IMPORT_MAX_ROWS} rows and ${CI_IMPORT_MAX_BYTES / 1024 / 1024} MiB per request (413 beyond). ?dryRun=true checks everything and writes nothing.`,
  ].join('\n\n'),
  request: {
    query: z.strictObject({ dryRun: activeQuery.openapi({ description: 'true: check and count, write nothing' }) }),
    body: {
      required: true,
      content: {
        // Not validated here: a bad row must fail alone, so the handler checks rows one by one.
        'application/json': { schema: { $ref: '#/components/schemas/CiImport' } },
        'text/csv': {
          schema: z.string().openapi({
            description: 'A header row, then one CI per row',
            example: 'class,name,status,supportTeam,attributes.cpuCount,attributes.ipAddresses\nserver,web-01,production,unix,8,10.0.0.1;10.0.0.2\n',
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'What the import did (or, on a dry run, would do), and every row refused', content: { 'application/json': { schema: importResultSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
