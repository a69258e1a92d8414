import { describe, expect, it } from 'vitest';
import {
  calendarFor,
  canonicalTimeZone,
  dayOfDate,
  HORIZON_MS,
  minutesOfWallTime,
  WEEKDAYS,
  type BusinessCalendar,
  type CalendarSpec,
  type Holiday,
  type WeeklyHours,
  type WorkingPeriod,
} from '../../domain/calendar';

const MIN = 60_000;
const H = 60 * MIN;
const at = (iso: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
};
const iso = (ms: number) => new Date(ms).toISOString();

/** A week with the same periods on the days named, closed on the others. */
function week(days: Partial<Record<(typeof WEEKDAYS)[number], WorkingPeriod[]>>): WeeklyHours {
  return Object.fromEntries(WEEKDAYS.map((d) => [d, days[d] ?? []])) as WeeklyHours;
}
const weekdays = (periods: WorkingPeriod[]) => week({ mon: periods, tue: periods, wed: periods, thu: periods, fri: periods });
const everyDay = (periods: WorkingPeriod[]) => week(Object.fromEntries(WEEKDAYS.map((d) => [d, periods])));
const p = (start: string, end: string): WorkingPeriod => ({ start, end });

function calendar(timeZone: string, hours: WeeklyHours, holidays: Holiday[] = []): BusinessCalendar {
  return calendarFor({ kind: 'business', id: '00000000-0000-4000-8000-000000000001', name: 'test', timeZone, week: hours, holidays });
}

const officeHours = weekdays([p('09:00', '17:00')]);
const paris = calendar('Europe/Paris', officeHours);

describe('24×7', () => {
  it('counts every millisecond and adds plainly', () => {
    const cal = calendarFor({ kind: '24x7' });
    expect(cal.businessMsBetween(0, 5 * H)).toBe(5 * H);
    expect(cal.businessMsBetween(5 * H, 0)).toBe(0);
    expect(cal.addBusinessMs(1000, -500)).toBe(500);
  });
});

