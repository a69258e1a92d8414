import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../problem';

const tags = ['Administration'];
const security = [{ bearer: [] }];

const reprojectionSchema = z
  .object({
    number: z.string(),
    runs: z.number().int().openapi({ description: 'Runs of the workflow whose histories were read' }),
    events: z.number().int().openapi({ description: 'Events found in them and written (those already stored are kept)' }),
    complete: z.boolean().openapi({ description: 'False when older runs are past Temporal’s retention: their events stay as the read model has them' }),
    status: z.string(),
  })
  .openapi('Reprojection');

export const reproject = createRoute({
  method: 'post',
  path: '/admin/tickets/{number}/reproject',
  operationId: 'reprojectTicket',
  tags,
  security,
  summary: "Rebuild a ticket's read model (row, links, events) from its workflow",
  request: {
    params: z.object({
      number: z
        .string()
        .regex(/^(INC|REQ|PRB|CHG)\d{6,}$/, 'must be a ticket number such as INC000042')
        .openapi({ param: { name: 'number', in: 'path' }, example: 'INC000042' }),
    }),
  },
  responses: {
    200: { description: 'Rebuilt', content: { 'application/json': { schema: reprojectionSchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 503),
  },
});

export const reconcile = createRoute({
  method: 'post',
  path: '/admin/reconcile',
  operationId: 'reconcileReadModel',
  tags,
  security,
  summary: 'Find (and with repair=true rebuild) tickets whose read model disagrees with Temporal',
  request: {
    query: z.strictObject({ repair: z.enum(['true', 'false']).default('false').openapi({ description: 'Reproject each ticket found' }) }),
  },
  responses: {
    200: {
      description: 'What disagrees, and what was rebuilt',
      content: {
        'application/json': {
          schema: z
            .object({
              checked: z.number().int(),
              drift: z.array(
                z.object({
                  number: z.string(),
                  temporal: z.string().nullable().openapi({ description: 'Status in Temporal; null when no workflow runs' }),
                  readModel: z.string().nullable().openapi({ description: 'Status in the read model; null when it has no row' }),
                  repaired: reprojectionSchema.nullable().optional(),
                }),
              ),
            })
            .openapi('Reconciliation'),
        },
      },
    },
    ...problemResponses(400, 401, 403, 503),
  },
});
