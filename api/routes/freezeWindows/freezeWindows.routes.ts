import { createRoute, z } from '@hono/zod-openapi';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { atLeastOneField, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, idSet } from '../organizations/catalog';

const tags = ['Changes'];
const security = [{ bearer: [] }];
const WRITERS = 'Needs the change_manager or admin role.';

const instant = z.iso.datetime({ offset: true });

export const freezeWindowSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    reason: z.string(),
    startsAt: z.string().openapi({ format: 'date-time' }),
    endsAt: z.string().openapi({ format: 'date-time', description: 'The first instant after the freeze: a change ending at startsAt or starting at endsAt is outside it' }),
    serviceIds: z.array(z.uuid()).openapi({ description: 'The services frozen, in id order; with ciIds empty too, the freeze covers everything' }),
    ciIds: z.array(z.uuid()).openapi({ description: 'The configuration items frozen, in id order' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('FreezeWindow');

// Lower-cased as PostgreSQL answers them, in the order given, so a 422 names the position the client sent.
const lowerCased = (ids: string[]) => ids.map((id) => id.toLowerCase());
const serviceIds = idSet('service')
  .transform(lowerCased)
  .openapi({ description: 'Services frozen: changes on them, or on a CI one of them lists, are in the freeze. Replaces the set' });
const ciIds = idSet('configuration item').transform(lowerCased).openapi({ description: 'Configuration items frozen: changes naming one are in the freeze. Replaces the set' });
const name = requiredText(LIMITS.name).openapi({ example: 'Year-end close' });
const reason = storableString().max(LIMITS.text).openapi({ example: 'Finance closes the books: no change to billing' });

export const createFreezeWindowBody = z
  .strictObject({
    name,
    reason: reason.default(''),
    startsAt: instant.openapi({ example: '2026-12-20T00:00:00Z' }),
    endsAt: instant.openapi({ example: '2027-01-04T00:00:00Z', description: 'After startsAt (422 otherwise); the freeze ends just before it' }),
    serviceIds: serviceIds.default([]),
    ciIds: ciIds.default([]),
  })
  .openapi('NewFreezeWindow');

export const updateFreezeWindowBody = z
  .strictObject({
    name: name.optional(),
    reason: reason.optional(),
    startsAt: instant.optional(),
    endsAt: instant.optional(),
    serviceIds: serviceIds.optional(),
    ciIds: ciIds.optional(),
  })
  .refine(atLeastOneField, 'name at least one of name, reason, startsAt, endsAt, serviceIds, ciIds')
  .meta({ minProperties: 1 })
  .openapi('FreezeWindowChanges');

export const listQuery = z
  .strictObject({
    ...paginationQuery,
    from: instant.optional().openapi({ description: 'Only freezes still running after this instant (ending after it)' }),
    to: instant.optional().openapi({ description: 'Only freezes starting before this instant' }),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], message: 'must be after from' });

const freezeWindowResponse = (description: string) => ({ description, content: { 'application/json': { schema: freezeWindowSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/freeze-windows',
  tags,
  security,
  operationId: 'createFreezeWindow',
  summary: 'Declare a freeze window: no change implemented in it, for everything or for some services and CIs',
  description: `${WRITERS} An unknown service or CI is a 422 naming it (ciIds.1); a taken name a 409.`,
  request: { body: { required: true, content: { 'application/json': { schema: createFreezeWindowBody } } } },
  responses: { 201: freezeWindowResponse('Created'), ...problemResponses(400, 401, 403, 409, 422) },
});

export const list = createRoute({
  method: 'get',
  path: '/freeze-windows',
  tags,
  security,
  operationId: 'listFreezeWindows',
  summary: 'List freeze windows by start; from and to keep those overlapping [from, to)',
  request: { query: listQuery },
  responses: {
    200: { description: 'Freeze windows', content: { 'application/json': { schema: listOf(freezeWindowSchema, 'FreezeWindowList') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/freeze-windows/{id}',
  tags,
  security,
  operationId: 'getFreezeWindow',
  summary: 'One freeze window',
  request: { params: idParam },
  responses: { 200: freezeWindowResponse('The freeze window'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/freeze-windows/{id}',
  tags,
  security,
  operationId: 'updateFreezeWindow',
  summary: 'Change a freeze window; serviceIds and ciIds replace their sets',
  description: WRITERS,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateFreezeWindowBody } } } },
  responses: { 200: freezeWindowResponse('The freeze window as changed'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/freeze-windows/{id}',
  tags,
  security,
  operationId: 'deleteFreezeWindow',
  summary: 'Delete a freeze window (its history stays)',
  description: WRITERS,
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const history = historyRoute('freeze-windows', 'freeze window', tags, 'getFreezeWindowHistory', 'FreezeWindowHistory');
