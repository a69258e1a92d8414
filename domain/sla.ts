import { z } from 'zod';
import type { CalendarSpec } from './calendar';
import type { Priority } from './priority';

const seconds = z.number().int().min(1).max(366 * 24 * 3600);

export const slaTargetSchema = z.strictObject({
  responseSeconds: seconds.nullable(),
  resolutionSeconds: seconds.nullable(),
});
export type SlaTarget = z.infer<typeof slaTargetSchema>;

export const slaTargetsSchema = z.strictObject({
  '1': slaTargetSchema,
  '2': slaTargetSchema,
  '3': slaTargetSchema,
  '4': slaTargetSchema,
  '5': slaTargetSchema,
});
export type SlaTargets = z.infer<typeof slaTargetsSchema>;

export const DEFAULT_WARN_AT_PERCENT = 75;

const HOUR = 3600;
/** The white paper's targets (DESIGN.md): response then resolution, per priority. */
export const DEFAULT_SLA_TARGETS: SlaTargets = {
  '1': { responseSeconds: 15 * 60, resolutionSeconds: 1 * HOUR },
  '2': { responseSeconds: 1 * HOUR, resolutionSeconds: 8 * HOUR },
  '3': { responseSeconds: 4 * HOUR, resolutionSeconds: 24 * HOUR },
  '4': { responseSeconds: 8 * HOUR, resolutionSeconds: 48 * HOUR },
  '5': { responseSeconds: null, resolutionSeconds: null },
};

/** What a ticket carries of its SLA: a snapshot taken at creation, so later edits to the SLA never rewrite running clocks. */
export interface SlaPolicy {
  id: string;
  name: string;
  targets: SlaTargets;
  warnAtPercent: number;
  calendar: CalendarSpec;
}

export function targetFor(policy: SlaPolicy, priority: Priority): SlaTarget {
  return policy.targets[String(priority) as keyof SlaTargets];
}
