import type { BusinessCalendar } from './calendar';

/**
 * One SLA clock (response or resolution) as plain, serialisable data: it lives
 * in workflow state and survives continue-as-new. Elapsed time is business time
 * on the ticket's calendar; paused time is wall time.
 */
export interface SlaClock {
  /** null: no target (planning priority); such a clock never warns or breaches. */
  targetMs: number | null;
  /** Business time accrued before the current running stretch. */
  accruedMs: number;
  /** Start of the current running stretch; null while paused or stopped. */
  runningSince: number | null;
  pausedSince: number | null;
  pausedMs: number;
  metAt: number | null;
  /** Thresholds (percent of target) already acted upon, so each fires once. */
  firedPercents: number[];
}

export const BREACH_PERCENT = 100;
/** Escalation steps after the breach (issue #2: 150 % and 200 %). */
export const ESCALATION_PERCENTS = [150, 200] as const;

export function thresholdsFor(warnAtPercent: number): number[] {
  return [warnAtPercent, BREACH_PERCENT, ...ESCALATION_PERCENTS];
}

export function startClock(targetSeconds: number | null, now: number): SlaClock {
  return {
    targetMs: targetSeconds === null ? null : targetSeconds * 1000,
    accruedMs: 0,
    runningSince: now,
    pausedSince: null,
    pausedMs: 0,
    metAt: null,
    firedPercents: [],
  };
}

export function elapsedMs(clock: SlaClock, now: number, calendar: BusinessCalendar): number {
  const running = clock.runningSince === null ? 0 : calendar.businessMsBetween(clock.runningSince, now);
  return clock.accruedMs + running;
}

export function isPaused(clock: SlaClock): boolean {
  return clock.pausedSince !== null;
}

export function pauseClock(clock: SlaClock, now: number, calendar: BusinessCalendar): SlaClock {
  if (clock.runningSince === null) return clock;
  return { ...clock, accruedMs: elapsedMs(clock, now, calendar), runningSince: null, pausedSince: now };
}

export function resumeClock(clock: SlaClock, now: number): SlaClock {
  if (clock.pausedSince === null) return clock;
  return { ...clock, runningSince: now, pausedSince: null, pausedMs: clock.pausedMs + (now - clock.pausedSince) };
}

/** The clock stops for good (response acknowledged, incident resolved). */
export function meetClock(clock: SlaClock, now: number, calendar: BusinessCalendar): SlaClock {
  if (clock.metAt !== null) return clock;
  const resumed = resumeClock(clock, now);
  return { ...resumed, accruedMs: elapsedMs(resumed, now, calendar), runningSince: null, metAt: now };
}

/** The clock stops for good without being met (the ticket was cancelled): never due, never breached later. */
export function stopClock(clock: SlaClock, now: number, calendar: BusinessCalendar): SlaClock {
  if (clock.runningSince === null && clock.pausedSince === null) return clock;
  const resumed = resumeClock(clock, now);
  return { ...resumed, accruedMs: elapsedMs(resumed, now, calendar), runningSince: null };
}

/** A reopened ticket continues from the time it had used; time spent resolved does not count. */
export function reopenClock(clock: SlaClock, now: number): SlaClock {
  if (clock.metAt === null) return clock;
  return { ...clock, metAt: null, runningSince: now };
}

/**
 * A new target (priority or SLA changed) keeps every elapsed millisecond and
 * only moves the finish line of a clock still running or paused. Thresholds already acted upon stay acted upon;
 * ones that the new target puts in the past fire at the next wake-up.
 */
export function retargetClock(clock: SlaClock, targetSeconds: number | null): SlaClock {
  // A met clock's result is final: a later priority change does not rewrite it.
  if (clock.metAt !== null) return clock;
  return { ...clock, targetMs: targetSeconds === null ? null : targetSeconds * 1000 };
}

export function markFired(clock: SlaClock, percent: number): SlaClock {
  if (clock.firedPercents.includes(percent)) return clock;
  return { ...clock, firedPercents: [...clock.firedPercents, percent].sort((a, b) => a - b) };
}

export function isBreached(clock: SlaClock, now: number, calendar: BusinessCalendar): boolean {
  if (clock.targetMs === null) return false;
  if (clock.firedPercents.includes(BREACH_PERCENT)) return true;
  return elapsedMs(clock, now, calendar) > clock.targetMs;
}

/** When the target will be reached if the clock keeps running; null when paused, stopped or untargeted. */
export function dueAt(clock: SlaClock, now: number, calendar: BusinessCalendar): number | null {
  if (clock.targetMs === null || clock.runningSince === null) return null;
  return calendar.addBusinessMs(now, clock.targetMs - elapsedMs(clock, now, calendar));
}

export interface Threshold {
  percent: number;
  /** Wall-clock instant the threshold is reached; may be <= now (due already). */
  at: number;
}

/** The earliest threshold not yet acted upon, if the clock is running toward it. */
export function nextThreshold(
  clock: SlaClock,
  warnAtPercent: number,
  now: number,
  calendar: BusinessCalendar,
): Threshold | null {
  if (clock.targetMs === null || clock.runningSince === null) return null;
  const percent = thresholdsFor(warnAtPercent).find((p) => !clock.firedPercents.includes(p));
  if (percent === undefined) return null;
  const remaining = (clock.targetMs * percent) / 100 - elapsedMs(clock, now, calendar);
  return { percent, at: calendar.addBusinessMs(now, remaining) };
}

/** Every threshold due at `now`, oldest first. */
export function dueThresholds(clock: SlaClock, warnAtPercent: number, now: number, calendar: BusinessCalendar): number[] {
  if (clock.targetMs === null || clock.runningSince === null) return [];
  const elapsed = elapsedMs(clock, now, calendar);
  const target = clock.targetMs;
  return thresholdsFor(warnAtPercent).filter((p) => !clock.firedPercents.includes(p) && elapsed >= (target * p) / 100);
}

export interface ClockView {
  targetSeconds: number | null;
  elapsedSeconds: number;
  dueAt: string | null;
  metAt: string | null;
  breached: boolean;
  paused: boolean;
  pausedSeconds: number;
}

export function viewClock(clock: SlaClock, now: number, calendar: BusinessCalendar): ClockView {
  const due = dueAt(clock, now, calendar);
  return {
    targetSeconds: clock.targetMs === null ? null : clock.targetMs / 1000,
    elapsedSeconds: Math.floor(elapsedMs(clock, now, calendar) / 1000),
    dueAt: due === null ? null : new Date(due).toISOString(),
    metAt: clock.metAt === null ? null : new Date(clock.metAt).toISOString(),
    breached: isBreached(clock, now, calendar),
    paused: isPaused(clock),
    pausedSeconds: Math.floor((clock.pausedMs + (clock.pausedSince === null ? 0 : now - clock.pausedSince)) / 1000),
  };
}

/**
 * A clock as projected at `projectedAt`, carried forward to `now`: the read
 * model is written on transitions only, while a running clock keeps counting.
 */
export function advanceClockView(view: ClockView, projectedAt: number, now: number, calendar: BusinessCalendar): ClockView {
  if (view.metAt !== null || now <= projectedAt) return view;
  if (view.paused) return { ...view, pausedSeconds: view.pausedSeconds + Math.floor((now - projectedAt) / 1000) };
  const elapsedSeconds = view.elapsedSeconds + Math.floor(calendar.businessMsBetween(projectedAt, now) / 1000);
  return { ...view, elapsedSeconds, breached: view.breached || (view.targetSeconds !== null && elapsedSeconds > view.targetSeconds) };
}
