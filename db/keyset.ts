import { sql, type SQLWrapper } from 'drizzle-orm';

/**
 * A timestamp as whole microseconds, in text: the sort key of lists ordered by
 * time. JavaScript dates hold milliseconds, so a cursor made of one would skip
 * or repeat the rows that share it.
 */
export const microsOf = (column: SQLWrapper) => sql<string>`((extract(epoch from ${column}) * 1000000)::bigint)::text`;
