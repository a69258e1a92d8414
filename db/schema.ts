import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type { Holiday, WeeklyHours } from '../domain/calendar';
import type { ApprovalLevel, FormField, TaskTemplate } from '../domain/catalog';
import type { SlaTargets } from '../domain/sla';
import type { FieldChange, TicketView } from '../domain/ticket';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Customers, providers and the organization running the desk: a contract says which an organization is to whom. */
export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** A short code unique among organizations (iTop's), for imports and email routing. */
  code: text('code').unique(),
  description: text('description').notNull().default(''),
  parentId: uuid('parent_id').references((): AnyPgColumn => organizations.id),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  roles: text('roles').array().notNull(),
  /** The organization the user belongs to: what their tickets are filed under, and what a portal power user sees. */
  organizationId: uuid('organization_id').references(() => organizations.id),
  /** Who approves this user's requests when a catalog item asks for their manager. */
  managerId: uuid('manager_id').references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
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
  organizationId: uuid('organization_id').references(() => organizations.id),
  createdAt: createdAt(),
});

/** People the desk knows of: callers, customer contacts, provider contacts; a contact may or may not be a user. */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** Lower-cased; how tickets name people (caller). */
    email: text('email').unique(),
    phone: text('phone').notNull().default(''),
    function: text('function').notNull().default(''),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /** The user account this person signs in with, if any. */
    userId: uuid('user_id')
      .unique()
      .references(() => users.id, { onDelete: 'set null' }),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('contacts_organization_idx').on(t.organizationId)],
);

/** Business hours: a time zone, weekly working periods and holidays; SLAs that name one count only its open time. */
export const calendars = pgTable('calendars', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** An IANA time zone, such as Europe/Paris. */
  timeZone: text('time_zone').notNull(),
  week: jsonb('week').$type<WeeklyHours>().notNull(),
  holidays: jsonb('holidays').$type<Holiday[]>().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
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
  /** Business hours the clocks count; null counts every hour (24×7). A ticket snapshots the calendar when it opens. */
  calendarId: uuid('calendar_id').references(() => calendars.id),
  isDefault: boolean('is_default').notNull().default(false),
  /** Inactive SLAs are kept for the tickets that carry them but are offered to no new ticket. */
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('slas_one_default_idx').on(t.isDefault).where(sql`is_default`)]);

/** Configuration items: class-specific attributes are validated by the API (domain/cmdb) and stored as JSON. */
export const cis = pgTable(
  'cis',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    class: text('class').notNull(),
    /** The natural key with the class: imports upsert on (class, name). */
    name: text('name').notNull(),
    status: text('status').notNull(),
    criticality: text('criticality').notNull(),
    organizationId: uuid('organization_id').references(() => organizations.id),
    supportTeam: text('support_team').references(() => teams.name),
    description: text('description').notNull().default(''),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    search: tsvector('search').generatedAlwaysAs(
      sql`to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(description, '') || ' ' || coalesce(jsonb_path_query_array(attributes, 'strict $.*')::text, ''))`,
    ),
  },
  (t) => [
    uniqueIndex('cis_class_name_idx').on(t.class, t.name),
    index('cis_status_idx').on(t.status, t.class),
    index('cis_organization_idx').on(t.organizationId),
    index('cis_support_team_idx').on(t.supportTeam),
    index('cis_name_idx').on(t.name),
    // A half-typed name (web-0 for web-01) is a prefix search on the lower-cased name.
    index('cis_name_prefix_idx').using('btree', sql`lower(${t.name}) text_pattern_ops`),
    index('cis_search_idx').using('gin', t.search),
  ],
);

/**
 * "source <type> target" between two CIs. The dependent and provider ends are
 * computed here (see RELATION_DEPENDENT_END in domain/cmdb), so impact
 * traversals walk one indexed column whatever the type.
 */
export const ciRelations = pgTable(
  'ci_relations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => cis.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    targetId: uuid('target_id')
      .notNull()
      .references(() => cis.id, { onDelete: 'cascade' }),
    dependentId: uuid('dependent_id')
      .notNull()
      .generatedAlwaysAs(sql`case when type in ('hosts', 'member_of') then target_id else source_id end`),
    providerId: uuid('provider_id')
      .notNull()
      .generatedAlwaysAs(sql`case when type in ('hosts', 'member_of') then source_id else target_id end`),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ci_relations_edge_idx').on(t.sourceId, t.type, t.targetId),
    index('ci_relations_provider_idx').on(t.providerId, t.type, t.dependentId),
    index('ci_relations_dependent_idx').on(t.dependentId, t.type, t.providerId),
    index('ci_relations_target_idx').on(t.targetId),
    check('ci_relations_not_self', sql`source_id <> target_id`),
  ],
);

