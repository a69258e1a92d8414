import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { AppEnv } from './context';
import { problemResponse } from './problem';

/** zod issues as problem+json `errors`: one entry per field, unknown keys named. */
export function fieldErrors(issues: z.core.$ZodIssue[], prefix: string[] = []) {
  return issues.flatMap((issue) => {
    const base = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ field: base.join('.') || '(body)', message: issue.message }];
  });
}

/** A router whose request validation failures answer 400 problem+json naming each field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (result.success) return;
      const errors = fieldErrors(result.error.issues, result.target === 'json' ? [] : [result.target]);
      return problemResponse(400, `invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
    },
  });
}
