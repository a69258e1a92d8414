import { createRoute, z } from '@hono/zod-openapi';
import { canonicalTimeZone, dayOfDate, HORIZON_MS, WEEKDAYS } from '../../../domain/calendar';
import { LIMITS } from '../../../domain/incident';
import { requiredText } from '../../../domain/text';
import { problemResponses } from '../../problem';
import { atLeastOneField, listOf, paginationQuery } from '../../schemas';
import { historyRoute, idParam, textQuery } from '../organizations/catalog';

const tags = ['Service levels'];
const security = [{ bearer: [] }];

/** Periods one day may have: split shifts, not minute-by-minute schedules. */
const MAX_PERIODS_PER_DAY = 12;
/** Holidays one calendar may list: decades of public holidays. */
const MAX_HOLIDAYS = 1000;

const start = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM, 00:00 to 23:59')
  .openapi({ example: '09:00', description: 'Local wall-clock time the period opens' });
const end = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time of day HH:MM, 00:01 to 24:00')
  .openapi({ example: '17:00', description: 'Local wall-clock time the period closes; 24:00 for the end of the day' });

// "HH:MM" strings order as the times they name ("24:00" last), so comparing them as text is enough.
const periodSchema = z
  .strictObject({ start, end })
  .refine((p) => p.start < p.end, { message: 'must be after start', path: ['end'] })
  .openapi('WorkingPeriod');

const daySchema = z
  .array(periodSchema)
  .max(MAX_PERIODS_PER_DAY)
  .superRefine((periods, ctx) => {
    for (let i = 1; i < periods.length; i++) {
      if (periods[i]!.start < periods[i - 1]!.end) {
        ctx.addIssue({ code: 'custom', path: [i, 'start'], message: `must not be before the end of the period before it (${periods[i - 1]!.end}): list periods in order, without overlap` });
      }
    }
  })
  .openapi({ description: 'Open periods of the day, in order, not overlapping; [] for a closed day. A night shift over midnight is two periods: …–24:00, then 00:00–… the next day' });

export const weekSchema = z
  .strictObject(Object.fromEntries(WEEKDAYS.map((day) => [day, daySchema])) as Record<(typeof WEEKDAYS)[number], typeof daySchema>)
  .refine((week) => Object.values(week).some((periods) => periods.length > 0), 'must have at least one open period')
  .openapi('WeeklyHours', {
    description: 'Working periods for each of the seven days, in the calendar’s time zone',
    example: {
      mon: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
      tue: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
      wed: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
      thu: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
      fri: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
      sat: [],
      sun: [],
    },
  });

const holidaySchema = z
  .strictObject({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .refine((d) => dayOfDate(d) !== null, 'must be a real date')
      .openapi({ format: 'date', example: '2026-12-25' }),
    name: requiredText(LIMITS.name).openapi({ example: 'Christmas Day' }),
  })
  .openapi('Holiday');

const holidaysSchema = z
  .array(holidaySchema)
  .max(MAX_HOLIDAYS)
  .superRefine((holidays, ctx) => {
    const seen = new Set<string>();
    holidays.forEach((h, i) => {
      if (seen.has(h.date)) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `${h.date} is listed twice` });
      seen.add(h.date);
    });
  })
  // Kept in date order, whatever order they came in.
  .transform((holidays) => [...holidays].sort((a, b) => (a.date < b.date ? -1 : 1)))
  .openapi({ description: 'Whole local days closed, each date once' });

const timeZoneSchema = z
  .string()
  .max(64)
  .transform((tz, ctx) => {
    const canonical = canonicalTimeZone(tz);
    if (canonical === null) {
      ctx.addIssue({ code: 'custom', input: tz, message: 'must be an IANA time zone this server knows, such as Europe/Paris' });
      return z.NEVER;
    }
    return canonical;
  })
  .openapi({ example: 'Europe/Paris', description: 'An IANA time zone; stored under its canonical name. Fixed offsets such as +01:00 are refused' });

const name = requiredText(LIMITS.name).openapi({ example: 'Paris office hours' });

export const calendarSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    timeZone: z.string(),
    week: weekSchema,
    holidays: z.array(holidaySchema),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Calendar');

export const createCalendarBody = z
  .strictObject({ name, timeZone: timeZoneSchema, week: weekSchema, holidays: holidaysSchema.default([]) })
  .openapi('NewCalendar');