describe('weekly hours', () => {
  it('counts only working hours on working days', () => {
    expect(paris.businessMsBetween(at('2026-01-05T09:00+01:00'), at('2026-01-05T17:00+01:00'))).toBe(8 * H);
    expect(paris.businessMsBetween(at('2026-01-05T00:00+01:00'), at('2026-01-12T00:00+01:00'))).toBe(40 * H);
    expect(paris.businessMsBetween(at('2026-01-05T12:30+01:00'), at('2026-01-06T10:15+01:00'))).toBe(4.5 * H + 1.25 * H);
  });

  it('counts nothing over a weekend, and carries a due time over it', () => {
    expect(paris.businessMsBetween(at('2026-01-10T00:00+01:00'), at('2026-01-12T00:00+01:00'))).toBe(0);
    expect(paris.businessMsBetween(at('2026-01-09T16:00+01:00'), at('2026-01-12T10:00+01:00'))).toBe(2 * H);
    expect(iso(paris.addBusinessMs(at('2026-01-09T16:00+01:00'), 2 * H))).toBe(iso(at('2026-01-12T10:00+01:00')));
  });

  it('starts the clock at the next opening for a ticket opened outside hours', () => {
    expect(iso(paris.addBusinessMs(at('2026-01-10T13:00+01:00'), H))).toBe(iso(at('2026-01-12T10:00+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-01-06T06:00+01:00'), 30 * MIN))).toBe(iso(at('2026-01-06T09:30+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-01-06T19:00+01:00'), 30 * MIN))).toBe(iso(at('2026-01-07T09:30+01:00')));
  });

  it('counts nothing for an interval entirely in closed time, and moves no instant by zero', () => {
    expect(paris.businessMsBetween(at('2026-01-09T17:00+01:00'), at('2026-01-12T09:00+01:00'))).toBe(0);
    expect(paris.businessMsBetween(at('2026-01-06T17:30+01:00'), at('2026-01-06T23:00+01:00'))).toBe(0);
    expect(paris.businessMsBetween(at('2026-01-06T12:00+01:00'), at('2026-01-06T11:00+01:00'))).toBe(0);
    const saturday = at('2026-01-10T13:00+01:00');
    expect(paris.addBusinessMs(saturday, 0)).toBe(saturday);
  });

  it('finishes exactly at closing time when the budget runs out there', () => {
    expect(iso(paris.addBusinessMs(at('2026-01-05T09:00+01:00'), 8 * H))).toBe(iso(at('2026-01-05T17:00+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-01-05T09:00+01:00'), 8 * H + 1))).toBe(iso(at('2026-01-06T09:00+01:00') + 1));
  });

  it('skips the lunch break of split periods', () => {
    const lunch = calendar('Europe/Paris', weekdays([p('08:00', '12:00'), p('13:00', '17:00')]));
    expect(lunch.businessMsBetween(at('2026-01-05T11:30+01:00'), at('2026-01-05T13:30+01:00'))).toBe(H);
    expect(lunch.businessMsBetween(at('2026-01-05T12:10+01:00'), at('2026-01-05T12:50+01:00'))).toBe(0);
    expect(iso(lunch.addBusinessMs(at('2026-01-05T11:00+01:00'), 2 * H))).toBe(iso(at('2026-01-05T14:00+01:00')));
    expect(iso(lunch.addBusinessMs(at('2026-01-05T12:30+01:00'), 30 * MIN))).toBe(iso(at('2026-01-05T13:30+01:00')));
    expect(lunch.businessMsBetween(at('2026-01-05T00:00+01:00'), at('2026-01-06T00:00+01:00'))).toBe(8 * H);
  });

  it('takes 24:00 as the end of the day', () => {
    const evenings = calendar('Europe/Paris', week({ mon: [p('18:00', '24:00')], wed: [p('00:00', '24:00')] }));
    expect(evenings.businessMsBetween(at('2026-01-05T23:00+01:00'), at('2026-01-06T01:00+01:00'))).toBe(H);
    expect(iso(evenings.addBusinessMs(at('2026-01-05T23:30+01:00'), 30 * MIN))).toBe(iso(at('2026-01-06T00:00+01:00')));
    expect(iso(evenings.addBusinessMs(at('2026-01-05T23:30+01:00'), 31 * MIN))).toBe(iso(at('2026-01-07T00:01+01:00')));
    expect(evenings.businessMsBetween(at('2026-01-07T00:00+01:00'), at('2026-01-08T00:00+01:00'))).toBe(24 * H);
  });

  it('runs a night shift split over midnight as one stretch', () => {
    const nights = calendar(
      'Europe/Paris',
      week({ mon: [p('22:00', '24:00')], tue: [p('00:00', '06:00'), p('22:00', '24:00')], wed: [p('00:00', '06:00')] }),
    );
    expect(nights.businessMsBetween(at('2026-01-05T20:00+01:00'), at('2026-01-06T08:00+01:00'))).toBe(8 * H);
    expect(iso(nights.addBusinessMs(at('2026-01-05T23:00+01:00'), 3 * H))).toBe(iso(at('2026-01-06T02:00+01:00')));
    expect(iso(nights.addBusinessMs(at('2026-01-06T05:00+01:00'), 2 * H))).toBe(iso(at('2026-01-06T23:00+01:00')));
    // Back over Tuesday's first hour and Monday's two, to the previous week's Wednesday morning.
    expect(iso(nights.addBusinessMs(at('2026-01-06T01:00+01:00'), -4 * H))).toBe(iso(at('2025-12-31T05:00+01:00')));
    expect(iso(nights.addBusinessMs(at('2026-01-06T23:00+01:00'), -2 * H))).toBe(iso(at('2026-01-06T05:00+01:00')));
  });
});