/** Services the organization provides, with the CIs that deliver them. */
export const services = pgTable('services', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  criticality: text('criticality').notNull(),
  /** design, production or retired. */
  status: text('status').notNull().default('production'),
  /** The provider organization. */
  organizationId: uuid('organization_id').references(() => organizations.id),
  supportTeam: text('support_team').references(() => teams.name),
  /** The SLA of an incident on this service when no customer contract covering it names one. */
  slaId: uuid('sla_id').references(() => slas.id),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const serviceCis = pgTable(
  'service_cis',
  {
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    ciId: uuid('ci_id')
      .notNull()
      .references(() => cis.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.ciId] }), index('service_cis_ci_idx').on(t.ciId)],
);

/** Customer contracts (services covered, at an SLA) and provider contracts (CIs covered). */
export const contracts = pgTable(
  'contracts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    name: text('name').notNull().unique(),
    /** The customer of a customer contract, the provider of a provider contract. */
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    slaId: uuid('sla_id').references(() => slas.id),
    cost: numeric('cost', { precision: 14, scale: 2 }),
    currency: text('currency'),
    /** month or year: what the cost is per. */
    costPeriod: text('cost_period'),
    startsOn: date('starts_on').notNull(),
    endsOn: date('ends_on'),
    description: text('description').notNull().default(''),
    /** Links to the contract's documents: [{ title, url }]. */
    documents: jsonb('documents').$type<{ title: string; url: string }[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('contracts_organization_idx').on(t.organizationId, t.kind)],
);

export const contractServices = pgTable(
  'contract_services',
  {
    contractId: uuid('contract_id')
      .notNull()
      .references(() => contracts.id, { onDelete: 'cascade' }),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.serviceId] }), index('contract_services_service_idx').on(t.serviceId)],
);

export const contractCis = pgTable(
  'contract_cis',
  {
    contractId: uuid('contract_id')
      .notNull()
      .references(() => contracts.id, { onDelete: 'cascade' }),
    ciId: uuid('ci_id')
      .notNull()
      .references(() => cis.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.ciId] }), index('contract_cis_ci_idx').on(t.ciId)],
);

/** The people and teams a contract names as its contacts. */
export const contractContacts = pgTable(
  'contract_contacts',
  {
    contractId: uuid('contract_id')
      .notNull()
      .references(() => contracts.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.contactId] })],
);

export const contractTeams = pgTable(
  'contract_teams',
  {
    contractId: uuid('contract_id')
      .notNull()
      .references(() => contracts.id, { onDelete: 'cascade' }),
    team: text('team')
      .notNull()
      .references(() => teams.name, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.team] })],
);

/**
 * Every change to configuration data, attribute by attribute: who, when,
 * old and new value (iTop's change log). A relation change is written once
 * under each CI it joins, so each CI's history tells the whole story.
 */
export const cmdbHistory = pgTable(
  'cmdb_history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    /** created, updated, deleted, linked, unlinked. */
    action: text('action').notNull(),
    attribute: text('attribute'),
    oldValue: jsonb('old_value'),
    newValue: jsonb('new_value'),
  },
  (t) => [index('cmdb_history_subject_idx').on(t.subjectType, t.subjectId, t.id)],
);

export const incidentNumberSeq = pgSequence('incident_number_seq', { startWith: 1 });
export const problemNumberSeq = pgSequence('problem_number_seq', { startWith: 1 });
export const changeNumberSeq = pgSequence('change_number_seq', { startWith: 1 });
export const serviceRequestNumberSeq = pgSequence('service_request_number_seq', { startWith: 1 });
export const taskNumberSeq = pgSequence('task_number_seq', { startWith: 1 });

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
    /** The caller's organization when the ticket opened: what a portal power user of it sees. */
    organizationId: uuid('organization_id'),
    serviceId: uuid('service_id'),
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
    index('tickets_organization_idx').on(t.organizationId),
    index('tickets_service_idx').on(t.serviceId),
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

/**
 * The known error database (KEDB): one row per problem whose known error is
 * published, written by the problem's projection; searched when an incident
 * is logged and by agents.
 */
