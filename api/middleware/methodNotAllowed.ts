import type { NotFoundHandler } from 'hono';
import type { AppEnv } from '../context';
import { problemResponse } from '../problem';

/** Hono's route patterns (`/api/v1/incidents/:number`) as matchers of concrete paths. */
const matcherOf = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+').replace(/\/\*$/, '(/.*)?')}$`);

/**
 * No route for this method and path: 405 with `Allow` when the path exists
 * under other methods only (RFC 9110), else 404.
 */
export function notFoundOrNotAllowed(routes: () => { method: string; path: string }[]): NotFoundHandler<AppEnv> {
  let table: { method: string; matches: RegExp }[] | null = null;
  return (c) => {
    table ??= routes()
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, matches: matcherOf(r.path) }));
    const allowed = [...new Set(table.filter((r) => r.matches.test(c.req.path)).map((r) => r.method))].sort();
    // A route of this very method that answered "not found" (an unknown asset, say) is a 404.
    if (allowed.length && !allowed.includes(c.req.method)) return problemResponse(405, `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}`, {}, { Allow: allowed.join(', ') });
    return problemResponse(404, `no route for ${c.req.method} ${c.req.path}`);
  };
}
