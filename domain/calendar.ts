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

/** Calendars are carried in workflow state, so they are described by plain data. */
export type CalendarSpec = { kind: '24x7' };

export const twentyFourSeven: BusinessCalendar = {
  businessMsBetween: (fromMs, toMs) => Math.max(0, toMs - fromMs),
  addBusinessMs: (fromMs, businessMs) => fromMs + businessMs,
};

export function calendarFor(spec: CalendarSpec): BusinessCalendar {
  switch (spec.kind) {
    case '24x7':
      return twentyFourSeven;
  }
}