export const knownErrors = pgTable(
  'known_errors',
  {
    number: text('number').primaryKey(),
    title: text('title').notNull(),
    symptoms: text('symptoms').notNull(),
    rootCause: text('root_cause').notNull(),
    workaround: text('workaround').notNull(),
    /** The problem's status: a resolved problem's known error stays searchable, marked fixed. */
    status: text('status').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    search: tsvector('search').generatedAlwaysAs(
      sql`setweight(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(symptoms, '')), 'A') || setweight(to_tsvector('english', coalesce(workaround, '') || ' ' || coalesce(root_cause, '')), 'B')`,
    ),
  },
  (t) => [index('known_errors_search_idx').using('gin', t.search)],
);

/**
 * Periods in which no change may be implemented (a quarter close, a peak
 * season), for everything or for some services and CIs: change assessment and
 * the change calendar read them.
 */
export const freezeWindows = pgTable(
  'freeze_windows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    reason: text('reason').notNull().default(''),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    /** Empty lists: the freeze covers everything. */
    serviceIds: uuid('service_ids').array().notNull().default(sql`'{}'::uuid[]`),
    ciIds: uuid('ci_ids').array().notNull().default(sql`'{}'::uuid[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('freeze_windows_period_idx').on(t.startsAt, t.endsAt), check('freeze_windows_ordered', sql`starts_at < ends_at`)],
);

/** The service catalog: what end users may order, with its form, approvals, fulfilment tasks and SLA (domain/catalog.ts). */
export const catalogItems = pgTable('catalog_items', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  category: text('category').notNull(),
  description: text('description').notNull().default(''),
  form: jsonb('form').$type<FormField[]>().notNull().default([]),
  approvals: jsonb('approvals').$type<ApprovalLevel[]>().notNull().default([]),
  costField: text('cost_field'),
  price: numeric('price', { precision: 14, scale: 2 }),
  tasks: jsonb('tasks').$type<TaskTemplate[]>().notNull().default([]),
  taskOrder: text('task_order').notNull().default('parallel'),
  /** The fulfilment SLA; null: the default SLA. */
  slaId: uuid('sla_id').references(() => slas.id),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Pre-approved changes (ITIL standard changes): what a change manager once
 * authorized for good, raised again and again without a board.
 */
export const changeTemplates = pgTable('change_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  risk: text('risk').notNull(),
  impact: integer('impact').notNull(),
  urgency: integer('urgency').notNull(),
  implementationPlan: text('implementation_plan').notNull(),
  backoutPlan: text('backout_plan').notNull(),
  /** The longest window a change from this template may plan, in minutes. */
  maxDurationMinutes: integer('max_duration_minutes').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Who must authorize changes touching what, as data: changes on CIs of a class
 * (database CIs: the DBA team) or affecting a service need the team's
 * approval, by the rule given (any, all, a quorum).
 */
export const changeApprovalRules = pgTable(
  'change_approval_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Exactly one of ciClass and serviceId says what the rule is about. */
    ciClass: text('ci_class'),
    serviceId: uuid('service_id').references(() => services.id, { onDelete: 'cascade' }),
    team: text('team')
      .notNull()
      .references(() => teams.name, { onDelete: 'cascade' }),
    /** { kind: 'any' } | { kind: 'all' } | { kind: 'quorum', count }. */
    rule: jsonb('rule').$type<{ kind: 'any' } | { kind: 'all' } | { kind: 'quorum'; count: number }>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // One rule per subject and team: the absent half of the subject counts as equal, not as unknown.
    unique('change_approval_rules_subject_team').on(t.ciClass, t.serviceId, t.team).nullsNotDistinct(),
    check('change_approval_rules_one_subject', sql`(ci_class is null) <> (service_id is null)`),
  ],
);

/** Each change's planned window, written by its projection: what conflict detection and the change calendar search. */
export const changeWindows = pgTable(
  'change_windows',
  {
    number: text('number').primaryKey(),
    title: text('title').notNull(),
    /** standard, normal or emergency. */
    changeType: text('change_type').notNull(),
    status: text('status').notNull(),
    plannedStart: timestamp('planned_start', { withTimezone: true }).notNull(),
    plannedEnd: timestamp('planned_end', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('change_windows_period_idx').on(t.plannedStart, t.plannedEnd)],
);

/** The CIs a ticket names, as rows: a CI's timeline and the service status read them. */
export const ticketCis = pgTable(
  'ticket_cis',
  {
    number: text('number').notNull(),
    ciId: uuid('ci_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.number, t.ciId] }), index('ticket_cis_ci_idx').on(t.ciId)],
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
