/**
 * Business time. SLA clocks count only the seconds a calendar declares open;
 * the clock math never knows which calendar it runs on, so business-hours
 * calendars (time zone, weekly hours, holidays) plug in here beside 24×7.
 *
 * This runs inside Temporal's deterministic workflow sandbox: pure functions
 * of their inputs and the calendar, no Node APIs, no clock, no randomness.
 * Time-zone offsets come from `Intl.DateTimeFormat` (the runtime's tz data).
 */
export interface BusinessCalendar {
  /** Business milliseconds in [fromMs, toMs); 0 when toMs <= fromMs. */
  businessMsBetween(fromMs: number, toMs: number): number;
  /** The instant at which `businessMs` business milliseconds after fromMs have passed (before it, when negative: overdue deadlines stay where they were). */
  addBusinessMs(fromMs: number, businessMs: number): number;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Local wall-clock times "HH:MM"; end may be "24:00"; start < end. */
export interface WorkingPeriod {
  start: string;
  end: string;
}
/** Each day's working periods, in the calendar's time zone; a day with none is closed. */
export type WeeklyHours = Record<Weekday, WorkingPeriod[]>;
/** A whole local day closed ("YYYY-MM-DD" in the calendar's time zone). */
export interface Holiday {
  date: string;
  name: string;
}

/**
 * Calendars are carried in workflow state (a snapshot taken when the ticket
 * opens), so they are described by plain data.
 */
export type CalendarSpec =
  | { kind: '24x7' }
  | { kind: 'business'; id: string; name: string; timeZone: string; week: WeeklyHours; holidays: Holiday[] };

export const twentyFourSeven: BusinessCalendar = {
  businessMsBetween: (fromMs, toMs) => Math.max(0, toMs - fromMs),
  addBusinessMs: (fromMs, businessMs) => fromMs + businessMs,
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How far addBusinessMs looks for open time: 10 years (3,653 days) of wall
 * time either way. A calendar with less open time than asked for in that
 * span (closed for good by holidays, say) answers the horizon itself, from ±
 * 10 years: a deadline that never comes within any foreseeable time, which a
 * sleeping SLA clock re-examines when it wakes there. businessMsBetween has
 * no horizon: its span is given, and it costs one step per local day.
 */
export const HORIZON_MS = 3653 * DAY;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The day number (days since 1970-01-01) of a real date "YYYY-MM-DD", or null for anything else (2026-02-30 included). */
export function dayOfDate(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (m < 1 || m > 12 || d < 1 || d > (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!)) return null;
  return daysFromCivil(y, m, d);
}

/** Minutes after local midnight of "HH:MM" (00:00–23:59, and 24:00 for the end of the day), or null. */
export function minutesOfWallTime(time: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) return null;
  const [h, m] = [Number(match[1]), Number(match[2])];
  if (m > 59 || h > 24 || (h === 24 && m !== 0)) return null;
  return h * 60 + m;
}

/**
 * The IANA name the runtime knows `timeZone` by (its canonical spelling:
 * "europe/paris" → "Europe/Paris"), or null when it knows no such zone.
 * Fixed offsets ("+01:00") are refused: they are not places and keep no DST.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  if (!/^[A-Za-z]/.test(timeZone)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** A stretch of time [start, end) over which a zone's UTC offset stays the same. */
interface OffsetSpan {
  start: number;
  end: number;
  /** Local wall time minus UTC, in ms. */
  offset: number;
}

/** Offsets are worked out for chunks of this length at a time, and kept. */
const CHUNK_MS = 64 * DAY;

/**
 * One IANA zone's offsets. Intl answers the offset at an instant; transitions
 * are found by probing once a day and bisecting to the second where the
 * offset changes (zones change offsets at most a few times a year, never
 * twice within a day). Each chunk's spans are kept: a pure function of the
 * zone and the runtime's tz data, so caching them is deterministic.
 */
class Zone {
  private readonly format: Intl.DateTimeFormat;
  private readonly chunks = new Map<number, OffsetSpan[]>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The offset at a whole second, as Intl says it. */
  private offsetAt(ms: number): number {
    const part: Record<string, number> = {};
    for (const p of this.format.formatToParts(ms)) part[p.type] = Number(p.value);
    const wall = daysFromCivil(part.year!, part.month!, part.day!) * DAY + part.hour! * HOUR + part.minute! * MINUTE + part.second! * SECOND;
    return wall - ms;
  }

  private spansOf(chunk: number): OffsetSpan[] {
    const start = chunk * CHUNK_MS;
    const end = start + CHUNK_MS;
    const spans: OffsetSpan[] = [];
    let spanStart = start;
    let offset = this.offsetAt(start);
    for (let cursor = start; cursor < end; ) {
      const probe = Math.min(cursor + DAY, end);
      if (this.offsetAt(probe) === offset) {
        cursor = probe;
        continue;
      }
      // The offset changes in (cursor, probe]: find the first second it shows.
      let lo = cursor;
      let hi = probe;
      while (hi - lo > SECOND) {
        const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
        if (this.offsetAt(mid) === offset) lo = mid;
        else hi = mid;
      }
      if (hi >= end) break; // a change at the chunk's very end opens the next chunk
      spans.push({ start: spanStart, end: hi, offset });
      spanStart = hi;
      offset = this.offsetAt(hi);
      cursor = hi;
    }
    spans.push({ start: spanStart, end, offset });
    return spans;
  }

