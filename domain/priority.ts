/** 1 high, 2 medium, 3 low (ITIL impact and urgency scales). */
export type Level = 1 | 2 | 3;
/** 1 critical, 2 high, 3 moderate, 4 low, 5 planning. */
export type Priority = 1 | 2 | 3 | 4 | 5;

export const PRIORITY_NAMES: Record<Priority, string> = {
  1: 'critical',
  2: 'high',
  3: 'moderate',
  4: 'low',
  5: 'planning',
};

/**
 * The ITIL priority matrix (DESIGN.md): priority grows by one step for each
 * step down in impact or urgency, so it is their sum less one.
 */
export function priorityOf(impact: Level, urgency: Level): Priority {
  return (impact + urgency - 1) as Priority;
}
