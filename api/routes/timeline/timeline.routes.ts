import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../problem';
import { paginationQuery } from '../../schemas';

const security = [{ bearer: [] }];
const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const timelineEntrySchema = z
  .object({
    at: z.string().openapi({ format: 'date-time' }),
    source: z.enum(['configuration', 'ticket']).openapi({ description: 'A change to the configuration, or a milestone of a ticket about it' }),
    actor: z.string(),
    action: z.string().openapi({ description: 'created, updated, deleted, linked, unlinked for configuration; the ticket event (created, resolved, closed …) for tickets' }),
    attribute: z.string().nullable(),
    oldValue: z.unknown(),
    newValue: z.unknown(),
    ticket: z
      .object({ number: z.string(), type: z.string(), title: z.string(), status: z.string(), priority: z.number().int() })
      .nullable()
      .openapi({ description: 'The ticket, for a ticket milestone' }),
  })
  .openapi('TimelineEntry');

const timelinePage = z.object({ items: z.array(timelineEntrySchema), nextCursor: z.string().nullable() }).openapi('Timeline');

const timelineRoute = (path: '/cis/{id}/timeline' | '/services/{id}/timeline', tag: string, operationId: string, summary: string) =>
  createRoute({
    method: 'get',
    path,
    tags: [tag],
    security,
    operationId,
    summary,
    request: { params: idParam, query: z.strictObject(paginationQuery) },
    responses: { 200: { description: 'Newest first', content: { 'application/json': { schema: timelinePage } } }, ...problemResponses(400, 401, 403, 404) },
  });

export const ciTimeline = timelineRoute(
  '/cis/{id}/timeline',
  'Configuration items',
  'getCiTimeline',
  "A CI's story: every change to it and its relations, and the milestones of the tickets that name it",
);
export const serviceTimeline = timelineRoute(
  '/services/{id}/timeline',
  'Services',
  'getServiceTimeline',
  "A service's story: every change to it and the milestones of the tickets about it",
);
