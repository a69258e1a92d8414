import { describe, expect, it } from 'vitest';
import { calendarFor, twentyFourSeven, type BusinessCalendar } from '../../domain/calendar';
import {
  advanceClockView,
  dueAt,
  dueThresholds,
  elapsedMs,
  isBreached,
  markFired,
  meetClock,
  nextThreshold,
  pauseClock,
  reopenClock,
  resumeClock,
  retargetClock,
  startClock,
  viewClock,
} from '../../domain/slaClock';

const cal = twentyFourSeven;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const s = (seconds: number) => seconds * 1000;
const office = { start: '09:00', end: '17:00' };

describe('SLA clock', () => {
  it('counts elapsed time while running and computes the due instant', () => {
    const clock = startClock(3600, T0);
    expect(elapsedMs(clock, T0 + s(600), cal)).toBe(s(600));
    expect(dueAt(clock, T0 + s(600), cal)).toBe(T0 + s(3600));
  });

  it('pauses: elapsed stops, paused time is counted, due date disappears, resume returns the budget', () => {
    let clock = startClock(3600, T0);
    clock = pauseClock(clock, T0 + s(600), cal);
    expect(elapsedMs(clock, T0 + s(5000), cal)).toBe(s(600));
    expect(dueAt(clock, T0 + s(5000), cal)).toBeNull();
    expect(nextThreshold(clock, 75, T0 + s(5000), cal)).toBeNull();
    expect(viewClock(clock, T0 + s(1600), cal)).toMatchObject({ paused: true, pausedSeconds: 1000, elapsedSeconds: 600 });
    clock = resumeClock(clock, T0 + s(2600));
    expect(clock.pausedMs).toBe(s(2000));
    // 3000 s of budget remain after resuming.
    expect(dueAt(clock, T0 + s(2600), cal)).toBe(T0 + s(2600 + 3000));
  });

  it('ignores a pause of a paused clock and a resume of a running one', () => {
    const paused = pauseClock(startClock(60, T0), T0 + s(10), cal);
    expect(pauseClock(paused, T0 + s(20), cal)).toBe(paused);
    const running = startClock(60, T0);
    expect(resumeClock(running, T0 + s(5))).toBe(running);
  });

  it('rebases on a new target without losing elapsed time', () => {
    let clock = startClock(8 * 3600, T0);
    const at = T0 + s(1800);
    clock = retargetClock(clock, 3600);
    expect(elapsedMs(clock, at, cal)).toBe(s(1800));
    expect(dueAt(clock, at, cal)).toBe(T0 + s(3600));
    clock = retargetClock(clock, 4 * 3600);
    expect(dueAt(clock, at, cal)).toBe(T0 + s(4 * 3600));
  });

  it('keeps a met clock’s result when the target changes afterwards', () => {
    const met = meetClock(startClock(4 * 3600, T0), T0 + s(1800), cal);
    expect(retargetClock(met, 900)).toBe(met);
    expect(isBreached(retargetClock(met, 900), T0 + s(5000), cal)).toBe(false);
  });

  it('walks the thresholds: warning, breach, 150 %, 200 %, then nothing', () => {
    let clock = startClock(100, T0);
    const fired: number[] = [];
    for (;;) {
      const next = nextThreshold(clock, 75, T0, cal);
      if (!next) break;
      expect(dueThresholds(clock, 75, next.at - 1, cal)).toEqual([]);
      expect(dueThresholds(clock, 75, next.at, cal)).toEqual([next.percent]);
      fired.push(next.percent);
      expect(next.at).toBe(T0 + next.percent * 1000);
      clock = markFired(clock, next.percent);
    }
    expect(fired).toEqual([75, 100, 150, 200]);
    expect(isBreached(clock, T0, cal)).toBe(true);
  });

  it('reports every threshold passed at once when it wakes late (after downtime)', () => {
    const clock = startClock(100, T0);
    expect(dueThresholds(clock, 75, T0 + s(160), cal)).toEqual([75, 100, 150]);
  });

  it('fires thresholds the new target puts in the past at once, and never twice', () => {
    let clock = markFired(startClock(3600, T0), 75);
    clock = retargetClock(clock, 600);
    expect(dueThresholds(clock, 75, T0 + s(700), cal)).toEqual([100]);
    // Overdue thresholds keep their instant; the workflow acts on them without sleeping.
    expect(nextThreshold(clock, 75, T0 + s(700), cal)).toEqual({ percent: 100, at: T0 + s(600) });
    expect(dueAt(clock, T0 + s(700), cal)).toBe(T0 + s(600));
  });

  it('meets: stops for good, keeps the elapsed time, is met on time or late', () => {
    const onTime = meetClock(startClock(100, T0), T0 + s(40), cal);
    expect(onTime.metAt).toBe(T0 + s(40));
    expect(elapsedMs(onTime, T0 + s(500), cal)).toBe(s(40));
    expect(isBreached(onTime, T0 + s(500), cal)).toBe(false);
    expect(nextThreshold(onTime, 75, T0 + s(500), cal)).toBeNull();
    expect(isBreached(meetClock(startClock(100, T0), T0 + s(140), cal), T0 + s(500), cal)).toBe(true);
  });

  it('meets a paused clock without counting the pause', () => {
    const paused = pauseClock(startClock(100, T0), T0 + s(30), cal);
    const met = meetClock(paused, T0 + s(90), cal);
    expect(elapsedMs(met, T0 + s(90), cal)).toBe(s(30));
    expect(met.pausedMs).toBe(s(60));
  });

  it('reopens from where it stopped; time spent resolved does not count', () => {
    const met = meetClock(startClock(100, T0), T0 + s(40), cal);
    const reopened = reopenClock(met, T0 + s(1000));
    expect(reopened.metAt).toBeNull();
    expect(elapsedMs(reopened, T0 + s(1010), cal)).toBe(s(50));
  });

  it('never warns or breaches without a target', () => {
    const clock = startClock(null, T0);
    expect(nextThreshold(clock, 75, T0 + s(1e6), cal)).toBeNull();
    expect(isBreached(clock, T0 + s(1e6), cal)).toBe(false);
    expect(viewClock(clock, T0, cal).dueAt).toBeNull();
  });

  it('asks its calendar for business time, so a business-hours calendar plugs in', () => {
    // A toy calendar where only every other second counts.
    const halfTime: BusinessCalendar = {
      businessMsBetween: (a, b) => Math.max(0, (b - a) / 2),
      addBusinessMs: (from, ms) => from + ms * 2,
    };
    const clock = startClock(100, T0);
    expect(elapsedMs(clock, T0 + s(100), halfTime)).toBe(s(50));
    expect(dueAt(clock, T0, halfTime)).toBe(T0 + s(200));
    expect(nextThreshold(clock, 75, T0, halfTime)).toEqual({ percent: 75, at: T0 + s(150) });
  });

  it('carries a projected view forward: running clocks count and may breach, paused ones count pause, met ones stand still', () => {
    const running = viewClock(startClock(100, T0), T0 + s(90), cal);
    expect(advanceClockView(running, T0 + s(90), T0 + s(120), cal)).toMatchObject({ elapsedSeconds: 120, breached: true });
    const paused = viewClock(pauseClock(startClock(100, T0), T0 + s(10), cal), T0 + s(20), cal);
    expect(advanceClockView(paused, T0 + s(20), T0 + s(50), cal)).toMatchObject({ elapsedSeconds: 10, pausedSeconds: 40, breached: false });
    const met = viewClock(meetClock(startClock(100, T0), T0 + s(30), cal), T0 + s(30), cal);
    expect(advanceClockView(met, T0 + s(30), T0 + s(500), cal)).toEqual(met);
  });
});