  /** The span holding instant `ms` (spans break at chunk edges too, which changes nothing for their users). */
  spanAt(ms: number): OffsetSpan {
    const chunk = Math.floor(ms / CHUNK_MS);
    let spans = this.chunks.get(chunk);
    if (!spans) this.chunks.set(chunk, (spans = this.spansOf(chunk)));
    return spans.find((s) => ms < s.end)!;
  }
}

const zones = new Map<string, Zone>();
function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) zones.set(timeZone, (zone = new Zone(timeZone)));
  return zone;
}

/** A working period in ms after local midnight. */
interface Period {
  start: number;
  end: number;
}

/** Visits an open stretch [a, b); true stops the walk. */
type Visit = (a: number, b: number) => boolean;

/**
 * Open time is every instant whose local wall time falls on a day that is no
 * holiday, inside one of that weekday's periods. Within a span of constant
 * offset, local time is UTC shifted, so each local day's periods map to UTC
 * by subtracting the offset and clipping to the span: a period cut by a
 * skipped hour (spring forward) loses it, a period across a repeated hour
 * (fall back) counts the real time that passes, twice over the repeated
 * wall-clock hour. The walk goes a local day at a time.
 */
class HoursCalendar implements BusinessCalendar {
  private readonly zone: Zone;
  /** Periods per weekday, Monday first, sorted and disjoint (as the API accepts them). */
  private readonly week: Period[][];
  private readonly holidays: Set<number>;

  constructor(spec: Extract<CalendarSpec, { kind: 'business' }>) {
    this.zone = zoneOf(spec.timeZone);
    this.week = WEEKDAYS.map((day) =>
      spec.week[day].map((p) => ({ start: wallMinutes(p.start, spec) * MINUTE, end: wallMinutes(p.end, spec) * MINUTE })),
    );
    this.holidays = new Set(
      spec.holidays.map((h) => {
        const day = dayOfDate(h.date);
        if (day === null) throw new Error(`calendar ${spec.name}: holiday ${h.date} is not a date`);
        return day;
      }),
    );
  }

  private periodsOn(day: number): Period[] {
    if (this.holidays.has(day)) return [];
    // Day 0, 1970-01-01, was a Thursday (index 3 from Monday).
    return this.week[(((day + 3) % 7) + 7) % 7]!;
  }

  /** Open stretches in [from, until), in time order. */
  private forward(from: number, until: number, visit: Visit): void {
    for (let t = from; t < until; ) {
      const span = this.zone.spanAt(t);
      const end = Math.min(span.end, until);
      for (let day = Math.floor((t + span.offset) / DAY); day * DAY - span.offset < end; day++) {
        const midnight = day * DAY - span.offset;
        for (const p of this.periodsOn(day)) {
          const a = Math.max(midnight + p.start, t);
          const b = Math.min(midnight + p.end, end);
          if (a < b && visit(a, b)) return;
        }
      }
      t = end;
    }
  }

  /** Open stretches in [until, from), latest first. */
  private backward(from: number, until: number, visit: Visit): void {
    for (let t = from; t > until; ) {
      const span = this.zone.spanAt(t - 1);
      const start = Math.max(span.start, until);
      for (let day = Math.floor((t - 1 + span.offset) / DAY); (day + 1) * DAY - span.offset > start; day--) {
        const midnight = day * DAY - span.offset;
        const periods = this.periodsOn(day);
        for (let i = periods.length - 1; i >= 0; i--) {
          const a = Math.max(midnight + periods[i]!.start, start);
          const b = Math.min(midnight + periods[i]!.end, t);
          if (a < b && visit(a, b)) return;
        }
      }
      t = start;
    }
  }

  businessMsBetween(fromMs: number, toMs: number): number {
    let total = 0;
    this.forward(fromMs, toMs, (a, b) => {
      total += b - a;
      return false;
    });
    return total;
  }

  addBusinessMs(fromMs: number, businessMs: number): number {
    if (businessMs === 0) return fromMs;
    let left = Math.abs(businessMs);
    if (businessMs > 0) {
      let at = fromMs + HORIZON_MS;
      this.forward(fromMs, at, (a, b) => {
        if (b - a >= left) {
          at = a + left;
          return true;
        }
        left -= b - a;
        return false;
      });
      return at;
    }
    let at = fromMs - HORIZON_MS;
    this.backward(fromMs, at, (a, b) => {
      if (b - a >= left) {
        at = b - left;
        return true;
      }
      left -= b - a;
      return false;
    });
    return at;
  }
}

function wallMinutes(time: string, spec: { name: string }): number {
  const minutes = minutesOfWallTime(time);
  if (minutes === null) throw new Error(`calendar ${spec.name}: ${time} is not a time of day`);
  return minutes;
}

export function calendarFor(spec: CalendarSpec): BusinessCalendar {
  switch (spec.kind) {
    case '24x7':
      return twentyFourSeven;
    case 'business':
      return new HoursCalendar(spec);
  }
}