describe('holidays', () => {
  const mayDay = calendar('Europe/Paris', officeHours, [{ date: '2026-05-01', name: 'Fête du Travail' }]);

  it('closes the whole local day', () => {
    expect(mayDay.businessMsBetween(at('2026-05-01T00:00+02:00'), at('2026-05-02T00:00+02:00'))).toBe(0);
    expect(mayDay.businessMsBetween(at('2026-04-27T00:00+02:00'), at('2026-05-04T00:00+02:00'))).toBe(32 * H);
    expect(iso(mayDay.addBusinessMs(at('2026-04-30T16:00+02:00'), 2 * H))).toBe(iso(at('2026-05-04T10:00+02:00')));
    expect(iso(mayDay.addBusinessMs(at('2026-05-04T10:00+02:00'), -2 * H))).toBe(iso(at('2026-04-30T16:00+02:00')));
  });

  it('closes the day in the calendar’s time zone, not in UTC', () => {
    // 2026-05-01 in Tokyo ends at 15:00 UTC on the same date, when Paris is still at work.
    const tokyo = calendar('Asia/Tokyo', everyDay([p('00:00', '24:00')]), [{ date: '2026-05-01', name: 'closed' }]);
    expect(tokyo.businessMsBetween(at('2026-04-30T14:00Z'), at('2026-05-01T16:00Z'))).toBe(2 * H);
  });

  it('changes nothing when it falls on a closed day', () => {
    const sunday = calendar('Europe/Paris', officeHours, [{ date: '2026-05-03', name: 'a Sunday' }]);
    expect(sunday.businessMsBetween(at('2026-04-27T00:00+02:00'), at('2026-05-04T00:00+02:00'))).toBe(40 * H);
  });

  it('puts a 48-business-hour target past Christmas and New Year', () => {
    const winter = calendar('Europe/Paris', officeHours, [
      { date: '2026-12-25', name: 'Noël' },
      { date: '2027-01-01', name: 'Jour de l’an' },
    ]);
    // Mon 21, Tue 22, Wed 23, Thu 24 (32 h), Fri 25 closed, Mon 28 and Tue 29 (48 h).
    expect(iso(winter.addBusinessMs(at('2026-12-21T09:00+01:00'), 48 * H))).toBe(iso(at('2026-12-29T17:00+01:00')));
    // Thu 24 from 10:00 (7 h), Mon 28 to Thu 31 (39 h), Fri 1 closed, Mon 4 (47 h), Tue 5 at 10:00.
    expect(iso(winter.addBusinessMs(at('2026-12-24T10:00+01:00'), 48 * H))).toBe(iso(at('2027-01-05T10:00+01:00')));
  });
});