describe('SLA clock on business hours', () => {
  const H = s(3600);
  const paris = calendarFor({
    kind: 'business',
    id: '00000000-0000-4000-8000-000000000002',
    name: 'Paris office',
    timeZone: 'Europe/Paris',
    week: { mon: [office], tue: [office], wed: [office], thu: [office], fri: [office], sat: [], sun: [] },
    holidays: [
      { date: '2026-12-25', name: 'Noël' },
      { date: '2027-01-01', name: 'Jour de l’an' },
    ],
  });
  const at = (iso: string) => Date.parse(iso);

  it('does not count a pause that spans a weekend, and resumes with the budget left', () => {
    // Opened Friday 15:00 with 4 business hours to resolve; pending from 16:30 to Monday 11:00.
    let clock = startClock(4 * 3600, at('2026-01-09T15:00+01:00'));
    expect(dueAt(clock, at('2026-01-09T15:00+01:00'), paris)).toBe(at('2026-01-12T11:00+01:00'));
    clock = pauseClock(clock, at('2026-01-09T16:30+01:00'), paris);
    expect(elapsedMs(clock, at('2026-01-12T10:00+01:00'), paris)).toBe(1.5 * H);
    clock = resumeClock(clock, at('2026-01-12T11:00+01:00'));
    expect(clock.pausedMs).toBe(at('2026-01-12T11:00+01:00') - at('2026-01-09T16:30+01:00'));
    expect(dueAt(clock, at('2026-01-12T11:00+01:00'), paris)).toBe(at('2026-01-12T13:30+01:00'));
    expect(viewClock(clock, at('2026-01-12T12:00+01:00'), paris)).toMatchObject({ elapsedSeconds: 2.5 * 3600, paused: false, breached: false });
    // The same pause with no business time inside it (Friday 17:30 to Monday 08:00) changes no due time.
    const quiet = resumeClock(pauseClock(startClock(4 * 3600, at('2026-01-09T15:00+01:00')), at('2026-01-09T17:30+01:00'), paris), at('2026-01-12T08:00+01:00'));
    expect(dueAt(quiet, at('2026-01-12T08:00+01:00'), paris)).toBe(at('2026-01-12T11:00+01:00'));
  });

  it('computes a due time and its thresholds across a holiday', () => {
    // 16 business hours from Thursday 24 December 09:00: Thursday, then Monday 28 (Friday is Christmas).
    const clock = startClock(16 * 3600, at('2026-12-24T09:00+01:00'));
    expect(new Date(dueAt(clock, at('2026-12-24T09:00+01:00'), paris)!).toISOString()).toBe(new Date(at('2026-12-28T17:00+01:00')).toISOString());
    expect(nextThreshold(clock, 75, at('2026-12-24T09:00+01:00'), paris)).toEqual({ percent: 75, at: at('2026-12-28T13:00+01:00') });
    expect(elapsedMs(clock, at('2026-12-26T12:00+01:00'), paris)).toBe(8 * H);
    expect(isBreached(clock, at('2026-12-28T16:59+01:00'), paris)).toBe(false);
    expect(isBreached(clock, at('2026-12-29T09:01+01:00'), paris)).toBe(true);
  });

  it('keeps an overdue due time where it was: the calendar walks back over closed time', () => {
    const clock = startClock(4 * 3600, at('2026-01-09T15:00+01:00'));
    // Monday 14:00: 2 h on Friday and 5 h on Monday, 3 h past a target reached Monday 11:00.
    expect(dueAt(clock, at('2026-01-12T14:00+01:00'), paris)).toBe(at('2026-01-12T11:00+01:00'));
    expect(dueAt(retargetClock(clock, 3600), at('2026-01-12T14:00+01:00'), paris)).toBe(at('2026-01-09T16:00+01:00'));
    expect(dueThresholds(clock, 75, at('2026-01-12T14:00+01:00'), paris)).toEqual([75, 100, 150]);
  });

  it('carries a projected view forward in business time only', () => {
    const view = viewClock(startClock(8 * 3600, at('2026-01-09T16:00+01:00')), at('2026-01-09T16:30+01:00'), paris);
    expect(view.elapsedSeconds).toBe(1800);
    expect(advanceClockView(view, at('2026-01-09T16:30+01:00'), at('2026-01-12T09:30+01:00'), paris).elapsedSeconds).toBe(3600 + 1800);
  });
});
