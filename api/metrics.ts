import { sql } from 'drizzle-orm';
import { Gauge, Registry } from 'prom-client';
import { rowsOf, type Database } from '../db/client';
import { projectionFailures } from '../db/schema';

/**
 * The Prometheus registry of one API process, read on each scrape of
 * GET /metrics. The alerting side of the read model lives here: tickets the
 * database refuses for good keep working, so only a metric (and /health)
 * shows them.
 */
export function createMetrics(db: Database): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'tempodesk_projection_failing_tickets',
    help: 'Tickets whose read-model projection the database refuses for good (SQLSTATE class 22 or another lineage); see projection_failures',
    registers: [registry],
    async collect() {
      const [row] = rowsOf<{ count: number }>(await db.execute(sql`select count(*)::int as count from ${projectionFailures}`));
      this.set(row?.count ?? 0);
    },
  });
  return registry;
}
