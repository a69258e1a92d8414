import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details; `errors` names each offending field. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Thrown anywhere in a request; the error middleware turns it into problem+json. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, errors?: Problem['errors']) => new ProblemError(400, detail, errors ? { errors } : {});
export const forbidden = (detail = 'your role does not allow this') => new ProblemError(403, detail);
export const notFound = (detail: string) => new ProblemError(404, detail);
export const conflict = (detail: string, extensions: Record<string, unknown> = {}) => new ProblemError(409, detail, extensions);
export const unprocessable = (field: string, message: string) =>
  new ProblemError(422, `${field}: ${message}`, { errors: [{ field, message }] });
export const unavailable = (detail: string) => new ProblemError(503, detail, {}, { 'Retry-After': '5' });

export function problemBody(status: number, detail?: string, extensions: Record<string, unknown> = {}): Problem {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail !== undefined && { detail }),
    ...extensions,
  };
}

export function problemResponse(status: number, detail?: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(problemBody(status, detail, extensions)), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/**
 * The error responses a route may give, for the OpenAPI document. A route that
 * authenticates (401) may also refuse a client that keeps sending bad tokens (429).
 */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    [...statuses, ...(statuses.includes(401) && !statuses.includes(429) ? [429] : [])].map((s) => [s, { description: TITLES[s] ?? 'Error', content: problemContent }]),
  );
