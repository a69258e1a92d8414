import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../context';
import { ProblemError, problemResponse, unavailable } from '../problem';
import { isTemporalUnavailable } from '../temporalErrors';

const DB_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01', '57P03']);

function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_UNAVAILABLE_CODES.has(code)) return true;
  }
  return false;
}

/** Every failure leaves as problem+json; nothing internal (stack, SQL) reaches the client. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const problem =
    error instanceof ProblemError ? error
    : isTemporalUnavailable(error) ? unavailable('the workflow engine is unreachable; try again shortly')
    : isDatabaseUnavailable(error) ? unavailable('the database is unreachable; try again shortly')
    : null;
  if (problem) return problemResponse(problem.status, problem.message, problem.extensions, problem.headers);
  if (error instanceof HTTPException) return problemResponse(error.status, error.message || undefined);
  console.error(`${c.req.method} ${c.req.path} failed (request ${c.get('requestId')}):`, error);
  return problemResponse(500, 'an unexpected error occurred');
};
