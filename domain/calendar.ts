/**
 * Business time. SLA clocks count only the seconds a calendar declares open;
 * the clock math never knows which calendar it runs on, so business-hours
 * calendars (time zone, weekly hours, holidays) plug in here beside 24×7.
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

export function calendarFor(spec: CalendarSpec): BusinessCalendar {
  switch (spec.kind) {
    case '24x7':
      return twentyFourSeven;
    case 'business':
      throw new Error('business-hours calendars are not implemented yet');
  }
}