describe('daylight saving time', () => {
  const allDay = [p('00:00', '24:00')];

  it('Europe/Paris, last Sunday of March: the day has 23 hours and a period across the skipped hour is shortened', () => {
    expect(calendar('Europe/Paris', everyDay(allDay)).businessMsBetween(at('2026-03-29T00:00+01:00'), at('2026-03-30T00:00+02:00'))).toBe(23 * H);
    const straddling = calendar('Europe/Paris', week({ sun: [p('01:30', '03:30')] }));
    expect(straddling.businessMsBetween(at('2026-03-28T00:00Z'), at('2026-03-30T00:00Z'))).toBe(H);
    expect(iso(straddling.addBusinessMs(at('2026-03-29T01:45+01:00'), 30 * MIN))).toBe(iso(at('2026-03-29T03:15+02:00')));
    const inside = calendar('Europe/Paris', week({ sat: [p('10:00', '11:00')], sun: [p('02:10', '02:50')] }));
    expect(inside.businessMsBetween(at('2026-03-28T00:00Z'), at('2026-03-30T00:00Z'))).toBe(H);
    // Sunday's period lies in the skipped hour: after Saturday's, the next open time is a week later.
    expect(iso(inside.addBusinessMs(at('2026-03-28T10:30+01:00'), H))).toBe(iso(at('2026-04-04T10:30+02:00')));
  });

  it('Europe/Paris, last Sunday of October: the day has 25 hours and a repeated hour counts the real time it takes', () => {
    expect(calendar('Europe/Paris', everyDay(allDay)).businessMsBetween(at('2026-10-25T00:00+02:00'), at('2026-10-26T00:00+01:00'))).toBe(25 * H);
    const across = calendar('Europe/Paris', week({ sun: [p('01:00', '04:00')] }));
    expect(across.businessMsBetween(at('2026-10-24T00:00Z'), at('2026-10-26T00:00Z'))).toBe(4 * H);
    // 02:30 happens twice: first at 00:30 UTC (CEST), then at 01:30 UTC (CET).
    expect(iso(across.addBusinessMs(at('2026-10-25T01:00+02:00'), 90 * MIN))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(across.addBusinessMs(at('2026-10-25T01:00+02:00'), 150 * MIN))).toBe('2026-10-25T01:30:00.000Z');
    const repeated = calendar('Europe/Paris', week({ sun: [p('02:10', '02:20')] }));
    expect(repeated.businessMsBetween(at('2026-10-24T00:00Z'), at('2026-10-26T00:00Z'))).toBe(20 * MIN);
    expect(iso(repeated.addBusinessMs(at('2026-10-25T00:00Z'), 15 * MIN))).toBe('2026-10-25T01:15:00.000Z');
  });

  it('Europe/Paris: office hours keep their local times across both changes', () => {
    expect(paris.businessMsBetween(at('2026-03-27T09:00+01:00'), at('2026-03-30T09:00+02:00'))).toBe(8 * H);
    expect(iso(paris.addBusinessMs(at('2026-03-27T16:00+01:00'), 2 * H))).toBe('2026-03-30T08:00:00.000Z');
    expect(iso(paris.addBusinessMs(at('2026-10-23T16:00+02:00'), 2 * H))).toBe('2026-10-26T09:00:00.000Z');
    expect(paris.businessMsBetween(at('2026-03-23T00:00+01:00'), at('2026-04-06T00:00+02:00'))).toBe(80 * H);
  });

  it('America/New_York, second Sunday of March and first Sunday of November', () => {
    const ny = calendar('America/New_York', everyDay(allDay));
    expect(ny.businessMsBetween(at('2026-03-08T00:00-05:00'), at('2026-03-09T00:00-04:00'))).toBe(23 * H);
    expect(ny.businessMsBetween(at('2026-11-01T00:00-04:00'), at('2026-11-02T00:00-05:00'))).toBe(25 * H);
    const office = calendar('America/New_York', officeHours);
    expect(iso(office.addBusinessMs(at('2026-03-06T16:00-05:00'), 2 * H))).toBe('2026-03-09T14:00:00.000Z');
    expect(iso(office.addBusinessMs(at('2026-10-30T16:00-04:00'), 2 * H))).toBe('2026-11-02T15:00:00.000Z');
    expect(iso(office.addBusinessMs(at('2026-11-02T10:00-05:00'), -2 * H))).toBe('2026-10-30T20:00:00.000Z');
    const straddling = calendar('America/New_York', week({ sun: [p('01:00', '04:00')] }));
    expect(straddling.businessMsBetween(at('2026-03-07T00:00Z'), at('2026-03-09T00:00Z'))).toBe(2 * H);
    expect(straddling.businessMsBetween(at('2026-10-31T00:00Z'), at('2026-11-02T00:00Z'))).toBe(4 * H);
  });
});

