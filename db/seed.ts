import { eq } from 'drizzle-orm';
import { DEFAULT_SLA_TARGETS, DEFAULT_WARN_AT_PERCENT } from '../domain/sla';
import type { Database } from './client';
import { slas } from './schema';

export const DEFAULT_SLA_NAME = 'Default';

/** The white paper's targets on a 24×7 calendar, so a fresh install can log incidents at once. */
export async function seed(db: Database): Promise<void> {
  const [existing] = await db.select({ id: slas.id }).from(slas).where(eq(slas.isDefault, true));
  if (existing) return;
  await db
    .insert(slas)
    .values({ name: DEFAULT_SLA_NAME, targets: DEFAULT_SLA_TARGETS, warnAtPercent: DEFAULT_WARN_AT_PERCENT, isDefault: true })
    .onConflictDoNothing();
}
