import { and, eq, inArray, or } from 'drizzle-orm';
import type { ApprovalRule } from '../domain/approvals';
import type { Database } from './client';
import { changeApprovalRules, changeTemplates, cis, services } from './schema';

/**
 * What the change workflow reads of the change configuration: the template a
 * standard change is raised from, and the teams whose approval a change needs
 * by the approval rules (data kept through /api/v1/change-approval-rules).
 */

export type ChangeTemplate = typeof changeTemplates.$inferSelect;

/** A team whose approval a change needs, by which rule, and the rules' subjects that asked for it. */
export interface RequiredApproval {
  team: string;
  rule: ApprovalRule;
  /** What matched, in code-point order: 'class database', 'service Payroll'. */
  because: string[];
}

/** How much a rule asks: every member beats any count, a higher count a lower one, a count any one member. */
const strictness = (rule: ApprovalRule) => (rule.kind === 'all' ? Number.POSITIVE_INFINITY : rule.kind === 'quorum' ? rule.count : 0);

/** Code-point order: the same on every database and locale. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The teams that must approve a change on these CIs and services: every rule
 * about the class of one of the CIs or about one of the services, merged per
 * team (the strictest rule wins), sorted by team. One query, whatever the
 * number of CIs and services; unknown ids match nothing.
 */
export async function approvalRulesFor(db: Database, { ciIds, serviceIds }: { ciIds: string[]; serviceIds: string[] }): Promise<RequiredApproval[]> {
  if (ciIds.length === 0 && serviceIds.length === 0) return [];
  const classes = db.selectDistinct({ class: cis.class }).from(cis).where(inArray(cis.id, ciIds));
  const rows = await db
    .select({ team: changeApprovalRules.team, rule: changeApprovalRules.rule, ciClass: changeApprovalRules.ciClass, serviceName: services.name })
    .from(changeApprovalRules)
    .leftJoin(services, eq(services.id, changeApprovalRules.serviceId))
    .where(
      or(
        ciIds.length ? inArray(changeApprovalRules.ciClass, classes) : undefined,
        serviceIds.length ? inArray(changeApprovalRules.serviceId, serviceIds) : undefined,
      ),
    );
  const byTeam = new Map<string, RequiredApproval>();
  for (const row of rows) {
    const because = row.ciClass !== null ? `class ${row.ciClass}` : `service ${row.serviceName}`;
    const seen = byTeam.get(row.team);
    if (!seen) byTeam.set(row.team, { team: row.team, rule: row.rule, because: [because] });
    else {
      seen.because.push(because);
      if (strictness(row.rule) > strictness(seen.rule)) seen.rule = row.rule;
    }
  }
  return [...byTeam.values()].sort((a, b) => byCodePoint(a.team, b.team)).map((r) => ({ ...r, because: r.because.sort(byCodePoint) }));
}

/** The template a standard change may be raised from: null when there is none with this id, or it is deactivated. */
export async function activeTemplate(db: Database, id: string): Promise<ChangeTemplate | null> {
  const [row] = await db
    .select()
    .from(changeTemplates)
    .where(and(eq(changeTemplates.id, id), eq(changeTemplates.active, true)));
  return row ?? null;
}
