import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { AppEnv } from '../context';

/** The logger of the API process: JSON lines, one per request, at LOG_LEVEL. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'tempodesk-api' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** An incoming X-Request-Id (a proxy's, a client's) is kept when it looks like an ID rather than free text. */
const SANE_REQUEST_ID = /^[\w.:+/=-]{1,128}$/;

/**
 * Gives every request an ID (echoed in X-Request-Id) and, with a logger,
 * logs one line when it is answered: ID, method, the route's pattern (never
 * the path itself, so no ticket numbers, names or query strings), status
 * and duration. Nothing personal: no bodies, no tokens, no user.
 */
export function requestLog(logger?: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('X-Request-Id', requestId);
    if (!logger) return;
    const { status } = c.res;
    // The handler's pattern, e.g. /api/v1/incidents/:number; none when nothing but middleware matched (a 404).
    const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? null;
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    logger[status >= 500 ? 'error' : 'info']({ requestId, method: c.req.method, route, status, durationMs }, 'request');
  });
}
