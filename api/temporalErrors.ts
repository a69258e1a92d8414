import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  FORBIDDEN,
  ILLEGAL_TRANSITION,
  INVALID_COMMAND,
  UNPROCESSABLE,
  type IllegalTransitionDetails,
} from '../workflows/kernel/messages';
import { badRequest, conflict, forbidden, ProblemError } from './problem';

/** gRPC status codes DEADLINE_EXCEEDED (4) and UNAVAILABLE (14): the server is away, not the request wrong. */
const UNAVAILABLE = new Set<number>([4, 14]);

export function isTemporalUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ServiceError) {
      const code = (e.cause as { code?: number } | undefined)?.code;
      if (code === undefined || UNAVAILABLE.has(code)) return true;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && UNAVAILABLE.has(code) && e.message.includes('UNAVAILABLE')) return true;
  }
  return false;
}

/** Turns a refused Update into the HTTP answer its failure type stands for. */
export function problemFromUpdateFailure(error: unknown): ProblemError | null {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return null;
  const failure = error.cause;
  const details = failure.details?.[0];
  switch (failure.type) {
    case ILLEGAL_TRANSITION: {
      const { status, allowed } = details as IllegalTransitionDetails;
      return conflict(failure.message, { currentStatus: status, allowedCommands: allowed });
    }
    case INVALID_COMMAND:
      return badRequest(failure.message, details as { field: string; message: string }[]);
    case UNPROCESSABLE:
      return new ProblemError(422, failure.message);
    case FORBIDDEN:
      return forbidden(failure.message);
    default:
      return null;
  }
}