describe('walking backwards (negative budgets)', () => {
  it('puts an overdue instant back where it was, over nights, weekends and holidays', () => {
    expect(iso(paris.addBusinessMs(at('2026-01-12T10:00+01:00'), -2 * H))).toBe(iso(at('2026-01-09T16:00+01:00')));
    // Backwards, a budget that runs out at an opening stops there (not at the closing before it).
    expect(iso(paris.addBusinessMs(at('2026-01-13T10:00+01:00'), -(9 * H)))).toBe(iso(at('2026-01-12T09:00+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-01-11T12:00+01:00'), -30 * MIN))).toBe(iso(at('2026-01-09T16:30+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-01-05T09:00+01:00'), -8 * H))).toBe(iso(at('2026-01-02T09:00+01:00')));
    expect(iso(paris.addBusinessMs(at('2026-03-30T10:00+02:00'), -2 * H))).toBe(iso(at('2026-03-27T16:00+01:00')));
  });
});

describe('a calendar that is never open', () => {
  const closed = calendar('Europe/Paris', week({}));

  it('counts nothing, and answers the 10-year horizon instead of walking forever', () => {
    const from = at('2026-01-05T09:00+01:00');
    expect(closed.businessMsBetween(from, from + 400 * 24 * H)).toBe(0);
    expect(closed.addBusinessMs(from, H)).toBe(from + HORIZON_MS);
    expect(closed.addBusinessMs(from, -H)).toBe(from - HORIZON_MS);
  });

  it('answers the horizon too when holidays close all but a sliver of it', () => {
    // Open Mondays 09:00–10:00, but every Monday of the next 11 years is a holiday.
    const holidays: Holiday[] = [];
    for (let day = at('2026-01-05T12:00Z'); day < at('2037-01-01T00:00Z'); day += 7 * 24 * H) holidays.push({ date: iso(day).slice(0, 10), name: 'closed' });
    const mondays = calendar('Europe/Paris', week({ mon: [p('09:00', '10:00')] }), holidays);
    const from = at('2026-01-01T00:00Z');
    expect(mondays.addBusinessMs(from, MIN)).toBe(from + HORIZON_MS);
    expect(mondays.businessMsBetween(from, at('2037-01-31T00:00Z'))).toBe(4 * H);
  });
});

/** mulberry32: a small seeded generator, so every run draws the same cases. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zoned: [string, BusinessCalendar, { timeZone: string; week: WeeklyHours; holidays: Holiday[] }][] = (
  [
    ['Paris office with holidays', { timeZone: 'Europe/Paris', week: officeHours, holidays: [{ date: '2026-05-01', name: 'x' }, { date: '2026-12-25', name: 'y' }] }],
    ['New York with lunch', { timeZone: 'America/New_York', week: weekdays([p('08:00', '12:00'), p('13:00', '17:30')]), holidays: [{ date: '2026-07-03', name: 'z' }] }],
    ['night shifts in Paris', { timeZone: 'Europe/Paris', week: week({ sun: [p('01:00', '04:00')], mon: [p('22:00', '24:00')], tue: [p('00:00', '06:00')] }), holidays: [] }],
    ['Lord Howe (30-minute DST)', { timeZone: 'Australia/Lord_Howe', week: everyDay([p('01:00', '03:00'), p('09:30', '18:15')]), holidays: [] }],
    ['Kolkata (+05:30, no DST)', { timeZone: 'Asia/Kolkata', week: weekdays([p('09:30', '18:30')]), holidays: [] }],
  ] as const
).map(([name, s]) => [name, calendar(s.timeZone, s.week as WeeklyHours, [...s.holidays]), { ...s, week: s.week as WeeklyHours, holidays: [...s.holidays] }]);

/**
 * An independent reference: minute by minute, whether Intl's local wall time
 * of that minute falls in an open period of a non-holiday day.
 */
function minuteByMinute(spec: { timeZone: string; week: WeeklyHours; holidays: Holiday[] }, from: number, to: number): number {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: spec.timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit' });
  const closed = new Set(spec.holidays.map((h) => h.date));
  let open = 0;
  for (let t = from; t < to; t += MIN) {
    const part = Object.fromEntries(format.formatToParts(t).map((x) => [x.type, x.value]));
    if (closed.has(`${part.year}-${part.month}-${part.day}`)) continue;
    const day = part.weekday!.toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number];
    const wall = `${part.hour}:${part.minute}`;
    if (spec.week[day].some((w) => w.start <= wall && wall < w.end)) open += MIN;
  }
  return open;
}

