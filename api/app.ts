import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from './context';
import { mountDocs } from './docs';
import { checkHealth } from './health';
import { createMetrics } from './metrics';
import { authenticate } from './middleware/auth';
import { corsFor } from './middleware/cors';
import { onError } from './middleware/errors';
import { notFoundOrNotAllowed } from './middleware/methodNotAllowed';
import { requestLog } from './middleware/requestLog';
import { rejectUnstorableText } from './middleware/storableText';
import { createRouter, openApiDocument } from './openapi';
import { problemResponse } from './problem';
import admin from './routes/admin/admin.index';
import calendars from './routes/calendars/calendars.index';
import catalogItems from './routes/catalogItems/catalogItems.index';
import changeApprovalRules from './routes/changeApprovalRules/changeApprovalRules.index';
import changeTemplates from './routes/changeTemplates/changeTemplates.index';
import ciRelations from './routes/ciRelations/ciRelations.index';
import { CI_IMPORT_MAX_BYTES } from './routes/cis/ciImport';
import cis from './routes/cis/cis.index';
import contacts from './routes/contacts/contacts.index';
import contracts from './routes/contracts/contracts.index';
import freezeWindows from './routes/freezeWindows/freezeWindows.index';
import impact from './routes/impact/impact.index';
import incidents from './routes/incidents/incidents.index';
import organizations from './routes/organizations/organizations.index';
import problems from './routes/problems/problems.index';
import changes from './routes/changes/changes.index';
import requests from './routes/requests/requests.index';
import tasks from './routes/tasks/tasks.index';
import services from './routes/services/services.index';
import slas from './routes/slas/slas.index';
import teams from './routes/teams/teams.index';
import timeline from './routes/timeline/timeline.index';
import users from './routes/users/users.index';

export const API_BASE = '/api/v1';
const MAX_BODY_BYTES = 256 * 1024;
/** Bulk routes that take more; every other path keeps MAX_BODY_BYTES. */
const LARGER_BODY_LIMITS: Record<string, number> = { [`${API_BASE}/cis/import`]: CI_IMPORT_MAX_BYTES };

/** The HTTP API over everything it needs; tests and the CLI build it with their own deps. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ strict: false });
  app.onError(onError);
  app.notFound(notFoundOrNotAllowed(() => app.routes));
  app.use('*', requestLog(deps.logger));
  if (deps.corsOrigins?.length) app.use('*', corsFor(deps.corsOrigins));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });

  app.get('/health', async (c) => {
    const report = await checkHealth(deps.db, deps.temporal, deps.taskQueue);
    return c.json(report, report.status === 'ok' ? 200 : 503, report.status === 'ok' ? {} : { 'Retry-After': '5' });
  });

  // Outside /api/v1 and its tokens, like /health: what a Prometheus scrape reads (counts only).
  const metrics = createMetrics(deps.db);
  app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));

  const api = createRouter();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // The refused body is left unread, so the connection cannot be reused: say so, or keep-alive clients send their next request into a closing socket.
  api.use('*', (c, next) => {
    const maxSize = LARGER_BODY_LIMITS[c.req.path] ?? MAX_BODY_BYTES;
    return bodyLimit({ maxSize, onError: () => problemResponse(413, `request bodies are limited to ${maxSize} bytes`, {}, { Connection: 'close' }) })(c, next);
  });
  api.use('*', async (c, next) => (c.req.path === `${API_BASE}/openapi.json` ? next() : authenticate(c, next)));
  api.use('*', rejectUnstorableText);
  api.route('/', users).route('/', teams).route('/', slas).route('/', incidents).route('/', problems).route('/', changes).route('/', requests).route('/', tasks).route('/', admin).route('/', timeline).route('/', cis).route('/', ciRelations).route('/', impact).route('/', organizations).route('/', contacts).route('/', calendars).route('/', services).route('/', contracts).route('/', freezeWindows).route('/', changeTemplates).route('/', changeApprovalRules).route('/', catalogItems);
  let document: object | undefined;
  api.get('/openapi.json', (c) =>
    c.json(
      (document ??= openApiDocument(
        api,
        { title: 'Tempodesk API', version: '1', description: 'An ITIL service desk in which every ticket is a durable Temporal workflow.' },
        API_BASE,
      )),
    ),
  );
  app.route(API_BASE, api);
  mountDocs(app, `${API_BASE}/openapi.json`);
  return app;
}
