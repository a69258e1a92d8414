import { createMiddleware } from 'hono/factory';
import { unstorableAt } from '../../domain/text';
import type { AppEnv } from '../context';
import { badRequest } from '../problem';

/** The first string in `value` (keys included) that PostgreSQL could not store, with its path (`title`, `tags.2`, `query.q`). */
function findUnstorable(value: unknown, path: string[]): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const bad = unstorableAt(value);
    // Named as the validators name fields: body fields bare, others by where they came from.
    return bad ? { field: path.join('.') || '(body)', message: `${bad.reason} at position ${bad.index}` } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const found = findUnstorable(key, [...path, key]) ?? findUnstorable(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses text PostgreSQL cannot store anywhere in a request (query, JSON
 * body), on every route, before any handler sees it: such text once reached a
 * workflow and froze its ticket. The schemas refuse it too (domain/text.ts);
 * this is the net under routes whose schemas someone forgets to build on it.
 */
export const rejectUnstorableText = createMiddleware<AppEnv>(async (c, next) => {
  const problem = findUnstorable(c.req.query(), ['query']) ?? (await jsonBody(c.req).then((body) => findUnstorable(body, [])));
  if (problem) throw badRequest(`${problem.field} ${problem.message}`, [problem]);
  await next();
});

/** The parsed JSON body, if the request has one; Hono keeps it for the route's validator. Malformed JSON is the validator's to refuse. */
async function jsonBody(req: { header(name: string): string | undefined; json(): Promise<unknown> }): Promise<unknown> {
  if (!/^application\/([a-z.+-]*\+)?json/i.test(req.header('content-type') ?? '')) return undefined;
  return req.json().catch(() => undefined);
}