describe('properties', () => {
  const random = seeded(20260329);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const START = at('2024-01-01T00:00Z');
  const END = at('2031-01-01T00:00Z');

  it.each(zoned.map(([name, cal]) => [name, cal] as const))('%s: businessMsBetween(from, addBusinessMs(from, x)) === x, and backwards', (_, cal) => {
    for (let i = 0; i < 300; i++) {
      const from = between(START, END);
      const x = between(1, 200 * H);
      const later = cal.addBusinessMs(from, x);
      expect(cal.businessMsBetween(from, later), `from ${iso(from)} + ${x}`).toBe(x);
      // The earliest such instant: a millisecond less is not enough.
      expect(cal.businessMsBetween(from, later - 1)).toBe(x - 1);
      const earlier = cal.addBusinessMs(from, -x);
      expect(cal.businessMsBetween(earlier, from), `from ${iso(from)} - ${x}`).toBe(x);
      expect(cal.businessMsBetween(earlier + 1, from)).toBe(x - 1);
    }
  });

  it.each(zoned.map(([name, cal]) => [name, cal] as const))('%s: business time adds up over consecutive intervals', (_, cal) => {
    for (let i = 0; i < 100; i++) {
      const [a, b, c] = [between(START, END), between(START, END), between(START, END)].sort((m, n) => m - n) as [number, number, number];
      expect(cal.businessMsBetween(a, c)).toBe(cal.businessMsBetween(a, b) + cal.businessMsBetween(b, c));
    }
  });

  it.each(zoned)('%s: agrees with a minute-by-minute count around DST changes and holidays', (_, cal, spec) => {
    const around = ['2026-03-08T07:00Z', '2026-03-29T01:00Z', '2026-04-04T15:00Z', '2026-10-03T15:30Z', '2026-10-25T01:00Z', '2026-11-01T06:00Z', '2026-05-01T12:00Z', '2026-07-03T12:00Z'];
    for (const centre of around.map(at)) {
      for (let i = 0; i < 4; i++) {
        const from = centre + between(-36 * 60, 36 * 60) * MIN;
        const to = from + between(0, 60 * 60) * MIN;
        expect(cal.businessMsBetween(from, to), `${iso(from)} → ${iso(to)}`).toBe(minuteByMinute(spec, from, to));
      }
    }
  });
});

describe('parsing what calendars are written in', () => {
  it('reads wall times, 24:00 only as an end of day', () => {
    expect(minutesOfWallTime('00:00')).toBe(0);
    expect(minutesOfWallTime('09:30')).toBe(570);
    expect(minutesOfWallTime('24:00')).toBe(1440);
    for (const bad of ['24:01', '25:00', '9:30', '09:60', '09:30:00', 'noon', '']) expect(minutesOfWallTime(bad), bad).toBeNull();
  });

  it('reads real dates only', () => {
    expect(dayOfDate('1970-01-01')).toBe(0);
    expect(dayOfDate('2026-03-29')).toBe(Date.UTC(2026, 2, 29) / (24 * H));
    expect(dayOfDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / (24 * H));
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-04-31', '2026-4-1', '20260401']) expect(dayOfDate(bad), bad).toBeNull();
  });

  it('knows IANA time zones by their canonical names, and refuses offsets and inventions', () => {
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus_Mons', '+01:00', '-05:00', '', 'Europe/Paris ']) expect(canonicalTimeZone(bad), bad).toBeNull();
  });

  it('refuses a malformed spec with the calendar named, rather than counting wrong', () => {
    const spec: CalendarSpec = { kind: 'business', id: 'x', name: 'Broken', timeZone: 'UTC', week: week({ mon: [p('9:00', '17:00')] }), holidays: [] };
    expect(() => calendarFor(spec)).toThrow(/Broken/);
  });
});