export const updateCalendarBody = z
  .strictObject({ name: name.optional(), timeZone: timeZoneSchema.optional(), week: weekSchema.optional(), holidays: holidaysSchema.optional() })
  .refine(atLeastOneField, 'name at least one of name, timeZone, week, holidays')
  .meta({ minProperties: 1 })
  .openapi('CalendarChanges');

const calendarResponse = (description: string) => ({ description, content: { 'application/json': { schema: calendarSchema } } });

export const create = createRoute({
  method: 'post',
  path: '/calendars',
  tags,
  security,
  operationId: 'createCalendar',
  summary: 'Create a business-hours calendar: time zone, weekly working periods, holidays',
  request: { body: { required: true, content: { 'application/json': { schema: createCalendarBody } } } },
  responses: { 201: calendarResponse('Created'), ...problemResponses(400, 401, 403, 409) },
});

export const list = createRoute({
  method: 'get',
  path: '/calendars',
  tags,
  security,
  operationId: 'listCalendars',
  summary: 'List calendars by name',
  request: { query: z.strictObject({ ...paginationQuery, q: textQuery.openapi({ description: 'Text in the name' }) }) },
  responses: { 200: { description: 'Calendars', content: { 'application/json': { schema: listOf(calendarSchema, 'CalendarList') } } }, ...problemResponses(400, 401, 403) },
});

export const get = createRoute({
  method: 'get',
  path: '/calendars/{id}',
  tags,
  security,
  operationId: 'getCalendar',
  summary: 'One calendar',
  request: { params: idParam },
  responses: { 200: calendarResponse('The calendar'), ...problemResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/calendars/{id}',
  tags,
  security,
  operationId: 'updateCalendar',
  summary: 'Change a calendar: week and holidays are replaced whole. Tickets already open keep the calendar they started with',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateCalendarBody } } } },
  responses: { 200: calendarResponse('The calendar as changed'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/calendars/{id}',
  tags,
  security,
  operationId: 'deleteCalendar',
  summary: 'Delete a calendar; refused (409) while an SLA uses it. Its history stays',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const history = historyRoute('calendars', 'calendar', tags, 'getCalendarHistory', 'CalendarHistory');

/** The longest span a preview counts over: the horizon the clocks look ahead. */
const PREVIEW_SPAN_MS = HORIZON_MS;
/** The largest budget a preview adds: the largest SLA target, twice (its 200 % escalation). */
const MAX_PREVIEW_SECONDS = 2 * 366 * 24 * 3600;

const instant = z.iso.datetime({ offset: true });
export const businessTimeQuery = z
  .strictObject({
    from: instant.openapi({ example: '2026-12-24T16:00:00+01:00', description: 'Where to start' }),
    to: instant.optional().openapi({ description: 'Count business time from `from` to here (at most 10 years later)' }),
    seconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_PREVIEW_SECONDS)
      .optional()
      .openapi({ example: 28800, description: 'Find when this many business seconds after `from` have passed, as an SLA clock would' }),
  })
  .superRefine((q, ctx) => {
    if ((q.to === undefined) === (q.seconds === undefined)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'give either to or seconds, not both' });
    if (q.to === undefined) return;
    const span = Date.parse(q.to) - Date.parse(q.from);
    if (span < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    if (span > PREVIEW_SPAN_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be at most 10 years after from' });
  });

export const businessTimeSchema = z
  .object({
    from: z.string().openapi({ format: 'date-time' }),
    to: z.string().openapi({ format: 'date-time' }),
    businessSeconds: z.number().openapi({ description: 'Open time between from and to, in seconds (fractions kept)' }),
  })
  .openapi('BusinessTime');

export const businessTime = createRoute({
  method: 'get',
  path: '/calendars/{id}/business-time',
  tags,
  security,
  operationId: 'previewCalendarBusinessTime',
  summary: 'Try a calendar before an SLA uses it: business time between two instants, or when a budget of business seconds runs out',
  description:
    'With `to`: the open time between `from` and `to`. With `seconds`: the instant `to` at which that much open time after `from` has passed, as a due time is computed; a calendar with too little open time within 10 years answers `from` plus 10 years.',
  request: { params: idParam, query: businessTimeQuery },
  responses: {
    200: { description: 'Business time', content: { 'application/json': { schema: businessTimeSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});
