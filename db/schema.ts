import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type { CalendarSpec } from '../domain/calendar';
import type { SlaTargets } from '../domain/sla';
import type { FieldChange, TicketView } from '../domain/ticket';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  roles: text('roles').array().notNull(),
  /** Deactivated people keep their history but can no longer sign in. */
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
});

/** Bearer tokens, stored as SHA-256 hashes: a leaked table grants nothing. */
export const apiTokens = pgTable('api_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  /** The public handle of a token, for listing and revoking it without knowing it. */
  id: uuid('id').notNull().unique().defaultRandom(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  label: text('label').notNull().default(''),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  createdAt: createdAt(),
});

export const teams = pgTable('teams', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  escalationTeam: text('escalation_team').references((): AnyPgColumn => teams.name),
  createdAt: createdAt(),
});

export const teamMembers = pgTable(
  'team_members',
  {
    team: text('team')
      .notNull()
      .references(() => teams.name, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.team, t.userId] })],
);

export const slas = pgTable('slas', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  targets: jsonb('targets').$type<SlaTargets>().notNull(),
  warnAtPercent: integer('warn_at_percent').notNull(),
  calendar: jsonb('calendar').$type<CalendarSpec>().notNull(),
  isDefault: boolean('is_default').notNull().default(false),
  /** Inactive SLAs are kept for the tickets that carry them but are offered to no new ticket. */
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('slas_one_default_idx').on(t.isDefault).where(sql`is_default`)]);

export const incidentNumberSeq = pgSequence('incident_number_seq', { startWith: 1 });

/** The read model: one row per ticket of any type, written only by the projection activity. */
export const tickets = pgTable(
  'tickets',
  {
    number: text('number').primaryKey(),
    type: text('type').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull(),
    priority: integer('priority').notNull(),
    caller: text('caller'),
    assignmentGroup: text('assignment_group'),
    assignee: text('assignee'),
    parent: text('parent'),
    escalationLevel: integer('escalation_level').notNull(),
    view: jsonb('view').$type<TicketView>().notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    search: tsvector('search').generatedAlwaysAs(
      sql`to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))`,
    ),
  },
  (t) => [
    index('tickets_type_seq_idx').on(t.type, t.seq),
    index('tickets_status_idx').on(t.type, t.status),
    index('tickets_caller_idx').on(t.caller),
    index('tickets_assignee_idx').on(t.assignee),
    index('tickets_group_idx').on(t.assignmentGroup),
    index('tickets_parent_idx').on(t.parent),
    index('tickets_search_idx').using('gin', t.search),
  ],
);

/** Append-only audit trail; the id makes a retried append a no-op. */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull(),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    changes: jsonb('changes').$type<FieldChange[]>().notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** SHA-256 of the event's content: the same id arriving with other content is another lineage, never a silent no-op. */
    hash: text('hash'),
  },
  (t) => [index('ticket_events_number_idx').on(t.number, t.seq)],
);

/** Links between tickets as rows (parent, child, caused_by, fix_for, task_of, duplicate_of, alert_of), from the linking ticket's view. */
export const ticketLinks = pgTable(
  'ticket_links',
  {
    number: text('number').notNull(),
    relation: text('relation').notNull(),
    target: text('target').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.number, t.relation, t.target] }), index('ticket_links_target_idx').on(t.target, t.relation)],
);

/** Tickets whose projection keeps failing: what /health reports until a projection of the ticket succeeds again. */
export const projectionFailures = pgTable('projection_failures', {
  number: text('number').primaryKey(),
  error: text('error').notNull(),
  /** PostgreSQL's SQLSTATE when the database refused the data (class 22: data exception). */
  sqlstate: text('sqlstate'),
  failures: integer('failures').notNull().default(1),
  firstFailedAt: timestamp('first_failed_at', { withTimezone: true }).notNull().defaultNow(),
  lastFailedAt: timestamp('last_failed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Notifications waiting for delivery (email delivery comes later). */
export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    recipient: text('recipient').notNull(),
    template: text('template').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('outbox_status_idx').on(t.status, t.createdAt)],
);

/** Idempotency-Key → the ticket that key created, per user. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull(),
    key: text('key').notNull(),
    /** A replay with the same key but another body is refused rather than answered with the first ticket. */
    requestHash: text('request_hash').notNull(),
    number: text('number').notNull(),
    /** Set once the ticket's workflow exists: a retry of a started key never starts another run. */
    startedAt: timestamp('started_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
