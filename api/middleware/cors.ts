import { cors } from 'hono/cors';

/** CORS for the origins TEMPODESK_CORS_ORIGINS names (`*`: any). Bearer tokens, not cookies: no credentials. */
export const corsFor = (origins: string[]) =>
  cors({
    origin: origins.includes('*') ? '*' : origins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Location'],
    maxAge: 600,
  });
