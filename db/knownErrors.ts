import { desc, sql } from 'drizzle-orm';
import type { Database } from './client';
import { knownErrors as knownErrorsTable } from './schema';

const knownErrorColumns = {
  number: knownErrorsTable.number,
  title: knownErrorsTable.title,
  symptoms: knownErrorsTable.symptoms,
  rootCause: knownErrorsTable.rootCause,
  workaround: knownErrorsTable.workaround,
  status: knownErrorsTable.status,
  publishedAt: knownErrorsTable.publishedAt,
};

/**
 * The KEDB, best match first. Any word may match (an incident's report rarely
 * uses the known error's exact words); more matches and matches in title and
 * symptoms rank higher.
 */
export async function searchKnownErrors(db: Database, q: string | undefined, limit: number) {
  if (q === undefined) return db.select(knownErrorColumns).from(knownErrorsTable).orderBy(desc(knownErrorsTable.publishedAt)).limit(limit);
  const query = sql`replace(plainto_tsquery('english', ${q})::text, '&', '|')::tsquery`;
  return db
    .select(knownErrorColumns)
    .from(knownErrorsTable)
    .where(sql`${knownErrorsTable.search} @@ ${query}`)
    .orderBy(desc(sql`ts_rank(${knownErrorsTable.search}, ${query})`), desc(knownErrorsTable.publishedAt))
    .limit(limit);
}
